/**
 * The routing bench's rule set: 500 rules in the mix of a plausible large installation, 50 queues ×
 * 20 keywords, and 4 KB messages that some of them match. Deterministic (seeded), so runs compare.
 */
import { randomBytes } from 'node:crypto';
import { prng, textMail } from './mail.js';

export const RULES = 500;
export const QUEUES = 50;
export const KEYWORDS_PER_QUEUE = 20;

/** Words that occur in the bench messages (bench/lib/mail.ts) and some that never do. */
const REAL = ['invoice', 'printer', 'password', 'refund', 'login', 'server', 'payment', 'export', 'upload', 'subscription'];
const random = prng(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const fake = (i: number) => `zq${i.toString(36)}x`;

export interface StoredRule {
  name: string;
  conditions: unknown;
  actions: unknown;
}

export function queueDefinitions(): { name: string; keywords: string[] }[] {
  return Array.from({ length: QUEUES }, (_, q) => ({
    name: `Queue ${q}`,
    keywords: Array.from({ length: KEYWORDS_PER_QUEUE }, (_, k) => {
      if (k === 0) return REAL[q % REAL.length]!;
      if (k === 1) return `${pick(REAL)} ${pick(REAL)}`; // a phrase
      return fake(q * 100 + k);
    }),
  }));
}

/** The mix of a plausible large installation; printed so the figure can be judged. */
export const MIX: [count: number, what: string, make: (i: number) => unknown][] = [
  [150, 'fromDomain in a list of 10', (i) => ({ field: 'fromDomain', operator: 'in', value: Array.from({ length: 10 }, (_, k) => `c${i}-${k}.example`) })],
  [100, 'subject contains', (i) => ({ field: 'subject', operator: 'contains', value: fake(i) })],
  [80, 'from equals', (i) => ({ field: 'from', operator: 'equals', value: `vip${i}@customer.test` })],
  [60, 'header equals', (i) => ({ field: 'header', header: 'X-Mailer', operator: 'equals', value: `Mailer ${i}` })],
  [50, 'subject matches a regex', (i) => ({ field: 'subject', operator: 'matches', value: `^\\[(${fake(i)}|sev\\s*${i})\\]` })],
  [30, 'all(subject startsWith, not hasAttachment, to endsWith)', (i) => ({ all: [{ field: 'subject', operator: 'startsWith', value: fake(i) }, { not: { field: 'hasAttachment', value: true } }, { field: 'to', operator: 'endsWith', value: '@example.com' }] })],
  [20, 'body contains', (i) => ({ field: 'body', operator: 'contains', value: `order ${fake(i)}` })],
  [8, 'body matches a regex', (i) => ({ field: 'body', operator: 'matches', value: `(ref|case)[ #-]*${i}\\d{4}` })],
  [2, 'any(subject contains a real word) — these match', () => ({ any: [{ field: 'subject', operator: 'contains', value: 'invoice' }, { field: 'subject', operator: 'contains', value: 'printer' }] })],
];

export function ruleDefinitions(): StoredRule[] {
  const rules: StoredRule[] = [];
  for (const [count, what, make] of MIX) {
    for (let i = 0; i < count; i++) {
      const n = rules.length;
      rules.push({ name: `${what} #${i}`, conditions: make(n), actions: [{ setPriority: pick(['LOW', 'HIGH', 'NORMAL']) }, { setQueue: `Queue ${n % QUEUES}` }] });
    }
  }
  if (rules.length !== RULES) throw new Error(`rule mix adds up to ${rules.length}, not ${RULES}`);
  return rules;
}

export function benchMessage(i: number): Buffer {
  const subject = `${pick(['Help with', 'Problem:', 'Question about', 'Re: your'])} ${pick(REAL)} ${pick(['today', 'again', 'since monday'])}`;
  return textMail({ from: `Customer ${i} <customer${i}@c${i % 37}.test>`, subject, size: 4096, seed: i + 1, messageId: `${randomBytes(10).toString('hex')}@customer.test` });
}

