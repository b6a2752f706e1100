/**
 * Delivery failure notices (bounces), standard or not, and what they say: which recipients failed
 * and which of our messages bounced (pure).
 *
 * - An RFC 3464 DSN is recognised by parse.ts from its MIME structure (`deliveryReport`); that
 *   wins over every header, so a forged `Auto-Submitted: no` cannot turn a DSN into a ticket
 *   (TESTPLAN S7). A top-level `multipart/report; report-type=delivery-status` that parse could not
 *   read still counts.
 * - Non-standard bounces (TESTPLAN L6): an `X-Failed-Recipients` header (Exim, Gmail); a subject
 *   MTAs use for failures ("Undelivered Mail Returned to Sender", "Undeliverable:", "failure
 *   notice" ...) at the start of the subject; a body that opens with the qmail-send text; a
 *   MAILER-DAEMON or postmaster sender whose body says delivery failed. Anchoring matters: a
 *   customer who forwards a bounce ("Fwd: Undeliverable: ...") is a person asking for help. A
 *   postmaster letter that reports no failure stays merely automatic, so a human postmaster's note
 *   never marks anyone undeliverable.
 * - Delay warnings ("Delivery Status Notification (Delay)", "THIS IS A WARNING ONLY") are NOT
 *   bounces: marking a recipient undeliverable on a delay would be wrong. They stay automatic.
 *
 * Recipients and the original Message-ID are read from the body text: the report part (before the
 * returned message) for `<user@host>:` lines (qmail, Postfix), address-only lines (Exim, Exchange,
 * Gmail) and "Your message to X couldn't be delivered" (Exchange Online); the returned headers for
 * `Message-ID:`; failing that, the bounce's own In-Reply-To (Gmail and Exchange Online set it).
 */
import type { DeliveryReport, ParsedMessage } from '../types.js';
import { ADDRESS, addressesIn, bare, daemonSender, firstMessageId, values } from './fields.js';

type BounceInput = Pick<ParsedMessage, 'headers' | 'from' | 'subject' | 'text' | 'deliveryReport'>;

/** Reports are short and the returned headers follow them: the rest of a long body is the returned message. */
const SCAN_LIMIT = 100_000;
const MAX_RECIPIENTS = 50;

const FAILURE_SUBJECT =
  /^\s*(?:undelivered mail returned to sender|delivery status notification \(failure\)|undeliverable\b|undelivered mail\b|failure notice|mail delivery failed|mail delivery failure|delivery failure|returned mail:|message not delivered|non-?delivery report)/i;
const DELAY_SUBJECT = /\bdelay(?:ed)?\b|warning: could not send|still being retried/i;
const DELAY_BODY = /this is a warning (?:message )?only|you do not need to resend|will (?:continue|keep) (?:trying|retrying|to try)|will retry for|will be retried/i;
const FAILURE_BODY =
  /could ?n[o']t be delivered|wasn'?t able to deliver|unable to deliver|undeliverable|undelivered|delivery (?:has )?failed|failed permanently|permanent (?:error|failure|fatal)|following address(?:es|\(es\))? failed|recipient(?:s|\(s\))? cannot be reached|user unknown|no such (?:user|mailbox)|mailbox unavailable|address rejected|does not exist|returned to sender/i;
const QMAIL = /^\s*hi\. this is the qmail-send program/i;
/** Where the report ends and the returned message (or its headers) begins. Lazy and line-anchored: a 100 kB line of dashes must not cost quadratic time. */
const REPORT_END = /^(?:--.*?(?:below this line|copy of the|original message|returned message|original headers)|original message headers|(?:return-path|received|message-id|dkim-signature):)/im;
const ANGLE_RECIPIENT = new RegExp(String.raw`^[ \t]*<(${ADDRESS})>[ \t]*:`, 'gmu');
const BARE_RECIPIENT = new RegExp(String.raw`^[ \t]*["']?<?(${ADDRESS})>?["']?[ \t\r]*(?:[(<].*)?$`, 'gmu');
const MESSAGE_TO = new RegExp(String.raw`your message to:?\s+<?(${ADDRESS})>?\s+(?:couldn'?t|could not|wasn'?t|was not)`, 'giu');
const RETURNED_ID = /^[ \t]*message-id:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]{1,900})>/im;

/** What a bounce says (the shape of Classification['bounce']). */
export type Bounce = DeliveryReport;

/**
 * The bounce this message is, or null.
 * @param own our own addresses, lower case: never reported as failed recipients
 */
export function findBounce(message: BounceInput, own: ReadonlySet<string>): Bounce | null {
  const headerRecipients = addressesIn(values(message.headers, 'x-failed-recipients').join(','), MAX_RECIPIENTS);
  const text = message.text.slice(0, SCAN_LIMIT);
  const fallbackId = (): string | null => returnedMessageId(text) ?? firstMessageId(values(message.headers, 'in-reply-to')[0]);

  if (message.deliveryReport) {
    const report = message.deliveryReport;
    // A DSN without failed recipients (delayed, relayed) gets none from the body: only from the header MTAs set on failure.
    return {
      originalMessageId: report.originalMessageId ?? fallbackId(),
      failedRecipients: report.failedRecipients.length > 0 ? report.failedRecipients : headerRecipients,
    };
  }
  if (!looksLikeBounce(message, text, headerRecipients.length > 0)) return null;
  const sender = message.from?.email ?? null;
  const candidates = headerRecipients.length > 0 ? headerRecipients : reportRecipients(text);
  const failedRecipients = candidates.filter((address) => !own.has(address) && address !== sender).slice(0, MAX_RECIPIENTS);
  return { originalMessageId: fallbackId(), failedRecipients };
}

function looksLikeBounce(message: BounceInput, text: string, hasFailedHeader: boolean): boolean {
  // Exim and Gmail set X-Failed-Recipients on permanent failures only.
  if (hasFailedHeader) return true;
  const failureSubject = FAILURE_SUBJECT.test(message.subject);
  if (failureSubject) return true;
  if (DELAY_SUBJECT.test(message.subject) || DELAY_BODY.test(text)) return false;
  const contentType = bare(values(message.headers, 'content-type')[0] ?? '');
  if (/^multipart\/report\b/.test(contentType) && /report-type\s*=\s*"?delivery-status/.test(contentType)) return true;
  if (QMAIL.test(text)) return true;
  return daemonSender(message.from) !== null && FAILURE_BODY.test(text);
}

/** Failed recipients named in the report part of a non-standard bounce, without repeats. */
function reportRecipients(text: string): string[] {
  const end = REPORT_END.exec(text);
  const report = end ? text.slice(0, end.index) : text;
  const found = new Set<string>();
  for (const pattern of [ANGLE_RECIPIENT, BARE_RECIPIENT, MESSAGE_TO]) {
    for (const match of report.matchAll(pattern)) found.add(match[1]!.toLowerCase());
  }
  return [...found];
}

/** The Message-ID in the returned headers quoted in the body; null when the body quotes none. */
function returnedMessageId(text: string): string | null {
  return RETURNED_ID.exec(text)?.[1] ?? null;
}
