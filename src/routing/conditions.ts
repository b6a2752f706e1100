/**
 * Turns validated conditions into predicates over a message's facts. Every operator but `matches`
 * compares case-insensitively; fields with several values (to, header, attachmentType) match when
 * any value does; a missing value (no From) never matches.
 */
import { RE2JS } from 're2js';
import type { MessageFacts } from './facts.js';
import type { Condition, Operator, StringField } from './rule-definition.js';
import { compileSafeRegex } from './safe-regex.js';
import { NON_ASCII } from './text.js';

export type Predicate = (facts: FactView) => boolean;

/**
 * All `matches` patterns of a rule set that look at the same field, joined into one alternation.
 * Scanning a 4 KB body costs re2js about the same for one pattern as for twenty, so one scan per field
 * answers "could any of them match?" and the common "no" skips every individual scan. Exact: the
 * alternation matches a value if and only if one of the patterns does.
 *
 * The body's `contains` needles join the same scan as quoted literals: for ASCII text and an ASCII
 * needle, RE2's case-insensitive literal matches exactly when the lower-cased text includes the
 * lower-cased needle, so a "no" is trusted for ASCII bodies only (FactView.mayContain).
 */
export class RegexPrefilter {
  private readonly patterns = new Map<string, string[]>();
  private readonly combined = new Map<string, RE2JS | null>();

  /** Only ASCII needles of long fields are worth a place in the scan; the caller asks here. */
  static joinsLiteral(field: StringField, needle: string): boolean {
    return field === 'body' && !NON_ASCII.test(needle);
  }

  addLiteral(key: string, needle: string): void {
    this.add(key, RE2JS.quote(needle));
  }

  add(key: string, pattern: string): void {
    const list = this.patterns.get(key) ?? [];
    list.push(pattern);
    this.patterns.set(key, list);
  }

  /** The joined pattern for a field, or null when there is only one (or joining fails). */
  for(key: string): RE2JS | null {
    if (!this.combined.has(key)) {
      const list = this.patterns.get(key) ?? [];
      // Each pattern in its own group, so inline flags such as (?-i) stay scoped to it.
      const joined = list.length > 1 ? compileSafeRegex(list.map((p) => `(?:${p})`).join('|'), Number.POSITIVE_INFINITY) : null;
      this.combined.set(key, joined?.ok ? joined.regex : null);
    }
    return this.combined.get(key)!;
  }
}

/** One field's values for one message: as sent, lower-cased, and the prefilter's answers. */
interface FieldValues {
  readonly values: readonly string[];
  lowered?: readonly string[];
  /** Per value: false when no `matches` pattern or body `contains` needle of the rule set can match it. */
  regexMayMatch?: readonly boolean[];
  /** Per value: false when the scan proves no joined `contains` needle occurs in it. */
  mayContain?: readonly boolean[];
}

/** Facts with lower-cased copies and prefilter answers made on first use, shared by all rules for one message. */
export class FactView {
  private readonly fields = new Map<string, FieldValues>();

  constructor(
    readonly facts: MessageFacts,
    private readonly prefilter: RegexPrefilter | null = null,
  ) {}

  /** `key` is fieldKey(field, header), computed once when the rule is compiled. */
  field(key: string, field: StringField, header: string | undefined): FieldValues {
    let entry = this.fields.get(key);
    if (!entry) {
      entry = { values: this.read(field, header) };
      this.fields.set(key, entry);
    }
    return entry;
  }

  lowered(key: string, field: StringField, header: string | undefined): readonly string[] {
    const entry = this.field(key, field, header);
    return (entry.lowered ??= entry.values.map((v) => v.toLowerCase()));
  }

  regexMayMatch(key: string, field: StringField, header: string | undefined): readonly boolean[] {
    const entry = this.field(key, field, header);
    if (!entry.regexMayMatch) {
      const combined = this.prefilter?.for(key) ?? null;
      entry.regexMayMatch = entry.values.map((v) => combined === null || combined.test(v));
    }
    return entry.regexMayMatch;
  }

  /** Per value: false when the prefilter proves that no joined `contains` needle occurs in it. */
  mayContain(key: string, field: StringField, header: string | undefined): readonly boolean[] {
    const entry = this.field(key, field, header);
    if (!entry.mayContain) {
      const maybe = this.regexMayMatch(key, field, header);
      entry.mayContain = entry.values.map((v, i) => maybe[i] === true || NON_ASCII.test(v));
    }
    return entry.mayContain;
  }

  private read(field: StringField, header: string | undefined): readonly string[] {
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
}

const TESTS: Record<Exclude<Operator, 'in' | 'matches'>, (value: string, needle: string) => boolean> = {
  contains: (value, needle) => value.includes(needle),
  equals: (value, needle) => value === needle,
  startsWith: (value, needle) => value.startsWith(needle),
  endsWith: (value, needle) => value.endsWith(needle),
};

const fieldKey = (field: StringField, header?: string) => (header === undefined ? field : `${field}:${header}`);

/** @param prefilter collects this condition's patterns, for rule sets compiled as a whole */
export function compileCondition(condition: Condition, prefilter?: RegexPrefilter): Predicate {
  const compile = (c: Condition) => compileCondition(c, prefilter);
  if ('all' in condition) {
    const parts = condition.all.map(compile);
    return (facts) => parts.every((p) => p(facts));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compile);
    return (facts) => parts.some((p) => p(facts));
  }
  if ('not' in condition) {
    const inner = compile(condition.not);
    return (facts) => !inner(facts);
  }
  if (condition.field === 'hasAttachment' || condition.field === 'isReply') {
    const { field, value } = condition;
    return (view) => view.facts[field] === value;
  }
  const { field, operator, value } = condition;
  const header = 'header' in condition ? condition.header : undefined;
  const key = fieldKey(field, header);
  if (operator === 'matches') {
    const regex: RE2JS = expectRegex(value as string);
    prefilter?.add(key, value as string);
    return (view) => {
      const maybe = view.regexMayMatch(key, field, header);
      const values = view.field(key, field, header).values;
      for (let i = 0; i < values.length; i++) if (maybe[i] && regex.test(values[i]!)) return true;
      return false;
    };
  }
  if (operator === 'in') {
    const set = new Set((value as string[]).map((v) => v.toLowerCase()));
    return (view) => {
      for (const v of view.lowered(key, field, header)) if (set.has(v)) return true;
      return false;
    };
  }
  const needle = (value as string).toLowerCase();
  if (operator === 'contains' && prefilter && RegexPrefilter.joinsLiteral(field, needle)) {
    prefilter.addLiteral(key, needle);
    return (view) => {
      const maybe = view.mayContain(key, field, header);
      const lowered = view.lowered(key, field, header);
      for (let i = 0; i < lowered.length; i++) if (maybe[i] && lowered[i]!.includes(needle)) return true;
      return false;
    };
  }
  const test = TESTS[operator as keyof typeof TESTS];
  return (view) => {
    for (const v of view.lowered(key, field, header)) if (test(v, needle)) return true;
    return false;
  };
}

function expectRegex(pattern: string): RE2JS {
  const compiled = compileSafeRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.message); // validated before storing; unreachable for stored rules
  return compiled.regex;
}
