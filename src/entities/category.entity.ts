import { type Opt, type Rel } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Person } from './person.entity.js';

/** A value a ticket of the category carries: `name` in the API, `label` in mail ("Instance ID: i-0abc"). */
export interface CategoryField {
  readonly name: string;
  readonly label: string;
}

/** A ticket category; risky or costly ones require approval before work starts. */
@Entity({ tableName: 'category' })
export class Category {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 100, unique: true })
  name: string;

  @Property({ type: 'boolean' })
  requiresApproval: boolean & Opt = false;

  /** A disabled category is neither set by rules nor accepted by updateTicket; tickets keep it. */
  @Property({ type: 'boolean' })
  enabled: boolean & Opt = true;

  /** 0-based place in the list (`categories`, reorderCategories). */
  @Property({ type: 'integer' })
  position: number & Opt = 0;

  /** The category's own fields, in the admin's order (category-fields.ts). */
  @Property({ type: 'json', defaultRaw: `'[]'` })
  fields: CategoryField[] & Opt = [];

  /** Technical contact who may approve besides admins. */
  @ManyToOne(() => Person, { nullable: true, deleteRule: 'set null' })
  approver: Rel<Person> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** Changes here change routing: the rule-set cache watches this column. */
  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  constructor(name: string, requiresApproval = false) {
    this.name = name;
    this.requiresApproval = requiresApproval;
  }
}
