import { type Opt, type Rel } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Queue } from './queue.entity.js';

/**
 * A saved reply (canned response): text agents start a reply from, with placeholders such as
 * {{requester.greeting}} filled in for the ticket (src/tickets/saved-replies.ts). For every queue,
 * or for one queue's tickets only.
 */
@Entity({ tableName: 'saved_reply' })
export class SavedReply {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  @Property({ type: 'text' })
  body: string;

  /** Only for this queue's tickets; null: every queue. Goes with its queue. */
  @ManyToOne(() => Queue, { nullable: true, deleteRule: 'cascade', index: true })
  queue: Rel<Queue> | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  constructor(name: string, body: string) {
    this.name = name;
    this.body = body;
  }
}
