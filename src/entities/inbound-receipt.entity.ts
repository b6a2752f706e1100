import { BigIntType, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Door } from './enums.js';
import { Message } from './message.entity.js';
import { QuarantinedMessage } from './quarantined-message.entity.js';

/**
 * The ingest ledger: one row per delivery postdesk took in (an IMAP UID, an SMTP transaction, a
 * pipe run), written in the same transaction as what it produced. (mailbox, UIDVALIDITY, UID) is
 * unique, so a message fetched again after a crash or by a second instance is recognised, and a
 * duplicate delivery (same message twice, or to two mailboxes) is linked, never dropped.
 */
@Entity({ tableName: 'inbound_receipt' })
@Unique({ name: 'inbound_receipt_provenance_unique', properties: ['mailbox', 'uidValidity', 'uid'] })
@Index({ name: 'inbound_receipt_received_idx', properties: ['receivedAt'] })
export class InboundReceipt {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Enum({ items: () => Door, nativeEnumName: 'door' })
  door: Door;

  @Property({ type: 'string', length: 64, nullable: true })
  mailbox: string | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uidValidity: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  uid: number | null = null;

  /** ticket, comment, duplicate, quarantined, note, fetch-failed */
  @Property({ type: 'string', length: 32 })
  outcome: string;

  @Property({ type: 'string', length: 64 })
  sha256: string;

  @ManyToOne(() => Message, { nullable: true, deleteRule: 'set null', index: true })
  message: Rel<Message> | null = null;

  @ManyToOne(() => QuarantinedMessage, { nullable: true, deleteRule: 'set null' })
  quarantined: Rel<QuarantinedMessage> | null = null;

  @Property({ type: 'datetime' })
  receivedAt: Date & Opt = new Date();

  constructor(door: Door, outcome: string, sha256: string) {
    this.door = door;
    this.outcome = outcome;
    this.sha256 = sha256;
  }
}
