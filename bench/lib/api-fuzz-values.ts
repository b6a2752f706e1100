/**
 * Values for `npm run fuzz:api`: what a client could put in each argument of the schema. Mostly
 * plausible ones (the seeded help desk's names, addresses, numbers and ids, and cursors the API
 * handed out), mixed with hostile ones: empty and huge strings, control, bidi and unpaired surrogate
 * characters, NUL, SQL, LIKE, tsquery and regular-expression syntax, markup, extreme numbers,
 * malformed ids, dates and addresses, deep or wide JSON.
 */
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import type { Random } from './mutate.js';

/** What the fuzzer knows of the seeded data, refreshed as it goes. */
export interface KnownValues {
  queues: string[];
  categories: string[];
  rules: string[];
  agentEmails: string[];
  customerEmails: string[];
  ticketNumbers: number[];
  /** ids of any object the API returned, by type (ApiToken, QuarantinedMessage, Attachment, …) */
  ids: Map<string, Set<string>>;
  cursors: Set<string>;
}

export const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', '\t', '\n', '   padded   ', 'a'.repeat(256), 'b'.repeat(1001), 'c'.repeat(70_000), 'é'.repeat(300), '😀'.repeat(200),
  '\u202eevil\u202c.pdf', '\ud800', '\udfff unpaired', 'x\u0000y', '\u0001\u0002\u001f', '\r\nBcc: victim@example.com', 'line\u2028sep', '\ufeffbom',
  "' or '1'='1", '%', '_', '\\', '\\%', '%_%', '$1', '"', "'", '`',
  '!', '&', '|', '(', ')', ':*', '<->', 'a & b', '!!!', '"unterminated', 'a:B', '*', '-', 'or', 'and not', '""', '" "',
  '(a+)+$', '[', '.*', '\\d{1000000}', '(?<x>a)\\k<x>',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(1)',
  '{"a":1}', '[]', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '9'.repeat(40),
  'a@b', '@', 'x@', '@x', 'a@@b', 'AGENT1@BENCH.EXAMPLE', 'x@[127.0.0.1]', '"quoted"@example.com', `${'a'.repeat(65)}@example.com`, `user@${'d'.repeat(300)}.com`,
  `${'a'.repeat(64)}@${`${'b'.repeat(60)}.`.repeat(5)}com`,
  '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '../../etc/passwd', 'C:\\con', '%00', '%2e%2e%2f',
  '2026-13-45', '9999-12-31T23:59:59Z', '0000-00-00',
];

const HOSTILE_IDS = ['0', '-1', '1.5', 'abc', '99999999999999999999', '0x1f', ' 1', '1 ', '', '１', '1e3', String(2 ** 31), String(2 ** 53), 'VGlja2V0OjE='];
const HOSTILE_INTS = [0, 1, -1, 2, 5, 20, 50, 100, 101, 1000, 32_767, 2_147_483_647, -2_147_483_648];
const DATES = ['2026-11-01T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', 'yesterday', '', '2026-11-29T25:00:00Z'];
const WORDS = ['kerberos', 'printer', 'invoice', 'password', 'vpn', '"printer error"', 'printer -error', 'kerberos*', 'refund OR invoice', 'naïve café', 'PRINTER'];
const PROSE = ['Thanks, that fixed it.', 'Please send the invoice again.\n\n> quoted history\n> more', '<p>html <b>looking</b> text</p>', 'Short.'];

const CONDITION_FIELDS = ['from', 'fromDomain', 'to', 'subject', 'body', 'header', 'attachmentType', 'mailbox', 'hasAttachment', 'isReply', 'nope'];
const OPERATORS = ['contains', 'equals', 'startsWith', 'endsWith', 'in', 'matches', 'nope'];
const ACTIONS = ['setQueue', 'setPriority', 'setType', 'setCategory', 'assign', 'addWatcher', 'addCc', 'setStatus', 'markEmergency', 'suppressAcknowledgement', 'stop', 'nope'];

export class ValueMaker {
  constructor(
    private readonly random: Random,
    private readonly known: KnownValues,
  ) {}

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[] | ReadonlySet<T>): T {
    const list = Array.isArray(items) ? items : [...items];
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** A value of `type` for an argument or input field called `name`. */
  value(type: GraphQLInputType, name: string, depth = 0): unknown {
    if (isNonNullType(type)) return this.present(type.ofType, name, depth);
    return this.chance(0.05) ? null : this.present(type, name, depth);
  }

  private present(type: GraphQLInputType, name: string, depth: number): unknown {
    if (isListType(type)) {
      const length = this.chance(0.03) ? 150 : this.pick([0, 1, 1, 2, 3]);
      return Array.from({ length }, () => this.value(type.ofType, name, depth + 1));
    }
    if (isEnumType(type)) return this.chance(0.97) ? this.pick(type.getValues()).name : 'NOT_A_VALUE';
    if (isInputObjectType(type)) {
      const object: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        if (isNonNullType(field.type) || this.chance(0.5)) object[field.name] = this.value(field.type, field.name, depth + 1);
      }
      return object;
    }
    if (!isScalarType(type)) throw new Error(`no value for ${String(type)}`);
    switch (type.name) {
      case 'Int':
        return this.int(name);
      case 'Float':
        return this.chance(0.5) ? this.int(name) : this.random() * 1e6;
      case 'Boolean':
        return this.chance(0.5);
      case 'ID':
        return this.id();
      case 'DateTime':
        return this.pick(DATES);
      case 'JSON':
        return name === 'conditions' && this.chance(0.7) ? this.condition(0) : name === 'actions' && this.chance(0.7) ? this.actions() : this.json(0);
      default:
        return this.string(name);
    }
  }

  int(name: string): number {
    if (name === 'number' && this.known.ticketNumbers.length && this.chance(0.75)) return this.pick(this.known.ticketNumbers);
    if ((name === 'first' || name === 'last') && this.chance(0.7)) return this.pick([0, 1, 5, 20, 50, 100]);
    return this.chance(0.8) ? this.pick(HOSTILE_INTS) : Math.floor(this.random() * 2_000) - 100;
  }

  id(): string {
    if (this.chance(0.6)) {
      const pool = [...this.known.ids.values()].flatMap((ids) => [...ids]);
      if (pool.length) return this.pick(pool);
    }
    return this.chance(0.5) ? String(Math.floor(this.random() * 50)) : this.pick(HOSTILE_IDS);
  }

  string(name: string): string {
    if (this.chance(0.35)) return this.pick(HOSTILE_STRINGS);
    const lower = name.toLowerCase();
    const k = this.known;
    if (/email|assignee|requester|approver/.test(lower)) {
      const email = this.pick(this.chance(0.6) ? k.agentEmails : k.customerEmails.length ? k.customerEmails : k.agentEmails);
      return this.chance(0.15) ? ` ${email.toUpperCase()} ` : email;
    }
    if (/after|before|cursor/.test(lower) && k.cursors.size) return this.pick(k.cursors);
    if (/search|keyword/.test(lower)) return this.pick(WORDS);
    if (/body|message|note|reason|detail|subject|label/.test(lower)) return this.pick(PROSE);
    if (/queue/.test(lower)) return this.pick(k.queues);
    if (/category/.test(lower) && k.categories.length) return this.pick(k.categories);
    if (lower === 'name' || lower === 'names') return this.pick([...k.queues, ...k.categories, ...k.rules, 'Fuzz Queue', 'Fuzz Category', 'Fuzz Rule']);
    return this.pick(WORDS);
  }

  /** A rule condition, mostly well-formed, sometimes nested or broken. */
  condition(depth: number): unknown {
    if (depth < 4 && this.chance(0.3)) {
      const group = this.pick(['all', 'any', 'not', 'none']);
      if (group === 'not') return { not: this.condition(depth + 1) };
      return { [group]: Array.from({ length: this.pick([0, 1, 2, 3]) }, () => this.condition(depth + 1)) };
    }
    const field = this.pick(CONDITION_FIELDS);
    const condition: Record<string, unknown> = { field, operator: this.pick(OPERATORS) };
    if (field === 'header') condition.header = this.pick(['X-Priority', 'Subject', '', 'x'.repeat(300)]);
    condition.value = this.chance(0.2) ? this.json(2) : this.chance(0.2) ? [this.string('keyword'), this.string('keyword')] : field === 'hasAttachment' || field === 'isReply' ? this.chance(0.5) : this.string('keyword');
    return condition;
  }

  actions(): unknown {
    return Array.from({ length: this.pick([0, 1, 2, 3]) }, () => {
      const action = this.pick(ACTIONS);
      const value =
        /queue/i.test(action) ? this.pick(this.known.queues)
        : /assign|watcher|cc/i.test(action) ? this.string('email')
        : /priority|type|status/i.test(action) ? this.pick(['HIGH', 'LOW', 'URGENT', 'INCIDENT', 'OPEN', 'CLOSED', 'PENDING_APPROVAL', 'nope'])
        : this.chance(0.8) ? true : this.json(2);
      return { [action]: value };
    });
  }

  /** Any JSON: scalars, arrays and objects, now and then very deep or very wide. */
  json(depth: number): unknown {
    const roll = this.random();
    if (depth === 0 && roll < 0.03) return Array.from({ length: 2_000 }, (_, i) => i);
    if (depth === 0 && roll < 0.06) {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 60; i++) deep = { all: [deep] };
      return deep;
    }
    if (depth >= 3 || roll < 0.5) return this.pick<unknown>([0, -1, 1.5, true, false, null, 'text', this.pick(HOSTILE_STRINGS)]);
    if (roll < 0.75) return Array.from({ length: this.pick([0, 1, 2]) }, () => this.json(depth + 1));
    return Object.fromEntries(Array.from({ length: this.pick([0, 1, 2]) }, () => [this.pick(['field', 'value', 'all', 'any', '__proto__', 'x']), this.json(depth + 1)]));
  }
}
