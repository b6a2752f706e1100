/**
 * The shape of a routing rule's conditions and actions, and its validation. Rules are stored as JSON
 * and arrive as JSON over GraphQL; everything is checked here before it is stored, and again when a
 * stored rule is compiled (a rule that no longer validates is skipped, never trusted).
 *
 *   conditions: { "all": [C, …] } | { "any": [C, …] } | { "not": C }
 *             | { "field": "subject", "operator": "contains", "value": "invoice" }
 *             | { "field": "header", "header": "X-Priority", "operator": "equals", "value": "1" }
 *             | { "field": "from", "operator": "in", "value": ["a@example.com", "b@example.com"] }
 *             | { "field": "hasAttachment", "value": true }
 *   actions:    [ { "setQueue": "Billing" }, { "setPriority": "HIGH" }, { "stop": true }, … ]
 */
import { z } from 'zod';
import { Priority, TicketStatus, TicketType } from '../entities/enums.js';
import { emailAddress } from '../people/email-address.js';
import { compileSafeRegex } from './safe-regex.js';

export const STRING_FIELDS = ['from', 'fromDomain', 'to', 'subject', 'body', 'header', 'attachmentType', 'mailbox'] as const;
export const BOOLEAN_FIELDS = ['hasAttachment', 'isReply'] as const;
export const OPERATORS = ['contains', 'equals', 'startsWith', 'endsWith', 'in', 'matches'] as const;

export type StringField = (typeof STRING_FIELDS)[number];
export type BooleanField = (typeof BOOLEAN_FIELDS)[number];
export type Operator = (typeof OPERATORS)[number];

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: StringField; operator: Operator; value: string | string[]; header?: string }
  | { field: BooleanField; operator?: 'equals'; value: boolean };

/** Statuses a rule may give a new ticket (PENDING_APPROVAL comes from the category, never a rule). */
export const RULE_STATUSES = [TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.CLOSED] as const;

const name = z.string().trim().min(1, { message: 'must not be blank' }).max(200, { message: 'must be at most 200 characters' });
const email = emailAddress().transform((v) => v.toLowerCase());
const yes = z.literal(true, { message: 'must be true' });

/** Each action is an object with exactly one of these keys. */
export const ACTION_SCHEMAS = {
  setQueue: name,
  setPriority: z.enum(Priority, { message: `must be one of ${Object.values(Priority).join(', ')}` }),
  setType: z.enum(TicketType, { message: `must be one of ${Object.values(TicketType).join(', ')}` }),
  setCategory: name,
  assign: email,
  addWatcher: email,
  addCc: email,
  setStatus: z.enum(RULE_STATUSES, { message: `must be one of ${RULE_STATUSES.join(', ')}` }),
  markEmergency: yes,
  suppressAcknowledgement: yes,
  stop: yes,
} as const;

export type ActionKind = keyof typeof ACTION_SCHEMAS;
export type Action = { [K in ActionKind]: { kind: K; value: z.output<(typeof ACTION_SCHEMAS)[K]> } }[ActionKind];

export interface Problem {
  field: string[];
  message: string;
}

export const MAX_CONDITION_DEPTH = 10;
export const MAX_CONDITIONS = 200;
export const MAX_ACTIONS = 50;
export const MAX_LIST_VALUES = 1000;
export const MAX_VALUE_LENGTH = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (items: readonly string[]) => items.join(', ');

/** Checks conditions; returns them typed, or the problems with their paths (nothing partial). */
export function parseConditions(raw: unknown, path: string[] = ['conditions']): { ok: true; value: Condition } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  let count = 0;

  const walk = (node: unknown, at: string[], depth: number): Condition | null => {
    if (++count > MAX_CONDITIONS) {
      if (count === MAX_CONDITIONS + 1) problems.push({ field: at, message: `at most ${MAX_CONDITIONS} conditions per rule` });
      return null;
    }
    if (depth > MAX_CONDITION_DEPTH) {
      problems.push({ field: at, message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep` });
      return null;
    }
    if (!isObject(node)) {
      problems.push({ field: at, message: 'must be an object: {all: [...]}, {any: [...]}, {not: {...}} or {field, operator, value}' });
      return null;
    }
    for (const group of ['all', 'any'] as const) {
      if (group in node) {
        if (Object.keys(node).length !== 1) problems.push({ field: at, message: `"${group}" must be the only key of its object` });
        const items = node[group];
        if (!Array.isArray(items)) {
          problems.push({ field: [...at, group], message: 'must be a list of conditions' });
          return null;
        }
        const children = items.map((child, i) => walk(child, [...at, group, String(i)], depth + 1));
        return children.every((c) => c !== null) ? ({ [group]: children } as Condition) : null;
      }
    }
    if ('not' in node) {
      if (Object.keys(node).length !== 1) problems.push({ field: at, message: '"not" must be the only key of its object' });
      const child = walk(node.not, [...at, 'not'], depth + 1);
      return child ? { not: child } : null;
    }
    return leaf(node, at);
  };

  const leaf = (node: Record<string, unknown>, at: string[]): Condition | null => {
    const unknownKeys = Object.keys(node).filter((k) => !['field', 'operator', 'value', 'header'].includes(k));
    if (unknownKeys.length > 0) {
      problems.push({ field: at, message: `unknown key "${unknownKeys[0]}"; a condition has field, operator, value (and header for field "header")` });
      return null;
    }
    const field = node.field;
    if ((BOOLEAN_FIELDS as readonly unknown[]).includes(field)) {
      if (node.operator !== undefined && node.operator !== 'equals') problems.push({ field: [...at, 'operator'], message: `field "${String(field)}" takes only the operator "equals"` });
      if (typeof node.value !== 'boolean') problems.push({ field: [...at, 'value'], message: `field "${String(field)}" takes true or false` });
      return problems.length > 0 ? null : { field: field as BooleanField, value: node.value as boolean };
    }
    if (!(STRING_FIELDS as readonly unknown[]).includes(field)) {
      problems.push({ field: [...at, 'field'], message: `unknown field ${JSON.stringify(field)}; use one of ${list([...STRING_FIELDS, ...BOOLEAN_FIELDS])}` });
      return null;
    }
    const operator = node.operator;
    if (!(OPERATORS as readonly unknown[]).includes(operator)) {
      problems.push({ field: [...at, 'operator'], message: `unknown operator ${JSON.stringify(operator)}; use one of ${list(OPERATORS)}` });
      return null;
    }
    let header: string | undefined;
    if (field === 'header') {
      if (typeof node.header !== 'string' || !/^[!-9;-~]{1,100}$/.test(node.header)) {
        problems.push({ field: [...at, 'header'], message: 'field "header" needs "header": the header name, e.g. "X-Priority"' });
        return null;
      }
      header = node.header.toLowerCase();
    } else if (node.header !== undefined) {
      problems.push({ field: [...at, 'header'], message: '"header" belongs only to field "header"' });
      return null;
    }
    const value = checkValue(operator as Operator, node.value, [...at, 'value']);
    if (value === null) return null;
    return header === undefined ? { field: field as StringField, operator: operator as Operator, value } : { field: 'header', header, operator: operator as Operator, value };
  };

  const checkValue = (operator: Operator, value: unknown, at: string[]): string | string[] | null => {
    if (operator === 'in') {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES || !value.every((v) => typeof v === 'string' && v.length <= MAX_VALUE_LENGTH)) {
        problems.push({ field: at, message: `operator "in" takes a list of 1 to ${MAX_LIST_VALUES} strings` });
        return null;
      }
      return value as string[];
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
      problems.push({ field: at, message: `operator "${operator}" takes a non-empty string of at most ${MAX_VALUE_LENGTH} characters` });
      return null;
    }
    if (operator === 'matches') {
      const compiled = compileSafeRegex(value);
      if (!compiled.ok) {
        problems.push({ field: at, message: compiled.message });
        return null;
      }
    }
    return value;
  };

  const value = walk(raw, path, 1);
  return value && problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

/** Checks actions: a non-empty list of one-key objects. */
export function parseActions(raw: unknown, path: string[] = ['actions']): { ok: true; value: Action[] } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_ACTIONS) {
    return { ok: false, problems: [{ field: path, message: `must be a list of 1 to ${MAX_ACTIONS} actions such as {"setQueue": "Billing"}` }] };
  }
  const actions: Action[] = [];
  raw.forEach((item, i) => {
    const at = [...path, String(i)];
    const keys = isObject(item) ? Object.keys(item) : [];
    if (!isObject(item) || keys.length !== 1) {
      problems.push({ field: at, message: 'each action is an object with exactly one key, e.g. {"setPriority": "HIGH"}' });
      return;
    }
    const kind = keys[0]!;
    if (!(kind in ACTION_SCHEMAS)) {
      problems.push({ field: at, message: `unknown action "${kind}"; use one of ${list(Object.keys(ACTION_SCHEMAS))}` });
      return;
    }
    const parsed = ACTION_SCHEMAS[kind as ActionKind].safeParse(item[kind]);
    if (!parsed.success) {
      problems.push({ field: [...at, kind], message: `${kind} ${parsed.error.issues[0]?.message ?? 'is invalid'}` });
      return;
    }
    actions.push({ kind, value: parsed.data } as Action);
  });
  return problems.length === 0 ? { ok: true, value: actions } : { ok: false, problems };
}
