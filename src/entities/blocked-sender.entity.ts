import { type Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Person } from './person.entity.js';

/**
 * An address or a whole mail domain whose mail is quarantined (SENDER_BLOCKED) instead of becoming
 * tickets or comments (src/people/blocked-senders.ts). Nothing is dropped: the raw message is kept
 * and an admin may still retry it.
 */
@Entity({ tableName: 'blocked_sender' })
export class BlockedSender {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** `spam@example.com` (that address) or `@example.com` (that domain exactly), lower case, ASCII domain. */
  @Property({ type: 'text', unique: true })
  pattern: string;

  /** Why, for the next admin. */
  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  createdBy: Person | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(pattern: string) {
    this.pattern = pattern;
  }
}
