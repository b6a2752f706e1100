/** GraphQL shapes of routing: rules, categories and the dry-run decision of testRules. */
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { Category, Rule } from '../../entities/index.js';
import { Priority, TicketStatus, TicketType } from '../../entities/enums.js';
import type { RoutingDecision } from '../../routing/decide.js';
import { PersonType, presentPerson } from './person.type.js';

@ObjectType('Rule', { simpleResolvers: true, description: 'A routing rule; conditions and actions are JSON (see the README for their shape).' })
export class RuleType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: '0-based place in the evaluation order' })
  position!: number;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => GraphQLJSON)
  conditions!: unknown;

  @Field(() => GraphQLJSON)
  actions!: unknown;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export function presentRule(rule: Rule): RuleType {
  return { id: String(rule.id), name: rule.name, position: rule.position, enabled: rule.enabled, conditions: rule.conditions, actions: rule.actions, createdAt: rule.createdAt, updatedAt: rule.updatedAt };
}

@InputType('RuleInput')
export class RuleInput {
  @Field(() => String, { nullable: true, description: 'required when creating' })
  name?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'default true' })
  enabled?: boolean | null;

  @Field(() => Int, { nullable: true, description: '0-based place among the rules; default: last' })
  position?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'required when creating' })
  conditions?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'required when creating' })
  actions?: unknown;
}

@ObjectType('CategoryField', { simpleResolvers: true, description: "A value the category's tickets carry, e.g. an instance ID" })
export class CategoryFieldType {
  @Field(() => String, { description: 'key in the API (updateTicket fields, Ticket.fields)' })
  name!: string;

  @Field(() => String, { description: 'for people; a line "<label>: <value>" in a customer\'s mail fills the field when it is empty' })
  label!: string;
}

@InputType('CategoryFieldInput')
export class CategoryFieldInput {
  @Field(() => String, { description: 'a letter, then up to 49 letters, digits or underscores' })
  name!: string;

  @Field(() => String, { description: '1 to 100 characters, no ":"' })
  label!: string;
}

@ObjectType('Category', { simpleResolvers: true })
export class CategoryType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  requiresApproval!: boolean;

  @Field(() => PersonType, { nullable: true, description: 'may approve besides admins' })
  approver!: PersonType | null;

  @Field(() => Boolean, { description: 'a disabled category is not set by rules nor accepted by updateTicket' })
  enabled!: boolean;

  @Field(() => Int, { description: '0-based place in the list' })
  position!: number;

  @Field(() => [CategoryFieldType], { description: "the category's own fields, in order" })
  fields!: CategoryFieldType[];
}

export function presentCategory(category: Category): CategoryType {
  return {
    id: String(category.id),
    name: category.name,
    requiresApproval: category.requiresApproval,
    approver: category.approver ? presentPerson(category.approver) : null,
    enabled: category.enabled,
    position: category.position,
    fields: category.fields.map((f) => ({ name: f.name, label: f.label })),
  };
}

@InputType('CategoryInput')
export class CategoryInput {
  @Field(() => String, { nullable: true, description: 'required when creating' })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  requiresApproval?: boolean | null;

  @Field(() => String, { nullable: true, description: "an active agent's email; empty removes the approver" })
  approver?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'default true' })
  enabled?: boolean | null;

  @Field(() => Int, { nullable: true, description: '0-based place among the categories; default: last' })
  position?: number | null;

  @Field(() => [CategoryFieldInput], { nullable: true, description: 'the whole list of fields (at most 20); on update, replaces the list' })
  fields?: CategoryFieldInput[] | null;
}

@ObjectType('MatchedRule', { simpleResolvers: true })
export class MatchedRuleType {
  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSON)
  actions!: unknown;
}

@ObjectType('KeywordMatch', { simpleResolvers: true })
export class KeywordMatchType {
  @Field(() => String)
  queue!: string;

  @Field(() => String)
  keyword!: string;

  @Field(() => String, { description: 'subject or body' })
  field!: string;
}

@ObjectType('RoutingStep', { simpleResolvers: true, description: 'One explained change, as recorded in the ticket history' })
export class RoutingStepType {
  @Field(() => String, { description: 'rule:<name>, keyword:<word>, address:<addr>, queue:<name>, category:<name>, emergency or default' })
  actor!: string;

  @Field(() => String)
  kind!: string;

  @Field(() => String)
  value!: string;

  @Field(() => String)
  text!: string;
}

@ObjectType('RoutingDecision', { simpleResolvers: true })
export class RoutingDecisionType {
  @Field(() => String, { nullable: true })
  queue!: string | null;

  @Field(() => Priority)
  priority!: Priority;

  @Field(() => TicketType)
  type!: TicketType;

  @Field(() => String, { nullable: true })
  category!: string | null;

  @Field(() => String, { nullable: true, description: 'email of the assignee' })
  assignee!: string | null;

  @Field(() => [String])
  watchers!: string[];

  @Field(() => [String])
  ccs!: string[];

  @Field(() => TicketStatus)
  status!: TicketStatus;

  @Field(() => Boolean)
  emergency!: boolean;

  @Field(() => Boolean, { description: 'whether the requester would get an acknowledgement' })
  acknowledge!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Why the message counts as automatic mail, never acknowledged ("Auto-Submitted: auto-replied", "List-Id", "auto-reply subject (Automatic reply)"): an auto-reply that answers no ticket is held, other automatic mail becomes a ticket flagged automatic; null when a person wrote it',
  })
  automaticReason!: string | null;

  @Field(() => [MatchedRuleType])
  matchedRules!: MatchedRuleType[];

  @Field(() => [KeywordMatchType])
  matchedKeywords!: KeywordMatchType[];

  @Field(() => [RoutingStepType])
  steps!: RoutingStepType[];
}

export function presentDecision(d: RoutingDecision, acknowledge: boolean, automaticReason: string | null): RoutingDecisionType {
  return {
    queue: d.queue,
    priority: d.priority,
    type: d.type,
    category: d.category,
    assignee: d.assignee,
    watchers: d.watchers,
    ccs: d.ccs,
    status: d.status,
    emergency: d.emergency,
    acknowledge: acknowledge && d.acknowledge,
    automaticReason,
    matchedRules: d.matchedRules.map((r) => ({ name: r.name, actions: r.actions.map((a) => ({ [a.kind]: a.value })) })),
    matchedKeywords: d.keywordHits,
    steps: d.steps,
  };
}
