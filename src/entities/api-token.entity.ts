import { type Opt, type Rel } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Role } from './enums.js';
import { Person } from './person.entity.js';

/**
 * An API token. Only the SHA-256 of the secret is stored, plus a short prefix so a person can tell
 * their tokens apart; the secret itself is shown once, at creation.
 */
@Entity({ tableName: 'api_token' })
export class ApiToken {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash: string;

  @Property({ type: 'string', length: 16 })
  prefix: string;

  @Enum({ items: () => Role, nativeEnumName: 'role' })
  role: Role;

  @ManyToOne(() => Person, { deleteRule: 'cascade', index: true })
  person: Rel<Person>;

  /** Free text, e.g. "ADMIN_TOKEN" for the one configured through the environment. */
  @Property({ type: 'string', length: 100, nullable: true })
  label: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;

  constructor(tokenHash: string, prefix: string, role: Role, person: Person) {
    this.tokenHash = tokenHash;
    this.prefix = prefix;
    this.role = role;
    this.person = person;
  }
}
