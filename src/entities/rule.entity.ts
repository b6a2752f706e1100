import { type Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A routing rule: ordered by `position`, conditions and actions stored as JSON. The shapes are
 * validated before a rule is stored (src/rules), never trusted when read back.
 */
@Entity({ tableName: 'rule' })
export class Rule {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 200, unique: true })
  name: string;

  @Index()
  @Property({ type: 'integer' })
  position: number;

  @Property({ type: 'boolean' })
  enabled: boolean & Opt = true;

  @Property({ type: 'json' })
  conditions: unknown;

  @Property({ type: 'json' })
  actions: unknown;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  constructor(name: string, position: number, conditions: unknown, actions: unknown) {
    this.name = name;
    this.position = position;
    this.conditions = conditions;
    this.actions = actions;
  }
}
