/**
 * Turns validated conditions into predicates over a message's facts. Every operator but `matches`
 * compares case-insensitively; fields with several values (to, header, attachmentType) match when
 * any value does; a missing value (no From) never matches.
 */
import type { RE2JS } from 're2js';
import type { MessageFacts } from './facts.js';
import type { Condition, Operator, StringField } from './rule-definition.js';
import { compileSafeRegex } from './safe-regex.js';

export type Predicate = (facts: FactView) => boolean;

/** Facts with lower-cased copies made on first use, shared by all rules for one message. */
export class FactView {
  private readonly lowered = new Map<string, readonly string[]>();

  constructor(readonly facts: MessageFacts) {}

  values(field: StringField, header?: string): readonly string[] {
    const f = this.facts;
    switch (field) {
      case 'from':
        return f.from === null ? [] : [f.from];
      case 'fromDomain':
        return f.fromDomain === null ? [] : [f.fromDomain];
      case 'to':
        return f.to;
      case 'subject':
        return [f.subject];
      case 'body':
        return [f.body];
      case 'header':
        return f.headers.get(header ?? '') ?? [];
      case 'attachmentType':
        return f.attachmentTypes;
      case 'mailbox':
        return [f.mailbox];
    }
  }

  lowerValues(field: StringField, header?: string): readonly string[] {
    const key = header === undefined ? field : `${field}:${header}`;
    let cached = this.lowered.get(key);
    if (!cached) {
      cached = this.values(field, header).map((v) => v.toLowerCase());
      this.lowered.set(key, cached);
    }
    return cached;
  }
}

const TESTS: Record<Exclude<Operator, 'in' | 'matches'>, (value: string, needle: string) => boolean> = {
  contains: (value, needle) => value.includes(needle),
  equals: (value, needle) => value === needle,
  startsWith: (value, needle) => value.startsWith(needle),
  endsWith: (value, needle) => value.endsWith(needle),
};

export function compileCondition(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (facts) => parts.every((p) => p(facts));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (facts) => parts.some((p) => p(facts));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (facts) => !inner(facts);
  }
  if (condition.field === 'hasAttachment' || condition.field === 'isReply') {
    const { field, value } = condition;
    return (view) => view.facts[field] === value;
  }
  const { field, operator, value } = condition;
  const header = 'header' in condition ? condition.header : undefined;
  if (operator === 'matches') {
    const regex: RE2JS = expectRegex(value as string);
    return (view) => view.values(field, header).some((v) => regex.test(v));
  }
  if (operator === 'in') {
    const set = new Set((value as string[]).map((v) => v.toLowerCase()));
    return (view) => view.lowerValues(field, header).some((v) => set.has(v));
  }
  const needle = (value as string).toLowerCase();
  const test = TESTS[operator as keyof typeof TESTS];
  return (view) => view.lowerValues(field, header).some((v) => test(v, needle));
}

function expectRegex(pattern: string): RE2JS {
  const compiled = compileSafeRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.message); // validated before storing; unreachable for stored rules
  return compiled.regex;
}
