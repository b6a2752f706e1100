import type { Config, MailboxRole } from '../config/env.js';
import type { ParsedMessage } from '../ingest/types.js';
import { deliveredTo } from '../mail/delivered-to.js';

/**
 * Mail is an emergency when it came through an EMERGENCY mailbox (the SMTP door's envelope naming
 * EMERGENCY_ADDRESS is one), or names EMERGENCY_ADDRESS in To/Cc or a delivery header (an alias or
 * a Bcc delivered into a shared mailbox; any door).
 */
export function isEmergencyMail(parsed: Pick<ParsedMessage, 'to' | 'cc' | 'headers'>, mailboxRole: MailboxRole | null, config: Pick<Config, 'emergencyAddress'>): boolean {
  if (mailboxRole === 'EMERGENCY') return true;
  const address = config.emergencyAddress;
  return address !== null && ([...parsed.to, ...parsed.cc].some((a) => a.email === address) || deliveredTo(parsed.headers).includes(address));
}
