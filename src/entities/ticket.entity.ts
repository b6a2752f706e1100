import { Collection, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToMany, ManyToOne, OneToMany, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Category } from './category.entity.js';
import { Priority, Satisfaction, TicketStatus, TicketType } from './enums.js';
import { Message } from './message.entity.js';
import { Person } from './person.entity.js';
import { Queue } from './queue.entity.js';

@Entity({ tableName: 'ticket' })
@Index({ name: 'ticket_queue_status_idx', properties: ['queue', 'status'] })
@Index({ name: 'ticket_updated_at_idx', properties: ['updatedAt'] })
@Index({ name: 'ticket_created_at_idx', properties: ['createdAt'] })
@Index({ name: 'ticket_search_idx', expression: 'create index "ticket_search_idx" on "ticket" using gin ("search_vector")' })
@Index({ name: 'ticket_field_values_idx', expression: 'create index "ticket_field_values_idx" on "ticket" using gin ("field_values" jsonb_path_ops)' })
export class Ticket {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  /** The human number shown as [#N]; from the ticket_number_seq sequence, never reused. */
  @Property({ type: 'integer', unique: true, defaultRaw: `nextval('ticket_number_seq')`, returning: true })
  number!: number & Opt;

  @Property({ type: 'text' })
  subject: string;

  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status', index: true })
  status: TicketStatus & Opt = TicketStatus.OPEN;

  @Enum({ items: () => Priority, nativeEnumName: 'priority' })
  priority: Priority & Opt = Priority.NORMAL;

  @Enum({ items: () => TicketType, nativeEnumName: 'ticket_type' })
  type: TicketType & Opt = TicketType.QUESTION;

  @ManyToOne(() => Category, { nullable: true, deleteRule: 'set null' })
  category: Rel<Category> | null = null;

  @ManyToOne(() => Queue, { nullable: true, deleteRule: 'set null' })
  queue: Rel<Queue> | null = null;

  @ManyToOne(() => Person, { index: true })
  requester: Rel<Person>;

  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null', index: true })
  assignee: Rel<Person> | null = null;

  /** A follow-up by someone who may not join the original ticket points here. */
  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'set null', index: 'ticket_linked_to_id_index' })
  linkedTo: Rel<Ticket> | null = null;

  /** Set when an agent merged this ticket into another (merge-tickets.ts): its mail goes there now. */
  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'set null', index: 'ticket_merged_into_id_index' })
  mergedInto: Rel<Ticket> | null = null;

  @ManyToMany(() => Person, undefined, { pivotTable: 'ticket_cc', joinColumn: 'ticket_id', inverseJoinColumn: 'person_id' })
  ccs = new Collection<Person>(this);

  @ManyToMany(() => Person, undefined, { pivotTable: 'ticket_watcher', joinColumn: 'ticket_id', inverseJoinColumn: 'person_id' })
  watchers = new Collection<Person>(this);

  @OneToMany(() => Message, (m) => m.ticket, { orderBy: { createdAt: 'asc', id: 'asc' } })
  messages = new Collection<Message>(this);

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  closedAt: Date | null = null;

  /** When support first answered publicly (a reply, or the message of a ticket opened for the customer). */
  @Property({ type: 'datetime', nullable: true })
  firstResponseAt: Date | null = null;

  /**
   * When the customer's oldest unanswered message arrived: set by a customer's message (not an
   * automatic one, not a bare quote), cleared by a public reply and by closing (change-status.ts).
   */
  @Property({ type: 'datetime', nullable: true })
  awaitingReplySince: Date | null = null;

  /**
   * The wait (its awaitingReplySince) staff were last told is overdue (automation/reply-reminders.ts):
   * a wait is reminded once. The wait itself, not a time of day, so no clock is compared with another.
   */
  @Property({ type: 'datetime', nullable: true })
  replyRemindedFor: Date | null = null;

  /** Out of the work list until then (tickets/snooze.ts); ended early by the customer's mail or by closing. */
  @Property({ type: 'datetime', nullable: true })
  snoozedUntil: Date | null = null;

  /** The requester's latest rating, given by mail from the closing notice's links (tickets/satisfaction.ts). */
  @Enum({ items: () => Satisfaction, nativeEnumName: 'satisfaction', nullable: true })
  satisfaction: Satisfaction | null = null;

  @Property({ type: 'datetime', nullable: true })
  satisfactionAt: Date | null = null;

  /** Values of its category's fields by field name (category-fields.ts), e.g. { instanceId: "i-0abc" }. */
  @Property({ type: 'json', defaultRaw: `'{}'` })
  fieldValues: Record<string, string> & Opt = {};

  /** Full-text vector over the subject; maintained by PostgreSQL (see the migration). */
  @Property({ columnType: 'tsvector', generated: '(postdesk_search_vector(subject)) stored', lazy: true, hidden: true, nullable: true })
  searchVector?: string & Opt;

  constructor(subject: string, requester: Person) {
    this.subject = subject;
    this.requester = requester;
  }
}
