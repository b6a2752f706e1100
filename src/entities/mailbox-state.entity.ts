import { BigIntType, type Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Ingest progress of one configured mailbox: the UIDVALIDITY seen last and the highest UID whose
 * message is committed. Progress is never tracked by \Seen or by date.
 */
@Entity({ tableName: 'mailbox_state' })
export class MailboxState {
  @PrimaryKey({ type: 'string', length: 64 })
  name: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  uidValidity: number | null = null;

  @Property({ type: new BigIntType('number') })
  highestUid: number & Opt = 0;

  /**
   * Fencing number: incremented by every instance that takes the mailbox's lease. Each commit of
   * an ingested message checks it still matches, so a frozen former leader cannot commit.
   */
  @Property({ type: new BigIntType('number') })
  leaseGeneration: number & Opt = 0;

  /** host:pid of the instance that holds the lease (for operators). */
  @Property({ type: 'string', length: 255, nullable: true })
  leaseHolder: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  leaseAcquiredAt: Date | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  constructor(name: string) {
    this.name = name;
  }
}
