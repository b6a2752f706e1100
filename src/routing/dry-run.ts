/**
 * testRules: routes a raw message exactly as a new ticket would be routed, storing nothing.
 */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { AppError } from '../errors.js';
import { classifierContextOf, classifyMessage } from '../ingest/classify.js';
import { ownAddresses } from '../ingest/own-addresses.js';
import { readMessage } from '../ingest/read-message.js';
import { decide, type RoutingDecision } from './decide.js';
import { isEmergencyMail } from './emergency.js';
import { messageFacts } from './facts.js';
import { loadRuleSet } from './rule-set.js';

export interface DryRun {
  decision: RoutingDecision;
  /** False for automatic mail or when the sender asked for no auto-replies (before rules). */
  acknowledge: boolean;
  /** Why the message counts as automatic mail (classify.ts: "Auto-Submitted: auto-replied", "auto-reply subject (Automatic reply)"); null when a person wrote it. */
  automaticReason: string | null;
}

/**
 * @param mailboxName a configured mailbox the message is imagined to arrive in; default: the first
 *   SUPPORT mailbox, else the SMTP door.
 */
export async function dryRunRouting(em: Em, raw: string, config: Config, mailboxName: string | null): Promise<DryRun> {
  const bytes = Buffer.from(raw, 'utf8');
  if (bytes.length === 0) throw new AppError('BAD_USER_INPUT', 'raw must contain a message (headers, blank line, body)', 'user', ['raw']);
  if (bytes.length > config.maxMessageBytes) throw new AppError('BAD_USER_INPUT', `raw is larger than MAX_MESSAGE_MB (${config.maxMessageBytes} bytes)`, 'user', ['raw']);
  const mailbox = mailboxName === null ? (config.mailboxes.find((m) => m.role === 'SUPPORT') ?? null) : config.mailboxes.find((m) => m.name === mailboxName);
  if (mailbox === undefined) throw new AppError('BAD_USER_INPUT', `no mailbox named "${mailboxName}" is configured`, 'user', ['mailbox']);
  let parsed;
  try {
    parsed = await readMessage(bytes, config, new Date());
  } catch (error) {
    throw new AppError('BAD_USER_INPUT', `the message cannot be parsed: ${(error as Error).message}`, 'user', ['raw'], { cause: error });
  }
  const classification = classifyMessage(parsed, { ...classifierContextOf(config, ownAddresses(config)), junkMailbox: mailbox?.role === 'JUNK' ? mailbox.name : null });
  const facts = messageFacts(parsed, mailbox ? { name: mailbox.name, address: mailbox.address } : { name: 'smtp', address: null });
  const emergency = isEmergencyMail(parsed, mailbox?.role ?? null, config);
  const decision = decide(await loadRuleSet(em, config.defaultQueue), facts, { emergency });
  return { decision, acknowledge: !classification.suppressAcknowledgement && !classification.automatic, automaticReason: classification.automaticReason };
}
