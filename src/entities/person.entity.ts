import { type Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Role } from './enums.js';

/**
 * Anyone postdesk knows by email address: customers, CCs, watchers and staff. A person with a
 * `role` is an agent (staff). Emails are stored lower-cased, so the unique index makes them
 * unique case-insensitively.
 */
@Entity({ tableName: 'person' })
/** Name and address searchable like tickets and messages (the API's search; Migration20261123020000_api). */
@Index({
  name: 'person_search_idx',
  expression: `create index "person_search_idx" on "person" using gin (postdesk_search_vector(coalesce("name", '') || ' ' || "email"))`,
})
export class Person {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 320, unique: true })
  email: string;

  @Property({ type: 'string', length: 200, nullable: true })
  name: string | null = null;

  /** Staff role; null for customers. */
  @Enum({ items: () => Role, nativeEnumName: 'role', nullable: true })
  role: Role | null = null;

  /** A deactivated agent's tokens stop working. */
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  /** An agent who opted out of watcher notifications. */
  @Property({ type: 'boolean' })
  watchOptOut: boolean & Opt = false;

  /** Set when mail to this address bounced permanently; automatic mail to it is suppressed. */
  @Property({ type: 'datetime', nullable: true })
  undeliverableSince: Date | null = null;

  /**
   * The language mail to them is written in (src/people/language.ts): a canonical BCP 47 tag, set
   * by staff or learned from their own mail; null: their queue's, else the desk's default.
   */
  @Property({ type: 'string', length: 35, nullable: true })
  language: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(email: string, name: string | null = null) {
    this.email = email.toLowerCase();
    this.name = name;
  }
}
