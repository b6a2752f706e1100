import { BigIntType, Collection, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, OneToMany, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Attachment } from './attachment.entity.js';
import type { SenderVerdict } from '../ingest/authenticate-sender.js';
import { Door, MessageDirection } from './enums.js';
import { Person } from './person.entity.js';
import { RawSource } from './raw-source.entity.js';
import { Ticket } from './ticket.entity.js';

/** An address as it appeared in a header. */
export interface Address {
  email: string;
  name: string | null;
}

/**
 * One piece of correspondence on a ticket: inbound mail, an outbound reply or notification, or an
 * internal note. Inbound rows record where they came from; (mailbox, UIDVALIDITY, UID) is unique
 * so an IMAP message can never be stored twice.
 */
@Entity({ tableName: 'message' })
@Index({ name: 'message_ticket_created_idx', properties: ['ticket', 'createdAt'] })
/** A sender's new tickets in the rate-limit window (ingest-message.ts, SENDER_RATE_LIMIT). */
@Index({ name: 'message_author_created_idx', properties: ['author', 'createdAt'] })
@Unique({ name: 'message_provenance_unique', properties: ['mailbox', 'uidValidity', 'uid'] })
@Index({ name: 'message_search_idx', expression: 'create index "message_search_idx" on "message" using gin ("search_vector")' })
// Threading rule 3 (ingest/lookup-thread.ts): which stored message answers a message arriving now.
@Index({ name: 'message_in_reply_to_idx', expression: 'create index "message_in_reply_to_idx" on "message" ("in_reply_to") where "in_reply_to" is not null' })
@Index({ name: 'message_references_idx', expression: 'create index "message_references_idx" on "message" using gin ("references")' })
export class Message {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => Ticket, { deleteRule: 'cascade' })
  ticket: Rel<Ticket>;

  @Enum({ items: () => MessageDirection, nativeEnumName: 'message_direction' })
  direction: MessageDirection;

  /** Indexed: the API's search finds tickets by their messages' authors (Migration20261123020000_api). */
  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null', index: 'message_author_id_index' })
  author: Rel<Person> | null = null;

  @Property({ type: 'json' })
  to: Address[] & Opt = [];

  @Property({ type: 'json' })
  cc: Address[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  subject: string | null = null;

  @Property({ type: 'text' })
  bodyText: string & Opt = '';

  /** Sanitised before it is stored; never the sender's raw HTML. */
  @Property({ type: 'text', nullable: true })
  bodyHtml: string | null = null;

  /** RFC 5322 Message-ID without angle brackets; synthetic (hash of the raw bytes) when absent. */
  @Property({ type: 'text', nullable: true, index: 'message_message_id_idx' })
  messageId: string | null = null;

  /** True when messageId was derived from the raw bytes: used to de-duplicate, never to thread. */
  @Property({ type: 'boolean' })
  messageIdSynthetic: boolean & Opt = false;

  @Property({ type: 'text', nullable: true })
  inReplyTo: string | null = null;

  @Property({ type: 'text[]' })
  references: string[] & Opt = [];

  /**
   * What ingest noticed: automatic, bounce, own-mail, unverified-follow-up, shared-message-id,
   * agent-address, quoted-only, arrived-after-answer … (shown to agents, used by notifications).
   */
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  flags: string[] & Opt = [];

  /** Inbound mail: SPF/DKIM/DMARC/ARC verdict (TESTPLAN S19); null when not checked (SENDER_AUTHENTICATION=off, outbound). */
  @Property({ type: 'json', nullable: true })
  auth: SenderVerdict | null = null;

  /** The new text of an inbound reply: quoted history and signature removed. */
  @Property({ type: 'text', nullable: true })
  visibleText: string | null = null;

  /** Fingerprint of the content (body bytes, From, Subject, Date): the same logical message
   * delivered twice (two mailboxes, two APPENDs) has the same one; a different message that
   * reuses a Message-ID does not (TESTPLAN D5, D7). */
  @Property({ type: 'string', length: 64, nullable: true })
  contentHash: string | null = null;

  @Enum({ items: () => Door, nativeEnumName: 'door' })
  door: Door & Opt = Door.API;

  @Property({ type: 'string', length: 64, nullable: true })
  mailbox: string | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uidValidity: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uid: number | null = null;

  @ManyToOne(() => RawSource, { nullable: true, deleteRule: 'set null' })
  rawSource: Rel<RawSource> | null = null;

  @OneToMany(() => Attachment, (a) => a.message, { orderBy: { id: 'asc' } })
  attachments = new Collection<Attachment>(this);

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** For our mail (OUTBOUND): when a read receipt said it was displayed; null: none came (most mail programs send none). */
  @Property({ type: 'datetime', nullable: true })
  readAt: Date | null = null;

  /** Full-text vector over subject and text body; maintained by PostgreSQL (see the migration). */
  @Property({
    columnType: 'tsvector',
    generated: `(postdesk_search_vector(coalesce(subject, '') || ' ' || body_text)) stored`,
    lazy: true,
    hidden: true,
    nullable: true,
  })
  searchVector?: string & Opt;

  constructor(ticket: Ticket, direction: MessageDirection) {
    this.ticket = ticket;
    this.direction = direction;
  }
}
