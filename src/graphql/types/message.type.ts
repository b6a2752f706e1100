/** Message of CONTRACT.md. `from` and `attachments` are resolved through the request's loaders. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DeliveryStatus, MessageDirection } from '../../entities/enums.js';
import type { DeliveryRow, MessageRow } from '../loaders.js';
import { asInstance } from './as-instance.js';
import { PersonType } from './person.type.js';

/** What postdesk verified about an inbound message's sender (TESTPLAN S19); results as in RFC 8601. */
@ObjectType('MessageAuthentication', { simpleResolvers: true })
export class MessageAuthenticationObject {
  /** pass, fail, none (no DMARC record), temperror, permerror. */
  @Field(() => String)
  dmarc!: string;

  /** pass when any signature verified; else fail, neutral, policy (e.g. a key under 1024 bits), none … */
  @Field(() => String)
  dkim!: string;

  /** none when the message did not come straight from the sender's server (IMAP, pipe, a local MTA). */
  @Field(() => String)
  spf!: string;

  /** DMARC passed: the From domain is proven. */
  @Field(() => Boolean)
  authenticated!: boolean;
}

/** What ingest noticed about a message received by mail; the schema documents each one. */
const MESSAGE_FLAGS_DESCRIPTION = `What postdesk noticed when the message arrived, for agents to see:
automatic (an auto-reply, list or system mail: never acknowledged),
spam-verdict (a spam filter before postdesk called it spam, SPAM_HEADERS: never acknowledged),
quoted-only (a reply with nothing but quoted history: it reopened nothing),
unverified-follow-up (a [#N] tag from someone not on ticket N: a new ticket linked to N),
forged-reference (names a postdesk Message-ID whose signature is wrong),
arrived-after-answer (came after a reply to it, and joined that reply's ticket),
shared-message-id (another, different message has the same Message-ID),
no-message-id (the sender wrote none),
agent-address (sent from an agent's address: stored as correspondence only),
via-group (came through a group that is our own address, such as support@ as a Google Group: its author is the sender the group names),
forwarded (a customer's mail an agent forwarded: the ticket is the original sender's, Ticket.requester),
staff-mail (an agent's own mail to a customer with support copied in: the ticket is the first customer's in To, Ticket.requester),
forward (a note an agent mailed, with a message of the ticket, to the people in its \`to\`, outside the ticket: forwardTicket),
third-party (an answer from someone the ticket was forwarded to: it changes no status, and is never quoted or threaded into mail to the customer),
deliverable-again (its sender's address had bounced; this mail of theirs shows it works, so automatic mail reaches them again),
unauthenticated-sender (the From domain is not proven: DMARC failed, or the domain publishes no DMARC record),
bounce (a delivery failure notice),
read-receipt (the reader's mail program says our mail was displayed, or deleted unread: an automatic answer that changes nothing),
calendar (carries a meeting invitation or other calendar event, .ics, that ATTACHMENT_TYPES does not store: it is in the raw message),
rating (the requester rated the ticket with the closing notice's links: Ticket.satisfaction),
archived (history imported from a mailbox's archiveBefore: stored under the time the server received it, mailing nobody; a new ticket from it was closed at once),
erased (its author was forgotten with erasePerson: its content, addresses and files are gone, its place in the thread stays).`;

@ObjectType('Message', { simpleResolvers: true })
export class MessageObject {
  @Field(() => ID)
  id!: string;

  @Field(() => MessageDirection)
  direction!: MessageDirection;

  @Field(() => [PersonType])
  to!: PersonType[];

  @Field(() => [PersonType])
  cc!: PersonType[];

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => String)
  bodyText!: string;

  // bodyHtml is a field resolver (ticket.resolver.ts): read only when a query selects it.

  @Field(() => String, { nullable: true })
  messageId!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  /** Inbound mail only; null when not checked (SENDER_AUTHENTICATION=off, outbound messages, notes). */
  @Field(() => MessageAuthenticationObject, { nullable: true })
  authentication!: MessageAuthenticationObject | null;

  // visibleText is a field resolver (ticket.resolver.ts): read only when a query selects it.

  @Field(() => [String], { description: MESSAGE_FLAGS_DESCRIPTION })
  flags!: string[];

  @Field(() => Date, { nullable: true, description: "Our mail (an agent's reply): when the recipient's mail program sent a read receipt saying it was displayed; null when none came (most send none)" })
  readAt!: Date | null;

  rowId!: number;
  authorId!: number | null;
}

@ObjectType('MessageDelivery', { simpleResolvers: true, description: "The mail that carried a message: an agent's reply, a ticket opened for a customer, a forward" })
export class MessageDeliveryObject {
  @Field(() => DeliveryStatus)
  status!: DeliveryStatus;

  @Field(() => [String], { description: 'The addresses it went to' })
  recipients!: string[];

  @Field(() => Int, { description: 'Sending attempts so far' })
  attempts!: number;

  @Field(() => String, { nullable: true, description: "The SMTP relay's last refusal or error; null once sent" })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  sentAt!: Date | null;
}

export function presentDelivery(row: DeliveryRow): MessageDeliveryObject {
  return asInstance(MessageDeliveryObject, {
    status: row.status,
    recipients: row.recipients,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    sentAt: row.sent_at === null ? null : new Date(row.sent_at),
  });
}

export function presentMessage(row: MessageRow): MessageObject {
  return asInstance(MessageObject, {
    id: String(row.id),
    rowId: Number(row.id),
    direction: row.direction,
    to: (row.to ?? []).map((a) => ({ email: a.email, name: a.name ?? null })),
    cc: (row.cc ?? []).map((a) => ({ email: a.email, name: a.name ?? null })),
    subject: row.subject,
    bodyText: row.body_text,
    // A synthetic id is our de-duplication key, not something the sender wrote.
    messageId: row.message_id_synthetic ? null : row.message_id,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    authorId: row.author_id === null ? null : Number(row.author_id),
    authentication: row.auth ? { dmarc: row.auth.dmarc, dkim: row.auth.dkim, spf: row.auth.spf, authenticated: row.auth.authenticated } : null,
    flags: row.flags ?? [],
    readAt: row.read_at === null || row.read_at === undefined ? null : new Date(row.read_at),
  });
}
