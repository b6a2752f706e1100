import { type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Person } from './person.entity.js';
import { Ticket } from './ticket.entity.js';

/**
 * The audit history: who (a person, or a labelled system actor such as `rule:VIP customers`) did
 * what, from which value to which. Admin actions without a ticket have `ticket` null.
 */
@Entity({ tableName: 'ticket_event' })
@Index({ name: 'ticket_event_ticket_created_idx', properties: ['ticket', 'createdAt'] })
export class TicketEvent {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'cascade' })
  ticket: Rel<Ticket> | null;

  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  actor: Rel<Person> | null = null;

  /** For system actors: `system`, `rule:<name>`, `keyword:<word>`, `mailbox:<name>`. */
  @Property({ type: 'string', length: 255, nullable: true })
  actorLabel: string | null = null;

  @Property({ type: 'string', length: 64 })
  kind: string;

  @Property({ type: 'text', nullable: true })
  fromValue: string | null = null;

  @Property({ type: 'text', nullable: true })
  toValue: string | null = null;

  @Property({ type: 'json', nullable: true })
  detail: Record<string, unknown> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(ticket: Ticket | null, kind: string) {
    this.ticket = ticket;
    this.kind = kind;
  }
}
