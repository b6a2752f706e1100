import { ArrayType, Collection, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, ManyToMany, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Person } from './person.entity.js';

/** A routing queue: keywords pull matching mail in; agents work it; watchers get notified. */
@Entity({ tableName: 'queue' })
export class Queue {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  /** Mail sent to this address lands here before keyword matching (stored lower-cased). */
  @Property({ type: 'string', length: 320, nullable: true, unique: true })
  emailAddress: string | null = null;

  @Property({ type: 'text[]' })
  keywords: string[] & Opt = [];

  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  defaultAssignee: Rel<Person> | null = null;

  /** May approve or reject this queue's PENDING_APPROVAL tickets, besides admins and the category's approver. */
  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  approver: Rel<Person> | null = null;

  @ManyToMany(() => Person, undefined, { pivotTable: 'queue_agent', joinColumn: 'queue_id', inverseJoinColumn: 'person_id' })
  agents = new Collection<Person>(this);

  @ManyToMany(() => Person, undefined, { pivotTable: 'queue_watcher', joinColumn: 'queue_id', inverseJoinColumn: 'person_id' })
  watchers = new Collection<Person>(this);

  /** Close tickets this many days after creation; null: the global default; 0: never. */
  @Property({ type: 'integer', nullable: true })
  autoCloseDays: number | null = null;

  /** Where `escalateTicket` sends the ticket's details. */
  @Property({ type: 'string', length: 320, nullable: true })
  escalationAddress: string | null = null;

  /** Ends agents' replies about this queue's tickets (placeholders such as {{actor.name}} filled in); null: the default. */
  @Property({ type: 'text', nullable: true })
  signature: string | null = null;

  /** A paragraph of its own in the acknowledgement of this queue's new tickets (opening hours, what to send along); null: none. */
  @Property({ type: 'text', nullable: true })
  acknowledgementNote: string | null = null;

  /**
   * The language mail about this queue's tickets is written in for people whose own language is
   * not known (a BCP 47 tag, src/people/language.ts): a queue with its own address for one
   * country's customers; null: the desk's default templates.
   */
  @Property({ type: 'string', length: 35, nullable: true })
  language: string | null = null;

  /**
   * The queue's own opening times for reply targets (src/queues/queue-hours.ts): null keeps the
   * desk's BUSINESS_HOURS, 'always' counts around the clock, else windows in BUSINESS_HOURS form,
   * stored parsed in businessDays/Starts/Ends for the database's postdesk_queue_due.
   */
  @Property({ type: 'text', nullable: true })
  businessHours: string | null = null;

  /** IANA time zone of the queue's opening times; null: the desk's BUSINESS_TIMEZONE. */
  @Property({ type: 'text', nullable: true })
  businessTimezone: string | null = null;

  /** YYYY-MM-DD dates the queue is closed; null: the desk's BUSINESS_HOLIDAYS. */
  @Property({ type: 'text[]', nullable: true })
  businessHolidays: string[] | null = null;

  @Property({ type: new ArrayType<number>(Number), columnType: 'int[]', nullable: true, hidden: true })
  businessDays: number[] | null = null;

  @Property({ type: new ArrayType<number>(Number), columnType: 'int[]', nullable: true, hidden: true })
  businessStarts: number[] | null = null;

  @Property({ type: new ArrayType<number>(Number), columnType: 'int[]', nullable: true, hidden: true })
  businessEnds: number[] | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  constructor(name: string) {
    this.name = name;
  }
}
