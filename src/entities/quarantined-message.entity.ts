import { BigIntType, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { SmtpEnvelope } from '../ingest/authenticate-sender.js';
import { Door } from './enums.js';
import { Message } from './message.entity.js';
import { Person } from './person.entity.js';
import { RawSource } from './raw-source.entity.js';

/**
 * A message postdesk could not turn into a ticket or comment: kept raw with the reason, visible to
 * admins and retryable. Nothing a customer sends is ever dropped.
 */
@Entity({ tableName: 'quarantined_message' })
@Unique({ name: 'quarantined_message_provenance_unique', properties: ['mailbox', 'uidValidity', 'uid'] })
export class QuarantinedMessage {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => RawSource, { nullable: true, deleteRule: 'set null' })
  rawSource: Rel<RawSource> | null;

  /** Catalogue code, e.g. MESSAGE_UNPARSEABLE, RATE_LIMITED, FETCH_FAILED. */
  @Property({ type: 'string', length: 64 })
  reasonCode: string;

  @Property({ type: 'text' })
  reason: string;

  /** The From address, when its header block could be read (quarantine-summary.ts). */
  @Property({ type: 'string', length: 320, nullable: true })
  sender: string | null = null;

  /** The Subject, when its header block could be read. */
  @Property({ type: 'text', nullable: true })
  subject: string | null = null;

  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Enum({ items: () => Door, nativeEnumName: 'door' })
  door: Door;

  @Property({ type: 'string', length: 64, nullable: true })
  mailbox: string | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uidValidity: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uid: number | null = null;

  /** What the SMTP door saw (client IP, HELO, MAIL FROM, RCPT TO): a retry routes and checks SPF as the first try did. Null for the other doors. */
  @Property({ type: 'json', nullable: true })
  envelope: SmtpEnvelope | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastAttemptAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  resolvedAt: Date | null = null;

  /**
   * Set when an admin retries a message the mail server never handed over (FETCH_FAILED,
   * MESSAGE_TOO_LARGE): its mailbox poller fetches the UID again and clears it.
   */
  @Property({ type: 'datetime', nullable: true })
  refetchRequestedAt: Date | null = null;

  @ManyToOne(() => Message, { nullable: true, deleteRule: 'set null' })
  resolvedMessage: Rel<Message> | null = null;

  /**
   * Set when an admin decides the message needs nothing more (spam, a newsletter): it leaves the
   * list of pending ones, and its raw bytes stay. A later retry that succeeds still resolves it.
   */
  @Property({ type: 'datetime', nullable: true })
  dismissedAt: Date | null = null;

  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  dismissedBy: Rel<Person> | null = null;

  constructor(rawSource: RawSource | null, door: Door, reasonCode: string, reason: string) {
    this.rawSource = rawSource;
    this.door = door;
    this.reasonCode = reasonCode;
    this.reason = reason;
  }
}
