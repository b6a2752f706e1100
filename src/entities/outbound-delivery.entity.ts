import { BlobType, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { DeliveryStatus } from './enums.js';
import { Message } from './message.entity.js';
import { Ticket } from './ticket.entity.js';

/**
 * One outbound mail, written in the same transaction as the change that causes it. Its bytes are
 * frozen at enqueue time, so every retry sends the same Message-ID and Date.
 */
@Entity({ tableName: 'outbound_delivery' })
@Index({ name: 'outbound_delivery_pending_idx', properties: ['status', 'nextAttemptAt'] })
@Index({ name: 'outbound_delivery_recipients_idx', expression: 'create index "outbound_delivery_recipients_idx" on "outbound_delivery" using gin ("recipients")' })
@Index({ name: 'outbound_delivery_created_at_idx', properties: ['createdAt'] })
export class OutboundDelivery {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'set null', index: true })
  ticket: Rel<Ticket> | null = null;

  /** The OUTBOUND or NOTE row this mail carries, if it carries one (partially indexed: migration 20261202100000). */
  @ManyToOne(() => Message, { nullable: true, deleteRule: 'set null' })
  thread: Rel<Message> | null = null;

  /** acknowledgement, reply, status-changed, page, … */
  @Property({ type: 'string', length: 64 })
  kind: string;

  @Property({ type: 'text[]' })
  recipients: string[];

  /** The mail's From address, which picks its DKIM key (outbound/dkim.ts); null for a webhook. */
  @Property({ type: 'text', nullable: true })
  fromAddress: string | null = null;

  @Property({ type: 'text', unique: true })
  messageId: string;

  /**
   * The Message-ID the relay put on the mail in place of messageId (Amazon SES:
   * outbound/relay-message-id.ts); replies name it. Partially indexed (migration 20261201170000).
   */
  @Property({ type: 'text', nullable: true })
  relayMessageId: string | null = null;

  /** True for mail postdesk writes by itself (carries Auto-Submitted); false for agent replies. */
  @Property({ type: 'boolean' })
  automatic: boolean & Opt = true;

  @Property({ type: BlobType, lazy: true })
  raw: Buffer;

  @Enum({ items: () => DeliveryStatus, nativeEnumName: 'delivery_status' })
  status: DeliveryStatus & Opt = DeliveryStatus.QUEUED;

  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime' })
  nextAttemptAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  sentAt: Date | null = null;

  constructor(kind: string, recipients: string[], messageId: string, raw: Buffer) {
    this.kind = kind;
    this.recipients = recipients;
    this.messageId = messageId;
    this.raw = raw;
  }
}
