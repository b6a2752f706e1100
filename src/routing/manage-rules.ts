/**
 * Creating, changing, reordering and deleting routing rules. Every input is validated completely
 * (shape, regex safety, and that named queues, categories and people exist) before anything is
 * stored; a problem is a BAD_USER_INPUT AppError naming the input path, and nothing changes.
 */
import type { Em } from '../db/orm.js';
import { Category, Person, Queue, Rule } from '../entities/index.js';
import { AppError } from '../errors.js';
import { recordEvent } from '../tickets/record-event.js';
import type { Person as Actor } from '../entities/index.js';
import { lockList, placeAt, renumber, reorder } from './ordering.js';
import { parseActions, parseConditions, type Action, type Problem } from './rule-definition.js';

export interface RuleInput {
  name?: string | null;
  enabled?: boolean | null;
  /** 0-based place among the rules; default: last. */
  position?: number | null;
  conditions?: unknown;
  actions?: unknown;
}

/**
 * The name of a category or organisation being created or renamed: 1 to 100 characters without
 * control characters, not another one's. Pushes a problem on `name` and returns the trimmed name.
 */
export async function checkUniqueName(
  given: string | null | undefined,
  current: { name: string } | null,
  exists: (name: string) => Promise<boolean>,
  noun: string,
  problems: Problem[],
): Promise<string> {
  const name = given == null && current ? current.name : (given ?? '').trim();
  if (name.length === 0 || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) {
    problems.push({ field: ['name'], message: 'must be 1 to 100 characters without control characters' });
  } else if (name !== current?.name && (await exists(name))) {
    problems.push({ field: ['name'], message: `${noun} named "${name}" already exists` });
  }
  return name;
}

export function badInput(problems: readonly Problem[]): AppError {
  const message = problems.map((p) => `${p.field.join('.')}: ${p.message}`).join('; ');
  return new AppError('BAD_USER_INPUT', message, 'user', problems[0]?.field ?? []);
}

function checkName(name: unknown, problems: Problem[]): string | null {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length === 0 || trimmed.length > 200 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    problems.push({ field: ['name'], message: 'must be 1 to 200 characters without control characters' });
    return null;
  }
  return trimmed;
}

/** Queues, categories and people that actions name must exist now (they are looked up again at routing time). */
async function checkReferences(em: Em, actions: Action[], problems: Problem[]): Promise<void> {
  for (const [i, action] of actions.entries()) {
    const at = ['actions', String(i), action.kind];
    if (action.kind === 'setQueue' && (await em.count(Queue, { name: action.value })) === 0) {
      problems.push({ field: at, message: `no queue named "${action.value}"` });
    }
    if (action.kind === 'setCategory' && (await em.count(Category, { name: action.value })) === 0) {
      problems.push({ field: at, message: `no category named "${action.value}"` });
    }
    if (action.kind === 'assign' && (await em.count(Person, { email: action.value, role: { $ne: null }, active: true })) === 0) {
      problems.push({ field: at, message: `${action.value} is not an active agent` });
    }
    if (action.kind === 'addWatcher' && (await em.count(Person, { email: action.value })) === 0) {
      problems.push({ field: at, message: `nobody is known as ${action.value}; add them as an agent first` });
    }
  }
}

async function findRule(em: Em, name: string): Promise<Rule> {
  const rule = await em.findOne(Rule, { name });
  if (!rule) throw new AppError('NOT_FOUND', `no rule named "${name}"`, 'user', ['name']);
  return rule;
}

/** All rules in evaluation order. */
export function listRules(em: Em): Promise<Rule[]> {
  return em.find(Rule, {}, { orderBy: { position: 'asc', id: 'asc' } });
}

export async function createRule(em: Em, input: RuleInput, actor: Actor): Promise<Rule> {
  await lockList(em, 'rules');
  const problems: Problem[] = [];
  const name = checkName(input.name, problems);
  const conditions = parseConditions(input.conditions);
  const actions = parseActions(input.actions);
  if (!conditions.ok) problems.push(...conditions.problems);
  if (!actions.ok) problems.push(...actions.problems);
  if (actions.ok) await checkReferences(em, actions.value, problems);
  if (name && (await em.count(Rule, { name })) > 0) problems.push({ field: ['name'], message: `a rule named "${name}" already exists` });
  if (problems.length > 0 || !name || !conditions.ok || !actions.ok) throw badInput(problems);

  const rules = await listRules(em);
  const rule = new Rule(name, rules.length, conditions.value, input.actions);
  rule.enabled = input.enabled ?? true;
  placeAt(rules, rule, input.position);
  em.persist(rule);
  recordEvent(em, null, { kind: 'rule-created', actor, to: name, detail: { conditions: input.conditions, actions: input.actions } });
  await em.flush();
  return rule;
}

export async function updateRule(em: Em, currentName: string, input: RuleInput, actor: Actor): Promise<Rule> {
  await lockList(em, 'rules');
  const rule = await findRule(em, currentName);
  const problems: Problem[] = [];
  const name = input.name == null ? rule.name : checkName(input.name, problems);
  if (name && name !== rule.name && (await em.count(Rule, { name })) > 0) problems.push({ field: ['name'], message: `a rule named "${name}" already exists` });
  const conditions = input.conditions === undefined || input.conditions === null ? null : parseConditions(input.conditions);
  const actions = input.actions === undefined || input.actions === null ? null : parseActions(input.actions);
  if (conditions && !conditions.ok) problems.push(...conditions.problems);
  if (actions && !actions.ok) problems.push(...actions.problems);
  if (actions?.ok) await checkReferences(em, actions.value, problems);
  if (problems.length > 0 || !name) throw badInput(problems);

  const before = { name: rule.name, enabled: rule.enabled, conditions: rule.conditions, actions: rule.actions };
  rule.name = name;
  if (input.enabled != null) rule.enabled = input.enabled;
  if (conditions?.ok) rule.conditions = conditions.value;
  if (actions?.ok) rule.actions = input.actions;
  if (input.position != null) placeAt(await listRules(em), rule, input.position);
  rule.updatedAt = new Date(); // also when only the position changed: the rule-set cache watches it
  recordEvent(em, null, { kind: 'rule-updated', actor, from: before.name, to: rule.name, detail: { before, after: { enabled: rule.enabled, conditions: rule.conditions, actions: rule.actions } } });
  await em.flush();
  return rule;
}

export async function deleteRule(em: Em, name: string, actor: Actor): Promise<Rule> {
  await lockList(em, 'rules');
  const rule = await findRule(em, name);
  const rest = (await listRules(em)).filter((r) => r !== rule);
  renumber(rest);
  em.remove(rule);
  recordEvent(em, null, { kind: 'rule-deleted', actor, from: name, detail: { conditions: rule.conditions, actions: rule.actions } });
  await em.flush();
  return rule;
}

/** Puts the rules in the given order; the list must name every rule exactly once. */
export async function reorderRules(em: Em, names: readonly string[], actor: Actor): Promise<Rule[]> {
  await lockList(em, 'rules');
  const rules = await listRules(em);
  const reordered = reorder(rules, names, 'rule');
  if (!reordered.ok) throw badInput(reordered.problems);
  const ordered = reordered.value;
  const now = new Date();
  for (const rule of ordered) rule.updatedAt = now;
  recordEvent(em, null, { kind: 'rules-reordered', actor, from: rules.map((r) => r.name).join(', '), to: names.join(', ') });
  await em.flush();
  return ordered;
}

/** Whether stored `actions` set a queue or category of this name (the shape is checked loosely: stored JSON). */
export function ruleSets(actions: unknown, kind: 'setQueue' | 'setCategory', name: string): boolean {
  return Array.isArray(actions) && actions.some((a) => typeof a === 'object' && a !== null && (a as Record<string, unknown>)[kind] === name);
}

/**
 * Rules that set a renamed queue or category follow its new name, in the caller's transaction;
 * returns their names. Without it they would name nothing, and the tickets of a rule naming a
 * queue that is gone land in no queue, seen by admins alone.
 */
export async function renameInRules(em: Em, kind: 'setQueue' | 'setCategory', from: string, to: string): Promise<string[]> {
  const renamed: string[] = [];
  for (const rule of await em.find(Rule, {})) {
    if (!ruleSets(rule.actions, kind, from)) continue;
    rule.actions = (rule.actions as Record<string, unknown>[]).map((a) => (a[kind] === from ? { [kind]: to } : a));
    rule.updatedAt = new Date();
    renamed.push(rule.name);
  }
  return renamed;
}
