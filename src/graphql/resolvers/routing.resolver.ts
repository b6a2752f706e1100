import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Em } from '../../db/orm.js';
import { inTransaction } from '../../db/transaction.js';
import { Person } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { dryRunRouting } from '../../routing/dry-run.js';
import { createCategory, deleteCategory, listCategories, reorderCategories, updateCategory } from '../../routing/manage-categories.js';
import { createRule, deleteRule, listRules, reorderRules, updateRule } from '../../routing/manage-rules.js';
import type { GraphQLContext } from '../context.js';
import {
  CategoryInput,
  CategoryType,
  presentCategory,
  presentDecision,
  presentRule,
  RoutingDecisionType,
  RuleInput,
  RuleType,
} from '../types/routing.type.js';

/**
 * An admin command in its own transaction, as the caller (routing, organisations). It runs again
 * after a lost race (db/transaction.ts): two admins creating the same rule get one rule and one
 * "name taken", not an internal error.
 */
export function write<T>({ orm, principal }: GraphQLContext, command: (em: Em, actor: Person) => Promise<T>): Promise<T> {
  return inTransaction(orm, (em) => command(em, em.getReference(Person, principal.personId)));
}

/**
 * Routing administration: rules and categories, and the testRules dry run. ADMIN only, except that
 * agents may list categories (they set them on tickets). Invalid input is a BAD_USER_INPUT error
 * naming the problem and its input path; nothing is stored then.
 */
@Authorized(Role.ADMIN)
@Resolver()
export class RoutingResolver {
  @Query(() => [RuleType], { description: 'All rules in evaluation order' })
  async rules(@Ctx() { em }: GraphQLContext): Promise<RuleType[]> {
    return (await listRules(em)).map(presentRule);
  }

  @Mutation(() => RuleType)
  async createRule(@Arg('input', () => RuleInput) input: RuleInput, @Ctx() ctx: GraphQLContext): Promise<RuleType> {
    return presentRule(await write(ctx, (em, actor) => createRule(em, input, actor)));
  }

  @Mutation(() => RuleType, { description: 'Changes the given fields (name, enabled, position, conditions, actions)' })
  async updateRule(
    @Arg('name', () => String) name: string,
    @Arg('input', () => RuleInput) input: RuleInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RuleType> {
    return presentRule(await write(ctx, (em, actor) => updateRule(em, name, input, actor)));
  }

  @Mutation(() => RuleType)
  async setRuleEnabled(
    @Arg('name', () => String) name: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RuleType> {
    return presentRule(await write(ctx, (em, actor) => updateRule(em, name, { enabled }, actor)));
  }

  @Mutation(() => RuleType, { description: 'The deleted rule' })
  async deleteRule(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<RuleType> {
    return presentRule(await write(ctx, (em, actor) => deleteRule(em, name, actor)));
  }

  @Mutation(() => [RuleType], { description: 'Puts all rules in this order (every rule named exactly once)' })
  async reorderRules(@Arg('names', () => [String]) names: string[], @Ctx() ctx: GraphQLContext): Promise<RuleType[]> {
    return (await write(ctx, (em, actor) => reorderRules(em, names, actor))).map(presentRule);
  }

  @Query(() => RoutingDecisionType, { description: 'Dry run: how a raw RFC 5322 message would be routed now; stores nothing' })
  async testRules(
    @Arg('raw', () => String) raw: string,
    @Arg('mailbox', () => String, { nullable: true, description: 'a configured mailbox name; default: the first SUPPORT mailbox' }) mailbox: string | null,
    @Ctx() { em, config }: GraphQLContext,
  ): Promise<RoutingDecisionType> {
    const { decision, acknowledge, automaticReason } = await dryRunRouting(em, raw, config, mailbox ?? null);
    return presentDecision(decision, acknowledge, automaticReason);
  }

  @Authorized(Role.AGENT)
  @Query(() => [CategoryType], { description: 'All categories in their order, disabled ones too' })
  async categories(@Ctx() { em }: GraphQLContext): Promise<CategoryType[]> {
    return (await listCategories(em)).map(presentCategory);
  }

  @Mutation(() => CategoryType)
  async createCategory(@Arg('input', () => CategoryInput) input: CategoryInput, @Ctx() ctx: GraphQLContext): Promise<CategoryType> {
    return presentCategory(await write(ctx, (em, actor) => createCategory(em, input, actor)));
  }

  @Mutation(() => CategoryType)
  async updateCategory(
    @Arg('name', () => String) name: string,
    @Arg('input', () => CategoryInput) input: CategoryInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CategoryType> {
    return presentCategory(await write(ctx, (em, actor) => updateCategory(em, name, input, actor)));
  }

  @Mutation(() => CategoryType, { description: 'A disabled category is skipped by rules and refused by updateTicket' })
  async setCategoryEnabled(
    @Arg('name', () => String) name: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CategoryType> {
    return presentCategory(await write(ctx, (em, actor) => updateCategory(em, name, { enabled }, actor)));
  }

  @Mutation(() => [CategoryType], { description: 'Puts all categories in this order (every category named exactly once)' })
  async reorderCategories(@Arg('names', () => [String]) names: string[], @Ctx() ctx: GraphQLContext): Promise<CategoryType[]> {
    return (await write(ctx, (em, actor) => reorderCategories(em, names, actor))).map(presentCategory);
  }

  @Mutation(() => CategoryType, { description: 'Refused while a rule sets the category' })
  async deleteCategory(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<CategoryType> {
    return presentCategory(await write(ctx, (em, actor) => deleteCategory(em, name, actor)));
  }
}
