/**
 * Loads the rule set (rules, queues with keywords, categories) and keeps it compiled per process.
 *
 * Every new ticket asks PostgreSQL for a cheap fingerprint of the three tables (row counts, highest
 * id, latest change); only when it differs is the set reloaded and recompiled. So a rule changed on
 * one instance routes the very next message on every instance, and 500 rules are not re-parsed per
 * message.
 */
import type { Em } from '../db/orm.js';
import { PerTransaction } from '../db/transaction.js';
import { Category, Queue, Rule } from '../entities/index.js';
import { compileCondition, RegexPrefilter } from './conditions.js';
import type { CompiledRule, RuleSet } from './decide.js';
import { KeywordIndex } from './keywords.js';
import { parseActions, parseConditions } from './rule-definition.js';

const FINGERPRINT_SQL = `select
  (select count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '') from rule) || '|' ||
  (select count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '') from queue) || '|' ||
  (select count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '') from category) as fingerprint`;

interface Cached {
  fingerprint: string;
  defaultQueue: string;
  ruleSet: RuleSet;
}

/** One cache per ORM instance (tests and benchmarks run several databases in one process). */
const caches = new WeakMap<object, Cached>();
/** The rule set each transaction found current, for confirmedQueueAddresses. */
const confirmed = new PerTransaction<RuleSet>();

export async function loadRuleSet(em: Em, defaultQueue: string): Promise<RuleSet> {
  const [{ fingerprint }] = (await em.execute<{ fingerprint: string }[]>(FINGERPRINT_SQL)) as [{ fingerprint: string }];
  const cached = caches.get(em.config);
  const ruleSet = cached && cached.fingerprint === fingerprint && cached.defaultQueue === defaultQueue ? cached.ruleSet : await buildRuleSet(em, defaultQueue);
  if (ruleSet !== cached?.ruleSet) caches.set(em.config, { fingerprint, defaultQueue, ruleSet });
  confirmed.set(em, ruleSet);
  return ruleSet;
}

/**
 * Every queue's email address as of the rule set this transaction loaded (its fingerprint covers the
 * queue table), or null when it loaded none: a new ticket's CCs and acknowledgement then need no
 * queue-address lookup of their own.
 */
export function confirmedQueueAddresses(em: Em): string[] | null {
  const ruleSet = confirmed.get(em);
  return ruleSet ? ruleSet.queues.flatMap((q) => (q.emailAddress === null ? [] : [q.emailAddress])) : null;
}

async function buildRuleSet(em: Em, defaultQueue: string): Promise<RuleSet> {
  const [rules, queues, categories] = await Promise.all([
    em.find(Rule, { enabled: true }, { orderBy: { position: 'asc', id: 'asc' } }),
    em.find(Queue, {}, { populate: ['defaultAssignee'], orderBy: { id: 'asc' } }),
    em.find(Category, {}),
  ]);
  const prefilter = new RegexPrefilter();
  return {
    rules: rules.map((r) => compileStoredRule(r, prefilter)).filter((r): r is CompiledRule => r !== null),
    prefilter,
    queues: queues.map((q) => ({ name: q.name, emailAddress: q.emailAddress, defaultAssignee: q.defaultAssignee?.email ?? null })),
    keywords: new KeywordIndex(queues.map((q) => ({ name: q.name, keywords: q.keywords }))),
    categories: new Map(categories.map((c) => [c.name, c.requiresApproval])),
    disabledCategories: new Set(categories.filter((c) => !c.enabled).map((c) => c.name)),
    defaultQueue: queues.some((q) => q.name === defaultQueue) ? defaultQueue : null,
  };
}

/** A stored rule is validated again; one that no longer validates is skipped, never half-applied. */
export function compileStoredRule(rule: Pick<Rule, 'name' | 'conditions' | 'actions'>, prefilter?: RegexPrefilter): CompiledRule | null {
  const conditions = parseConditions(rule.conditions);
  const actions = parseActions(rule.actions);
  if (!conditions.ok || !actions.ok) return null;
  return { name: rule.name, test: compileCondition(conditions.value, prefilter), actions: actions.value };
}
