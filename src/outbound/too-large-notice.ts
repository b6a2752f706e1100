/**
 * The sender of mail too large to fetch (over MAX_MESSAGE_MB, seen in an IMAP mailbox) is told:
 * the SMTP door refuses such mail with 552 and the pipe door with an exit code, so the sender's
 * own mail server reports it, but mail already in a mailbox would otherwise vanish into quarantine
 * without a word, and the customer would wait for an answer that cannot come.
 *
 * Only the header lines the server hands over are known (imap-poller.ts fetches TOO_LARGE_FIELDS),
 * and they are enough to keep the notice as safe as any acknowledgement: never to automatic mail,
 * our own mail, a probable loop or a blocked sender, never to our own or an undeliverable address,
 * within the per-address hourly limit of automatic mail, with Auto-Submitted and our loop header.
 * It is queued in the transaction that records the quarantine, so it goes out once.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { classifierContextOf, classifyMessage, LOOP_HEADER, type ClassifierInput } from '../ingest/classify.js';
import { SPAM_VERDICT_HEADERS } from '../ingest/classify/spam-verdict.js';
import { loadOwnAddresses } from '../ingest/own-addresses.js';
import { formatLimit } from '../ingest/parse/attachments.js';
import { messageIdDomain } from '../mail/headers.js';
import { blockingPattern } from '../people/blocked-senders.js';
import { composeMail } from './compose.js';
import { deskOf } from './mailer.js';
import { enqueueDelivery, nextDeliveryId } from './outbox.js';
import { Admission } from './recipients.js';
import { loadTemplate, renderTemplate, withReplyMarker } from './templates.js';
import { wordingFor } from './wording.js';
import { recipientVariables } from './variables.js';

/** What classify.ts reads to tell automatic mail (an auto-reply's subject: with what it answers), our own and loops (Received), plus who sent what. */
export const TOO_LARGE_FIELDS = [
  'from',
  'received',
  'subject',
  'message-id',
  'in-reply-to',
  'references',
  'auto-submitted',
  'precedence',
  'x-autoreply',
  'x-autorespond',
  'x-auto-reply',
  'x-auto-response-suppress',
  'list-id',
  'list-unsubscribe',
  'return-path',
  'content-type',
  LOOP_HEADER,
  ...SPAM_VERDICT_HEADERS,
];

const MIB = 1024 * 1024;

/**
 * Queues the notice in `em`'s transaction.
 * @param mail the header lines the server handed over, parsed
 * @param size the message's size as the server reports it
 * @returns the address told, or null when nobody may be
 */
export async function tellSenderTooLarge(em: Em, mail: ClassifierInput, size: number, config: Config, now = new Date()): Promise<string | null> {
  const domain = messageIdDomain(config.supportAddress);
  const own = await loadOwnAddresses(em, config);
  if (!mail.from || classifyMessage(mail, classifierContextOf(config, [...own])).suppressAcknowledgement) return null;
  if ((await blockingPattern(em, mail.from.email)) !== null) return null;
  const [to] = await new Admission(em, { config }, now).admit(null, [{ email: mail.from.email, name: mail.from.name, person: null }], { automatic: true, limited: true });
  if (!to) return null;
  const desk = deskOf(config, null);
  const subject = mail.subject.trim() || '(no subject)';
  const variables = { recipient: recipientVariables(to), support: desk, message: { subject }, size: `${(size / MIB).toFixed(1)} MB`, limit: formatLimit(config.maxMessageBytes) };
  // In the sender's language when they wrote before (the headers handed over do not say).
  const { language } = wordingFor(to.person?.language ?? null, config.outbound.templatesDir);
  const rendered = withReplyMarker(renderTemplate(loadTemplate('message-too-large', config.outbound.templatesDir, language), variables), config.outbound.replyMarker);
  // No ticket, so no Message-ID of the signed ticket form: a reply to this opens a new ticket.
  const messageId = `notice.${randomUUID()}@${domain}`;
  const raw = await composeMail({
    from: { email: desk.address, name: desk.name },
    replyTo: desk.address,
    to: [{ email: to.email, name: to.name }],
    cc: [],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    inReplyTo: mail.messageId,
    references: mail.messageId ? [mail.messageId] : [],
    autoSubmitted: 'auto-replied',
    loopMarker: domain,
    date: now,
  });
  await enqueueDelivery(em, { id: await nextDeliveryId(em), ticket: null, thread: null, kind: 'message-too-large', recipients: [to.email], fromAddress: desk.address, messageId, automatic: true, raw, urgent: false, now });
  return to.email;
}
