/**
 * What kind of mail is this? Decided before any database work, from the parsed message only (pure:
 * no I/O, no clock). ingest-message.ts acts on the answer.
 *
 * The rules, in plain words, and whom they follow:
 * 1. `Auto-Submitted` with any value but "no" (comments and parameters ignored) is automatic mail.
 *    RFC 3834 §2 and §5: never answer it (RT, Zammad and FreeScout honour it the same way).
 * 2. `Precedence: bulk | junk | list | auto_reply` is automatic. No RFC defines it, but RFC 3834 §2
 *    lets a responder refuse list traffic recognised this way, and RT and Zammad do.
 * 3. `X-Autoreply`, `X-Autorespond`, `X-Auto-Reply`, with any value, are automatic: vacation
 *    programs older than RFC 3834 set them (FreeScout's and Zammad's lists).
 * 4. `List-Id` (RFC 2919) or `List-Unsubscribe` (RFC 2369): mailing-list or bulk mail, automatic
 *    (RFC 3834 §2: do not answer lists).
 * 5. `Return-Path: <>`, the null reverse path of notices (RFC 5321 §4.5.5): automatic; RFC 3834 §2
 *    forbids a response there.
 * 6. From MAILER-DAEMON or postmaster: automatic (RT's suspicious-sender check).
 * 7. A top-level `multipart/report` (RFC 6522: DSNs, read receipts, feedback reports): automatic.
 *    A read receipt (RFC 8098) also counts as an auto-reply: it answers a mail of ours or nothing.
 * 8. A delivery failure notice (classify/bounce.ts) is automatic whatever its headers say: a forged
 *    `Auto-Submitted: no` does not turn a DSN into a ticket (TESTPLAN S7, L5, L6).
 * 9. `X-Auto-Response-Suppress` (Microsoft) naming All, AutoReply, OOF or DR suppresses the
 *    acknowledgement only. It is NOT a sign of automatic mail: Exchange adds it to mail people
 *    write (TESTPLAN L10; sisimai #491), and quarantining those would lose customers' tickets.
 * 10. Our own mail: From one of our addresses, an `X-Postdesk-Loop` header naming our domain (all
 *    our outbound mail carries it), or a Message-ID `pd.…@<our domain>` (mail/headers.ts).
 *    Recorded, never a ticket (TESTPLAN L8; RT drops it by default, we keep it).
 * 11. More than 50 Received headers: a probable loop (TESTPLAN L12; Postfix's hopcount_limit is 50).
 * 12. Through a group that is one of our own addresses (own-group.ts: support@ as a Google Group),
 *    the group's List-Id, List-Unsubscribe and `Precedence: list` are not signs of automatic mail.
 * 13. A spam filter before postdesk said spam (classify/spam-verdict.ts, SPAM_HEADERS), or the mail
 *    server filed it in its junk folder (a mailbox with role JUNK): never acknowledged; ingest
 *    quarantines it when it would open a ticket (unless SPAM_HEADERS=flag).
 * 14. A subject beginning as auto-replies without any of those headers begin theirs ("Automatic
 *    reply:", "Abwesenheitsnotiz:"; AUTO_REPLY_SUBJECTS), in mail that answers something
 *    (In-Reply-To, References or a ticket tag), is an auto-reply (classify/auto-reply-subject.ts):
 *    it joins its ticket and changes nothing, or is held when it answers no ticket. A new mail with
 *    such a subject that answers nothing is the sender's own.
 *
 * Forgeable headers: anyone can write `X-Postdesk-*` or `Authentication-Results` into a message.
 * The classifier reads no `X-Postdesk-*` header except the loop header (forging that only gets
 * one's own mail quarantined as ours), and nothing else in postdesk may trust them either:
 * stripForgeableHeaders() removes them for whatever stores or shows headers (TESTPLAN S7, the way
 * Zammad honours its X-Zammad-* headers on trusted channels only).
 */
import { daemonSender, bare, values, type HeaderMap } from './classify/fields.js';
import { autoReplySubject } from './classify/auto-reply-subject.js';
import { findBounce } from './classify/bounce.js';
import { spamVerdict } from './classify/spam-verdict.js';
import type { Config } from '../config/env.js';
import { messageIdDomain } from '../mail/headers.js';
import type { ParsedMessage } from './types.js';

/** The part of a parsed message the classifier reads. */
export type ClassifierInput = Pick<
  ParsedMessage,
  'headers' | 'from' | 'subject' | 'text' | 'receivedCount' | 'deliveryReport' | 'readReceipt' | 'messageId' | 'viaGroup' | 'inReplyTo' | 'references'
>;

export interface ClassifierContext {
  /** Lower-case: support, emergency, queue and mailbox addresses. */
  ownAddresses: readonly string[];
  /** The right-hand side of Message-IDs postdesk generates. */
  ownMessageIdDomain: string;
  /** Whether to read an upstream spam filter's verdict (SPAM_HEADERS other than off; not on an admin's retry). */
  spamHeaders: boolean;
  /** The name of the JUNK mailbox the message was read from (its server filed it as spam); null otherwise, and on an admin's retry. */
  junkMailbox?: string | null;
  /** AUTO_REPLY_SUBJECTS (rule 14); none when left out. */
  autoReplySubjects?: readonly string[];
}

/** The context the configuration gives, for a message that arrived anywhere but a JUNK mailbox. */
export function classifierContextOf(config: Config, ownAddresses: readonly string[]): ClassifierContext {
  return { ownAddresses, ownMessageIdDomain: messageIdDomain(config.supportAddress), spamHeaders: config.spamHeaders !== 'off', autoReplySubjects: config.autoReplySubjects };
}

export interface Classification {
  /** Mail written by a machine: never acknowledged, never answered. */
  automatic: boolean;
  /** Why it is automatic (e.g. "Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id", "empty Return-Path", "MAILER-DAEMON sender"); null when not. */
  automaticReason: string | null;
  /** An automatic answer to some other mail (out-of-office and the like): it belongs to a thread or nowhere. */
  autoReply: boolean;
  /** A delivery failure notice: RFC 3464 DSN or a recognised non-standard bounce (qmail, Exchange NDR, X-Failed-Recipients, MAILER-DAEMON with a failure body). */
  bounce: { originalMessageId: string | null; failedRecipients: string[] } | null;
  /** From one of our own addresses, or carrying our loop header (X-Postdesk-Loop), or its Message-ID is one we generate: recorded, never a ticket. */
  ownMail: boolean;
  /** More than 50 Received headers. */
  probableLoop: boolean;
  /** The header by which a spam filter before postdesk called it spam; null when none did (or SPAM_HEADERS is off). */
  spamVerdict: string | null;
  /** Do not send an acknowledgement (automatic mail, or X-Auto-Response-Suppress containing All/AutoReply/OOF/DR, or our own mail, or a probable loop, or spam). */
  suppressAcknowledgement: boolean;
}

/** The header every outbound mail of ours carries (lower case, as in ParsedMessage.headers). */
export const LOOP_HEADER = 'x-postdesk-loop';
/** Prefix of our Message-IDs' left part (mail/headers.ts ourMessageId). */
const OWN_ID_PREFIX = 'pd.';
const MAX_RECEIVED = 50;
const AUTOMATIC_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply', 'auto-reply']);
const AUTOREPLY_HEADERS = [
  ['x-autoreply', 'X-Autoreply'],
  ['x-autorespond', 'X-Autorespond'],
  ['x-auto-reply', 'X-Auto-Reply'],
] as const;
const SUPPRESSING = new Set(['all', 'autoreply', 'oof', 'dr']);

/** Classifies one inbound message; see the rules at the top of this file. */
export function classifyMessage(message: ClassifierInput, context: ClassifierContext): Classification {
  // Lower-cased again: a mixed-case address in the configuration must not let our own mail through.
  const own = new Set(context.ownAddresses.map((address) => address.toLowerCase()));
  const bounce = findBounce(message, own);
  const subjectSays = autoReplySubject(message, context.autoReplySubjects ?? []);
  const automaticReason = headerReason(message) ?? (bounce ? 'delivery failure notice' : null) ?? (subjectSays === null ? null : `auto-reply subject (${subjectSays})`);
  const ownMail = isOwnMail(message, own, context.ownMessageIdDomain.toLowerCase());
  const probableLoop = message.receivedCount > MAX_RECEIVED;
  const junk = context.junkMailbox ? `the mail server filed it as junk: mailbox ${context.junkMailbox}` : null;
  const spam = junk ?? (context.spamHeaders ? spamVerdict(message.headers) : null);
  return {
    automatic: automaticReason !== null,
    automaticReason,
    // A read receipt answers a mail as an out-of-office does (parse/read-receipt.ts).
    autoReply: isAutoReply(message.headers) || message.readReceipt !== null || subjectSays !== null,
    bounce,
    ownMail,
    probableLoop,
    spamVerdict: spam,
    // A loop is quarantined, but an admin's retry may still make it a ticket: never acknowledge it.
    suppressAcknowledgement: automaticReason !== null || ownMail || probableLoop || spam !== null || suppressedByMicrosoft(message.headers),
  };
}

/** The first automatic-mail rule (1-7) the message meets; null when none. */
function headerReason(message: ClassifierInput): string | null {
  const { headers } = message;
  // Mail through a group of ours (own-group.ts) carries the group's list markers: they are not the sender's.
  const group = message.viaGroup !== null;
  for (const value of values(headers, 'auto-submitted')) {
    const keyword = bare(value).split(';')[0]!.trim();
    // The keyword only, stripped to safe characters: the reason lands in logs and quarantine records.
    if (keyword !== 'no') return `Auto-Submitted: ${keyword.replace(/[^a-z0-9._-]/g, '').slice(0, 40) || '(empty)'}`;
  }
  for (const value of values(headers, 'precedence')) {
    const precedence = bare(value);
    if (AUTOMATIC_PRECEDENCE.has(precedence) && !(group && precedence === 'list')) return `Precedence: ${precedence}`;
  }
  for (const [name, label] of AUTOREPLY_HEADERS) if (headers.has(name)) return label;
  if (headers.has('list-id') && !group) return 'List-Id';
  if (headers.has('list-unsubscribe') && !group) return 'List-Unsubscribe';
  // '' as well as '<>': a parser may hand the null path over without its brackets.
  if (values(headers, 'return-path').some((value) => /^(?:<\s*>)?$/.test(bare(value)))) return 'empty Return-Path';
  const daemon = daemonSender(message.from);
  if (daemon) return `${daemon} sender`;
  if (/^multipart\/report\b/.test(bare(values(headers, 'content-type')[0] ?? ''))) return 'multipart/report';
  return null;
}

function isAutoReply(headers: HeaderMap): boolean {
  if (values(headers, 'auto-submitted').some((value) => bare(value).startsWith('auto-replied'))) return true;
  if (values(headers, 'precedence').some((value) => ['auto_reply', 'auto-reply'].includes(bare(value)))) return true;
  return AUTOREPLY_HEADERS.some(([name]) => headers.has(name));
}

/** Rule 9: X-Auto-Response-Suppress, a comma-separated list of Microsoft keywords (MS-OXCMAIL). */
function suppressedByMicrosoft(headers: HeaderMap): boolean {
  return values(headers, 'x-auto-response-suppress').some((value) =>
    bare(value)
      .split(/[\s,]+/)
      .some((token) => SUPPRESSING.has(token)),
  );
}

/** Rule 10. */
function isOwnMail(message: ClassifierInput, own: ReadonlySet<string>, domain: string): boolean {
  if (message.from && own.has(message.from.email.toLowerCase())) return true;
  // Only our own marker: another postdesk's mail (its value is that desk's domain) is a customer's (TESTPLAN L4).
  if (values(message.headers, LOOP_HEADER).some((value) => bare(value) === domain)) return true;
  const id = message.messageId?.toLowerCase();
  return id !== undefined && id.startsWith(OWN_ID_PREFIX) && id.endsWith(`@${domain}`);
}

/**
 * A copy of the headers without those a sender could forge to steer postdesk: every
 * `X-Postdesk-*` header except the loop header (ours, and only used to recognise our own mail),
 * and every `Authentication-Results` header. Those are dropped wholesale rather than trusted when
 * "added by our own hop": postdesk verifies SPF, DKIM and DMARC itself, later, with mailauth, and
 * stores its own verdicts (TESTPLAN S7, S19).
 */
export function stripForgeableHeaders(headers: HeaderMap): Map<string, readonly string[]> {
  const kept = new Map<string, readonly string[]>();
  for (const [name, list] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'authentication-results') continue;
    if (lower.startsWith('x-postdesk-') && lower !== LOOP_HEADER) continue;
    kept.set(name, list);
  }
  return kept;
}
