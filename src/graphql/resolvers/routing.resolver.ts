import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
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
  async createRule(@Arg('input', () => RuleInput) input: RuleInput, @Ctx() { em, principal }: GraphQLContext): Promise<RuleType> {
    return presentRule(await createRule(em, input, principal.person));
  }

  @Mutation(() => RuleType, { description: 'Changes the given fields (name, enabled, position, conditions, actions)' })
  async updateRule(
    @Arg('name', () => String) name: string,
    @Arg('input', () => RuleInput) input: RuleInput,
    @Ctx() { em, principal }: GraphQLContext,
  ): Promise<RuleType> {
    return presentRule(await updateRule(em, name, input, principal.person));
  }

  @Mutation(() => RuleType)
  async setRuleEnabled(
    @Arg('name', () => String) name: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() { em, principal }: GraphQLContext,
  ): Promise<RuleType> {
    return presentRule(await updateRule(em, name, { enabled }, principal.person));
  }

  @Mutation(() => RuleType, { description: 'The deleted rule' })
  async deleteRule(@Arg('name', () => String) name: string, @Ctx() { em, principal }: GraphQLContext): Promise<RuleType> {
    return presentRule(await deleteRule(em, name, principal.person));
  }

  @Mutation(() => [RuleType], { description: 'Puts all rules in this order (every rule named exactly once)' })
  async reorderRules(@Arg('names', () => [String]) names: string[], @Ctx() { em, principal }: GraphQLContext): Promise<RuleType[]> {
    return (await reorderRules(em, names, principal.person)).map(presentRule);
  }

  @Query(() => RoutingDecisionType, { description: 'Dry run: how a raw RFC 5322 message would be routed now; stores nothing' })
  async testRules(
    @Arg('raw', () => String) raw: string,
    @Arg('mailbox', () => String, { nullable: true, description: 'a configured mailbox name; default: the first SUPPORT mailbox' }) mailbox: string | null,
    @Ctx() { em, config }: GraphQLContext,
  ): Promise<RoutingDecisionType> {
    const { decision, acknowledge } = await dryRunRouting(em, raw, config, mailbox ?? null);
    return presentDecision(decision, acknowledge);
  }

  @Authorized(Role.AGENT)
  @Query(() => [CategoryType], { description: 'All categories in their order, disabled ones too' })
  async categories(@Ctx() { em }: GraphQLContext): Promise<CategoryType[]> {
    return (await listCategories(em)).map(presentCategory);
  }

  @Mutation(() => CategoryType)
  async createCategory(@Arg('input', () => CategoryInput) input: CategoryInput, @Ctx() { em, principal }: GraphQLContext): Promise<CategoryType> {
    return presentCategory(await createCategory(em, input, principal.person));
  }

  @Mutation(() => CategoryType)
  async updateCategory(
    @Arg('name', () => String) name: string,
    @Arg('input', () => CategoryInput) input: CategoryInput,
    @Ctx() { em, principal }: GraphQLContext,
  ): Promise<CategoryType> {
    return presentCategory(await updateCategory(em, name, input, principal.person));
  }

  @Mutation(() => CategoryType, { description: 'A disabled category is skipped by rules and refused by updateTicket' })
  async setCategoryEnabled(
    @Arg('name', () => String) name: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() { em, principal }: GraphQLContext,
  ): Promise<CategoryType> {
    return presentCategory(await updateCategory(em, name, { enabled }, principal.person));
  }

  @Mutation(() => [CategoryType], { description: 'Puts all categories in this order (every category named exactly once)' })
  async reorderCategories(@Arg('names', () => [String]) names: string[], @Ctx() { em, principal }: GraphQLContext): Promise<CategoryType[]> {
    return (await reorderCategories(em, names, principal.person)).map(presentCategory);
  }

  @Mutation(() => CategoryType, { description: 'Refused while a rule sets the category' })
  async deleteCategory(@Arg('name', () => String) name: string, @Ctx() { em, principal }: GraphQLContext): Promise<CategoryType> {
    return presentCategory(await deleteCategory(em, name, principal.person));
  }
}
