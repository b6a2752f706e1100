import { type Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A customer organisation: everyone who writes from one of its mail domains may take part in its
 * tickets (PRODUCT.md: "everyone in the customer's organisation can see and act on its tickets").
 * A domain belongs to at most one organisation.
 */
@Entity({ tableName: 'organization' })
export class Organization {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  /** Lower-case ASCII (IDNA) mail domains, matched exactly: sub.example.com is not example.com. */
  @Property({ type: 'text[]' })
  domains: string[] & Opt = [];

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(name: string) {
    this.name = name;
  }
}
