import { describe, expect, it } from 'vitest';
import { Priority, TicketStatus, TicketType } from '../../../src/entities/enums.js';
import { RegexPrefilter } from '../../../src/routing/conditions.js';
import { decide, type RuleSet } from '../../../src/routing/decide.js';
import type { MessageFacts } from '../../../src/routing/facts.js';
import { KeywordIndex } from '../../../src/routing/keywords.js';
import { compileStoredRule } from '../../../src/routing/rule-set.js';

function facts(overrides: Partial<MessageFacts> = {}): MessageFacts {
  return {
    from: 'alice@customer.example',
    fromDomain: 'customer.example',
    to: ['support@example.com'],
    subject: 'Printer broken',
    body: 'The printer on floor 2 shows error 42.',
    headers: new Map([['x-priority', ['1 (Highest)']], ['x-mailer', ['Outlook 16']]]),
    hasAttachment: false,
    attachmentTypes: [],
    mailbox: 'support',
    isReply: false,
    ...overrides,
  };
}

type RuleSpec = { name: string; conditions: unknown; actions: unknown };

function ruleSet(rules: RuleSpec[], extra: Partial<RuleSet> = {}): RuleSet {
  const queues = extra.queues ?? [
    { name: 'General', emailAddress: null, defaultAssignee: null },
    { name: 'Billing', emailAddress: 'billing@example.com', defaultAssignee: 'bob@example.com' },
    { name: 'Hardware', emailAddress: null, defaultAssignee: null },
  ];
  const prefilter = new RegexPrefilter();
  return {
    prefilter,
    rules: rules.map((r) => {
      const compiled = compileStoredRule(r, prefilter);
      if (!compiled) throw new Error(`test rule ${r.name} is invalid`);
      return compiled;
    }),
    queues,
    keywords: new KeywordIndex([{ name: 'Hardware', keywords: ['printer'] }, { name: 'Billing', keywords: ['invoice'] }]),
    categories: new Map([['Access', true], ['Hardware', false]]),
    defaultQueue: 'General',
    ...extra,
  };
}

const leaf = (field: string, operator: string, value: unknown, header?: string) => ({ field, operator, value, ...(header ? { header } : {}) });
const matches = (condition: unknown, f: MessageFacts = facts()) =>
  decide(ruleSet([{ name: 'r', conditions: condition, actions: [{ setPriority: 'HIGH' }] }]), f, { emergency: false }).matchedRules.length === 1;

describe('rule conditions', () => {
  it.each([
    ['contains', 'subject', 'PRINTER', true],
    ['contains', 'subject', 'scanner', false],
    ['equals', 'from', 'ALICE@customer.example', true],
    ['equals', 'from', 'alice@customer', false],
    ['startsWith', 'subject', 'print', true],
    ['startsWith', 'subject', 'broken', false],
    ['endsWith', 'fromDomain', '.EXAMPLE', true],
    ['endsWith', 'fromDomain', '.com', false],
    ['in', 'fromDomain', ['other.example', 'Customer.Example'], true],
    ['in', 'fromDomain', ['other.example'], false],
    ['matches', 'body', 'error\\s+\\d+', true],
    ['matches', 'body', '^error', false],
  ])('%s on %s %j → %s', (operator, field, value, expected) => {
    expect(matches(leaf(field, operator, value))).toBe(expected);
  });

  it('looks at every field', () => {
    expect(matches(leaf('to', 'equals', 'support@example.com'))).toBe(true);
    expect(matches(leaf('header', 'startsWith', '1', 'X-Priority'))).toBe(true);
    expect(matches(leaf('header', 'contains', 'outlook', 'x-mailer'))).toBe(true);
    expect(matches(leaf('header', 'contains', 'x', 'X-Missing'))).toBe(false);
    expect(matches(leaf('mailbox', 'equals', 'support'))).toBe(true);
    expect(matches({ field: 'hasAttachment', value: true })).toBe(false);
    expect(matches({ field: 'hasAttachment', value: true }, facts({ hasAttachment: true }))).toBe(true);
    expect(matches(leaf('attachmentType', 'equals', 'application/pdf'), facts({ hasAttachment: true, attachmentTypes: ['application/pdf'] }))).toBe(true);
    expect(matches({ field: 'isReply', operator: 'equals', value: false })).toBe(true);
    expect(matches(leaf('from', 'contains', 'x'), facts({ from: null, fromDomain: null }))).toBe(false);
  });

  it('combines with all, any and not', () => {
    const printer = leaf('subject', 'contains', 'printer');
    const scanner = leaf('subject', 'contains', 'scanner');
    expect(matches({ all: [printer, scanner] })).toBe(false);
    expect(matches({ any: [printer, scanner] })).toBe(true);
    expect(matches({ not: scanner })).toBe(true);
    expect(matches({ all: [printer, { not: { any: [scanner, leaf('from', 'endsWith', '@customer.example')] } }] })).toBe(false);
    expect(matches({ all: [] })).toBe(true);
    expect(matches({ any: [] })).toBe(false);
  });
});

describe('regular expressions joined per field', () => {
  it('match exactly as they would one by one, inline flags staying scoped to their pattern', () => {
    const rule = (name: string, value: string) => ({ name, conditions: { field: 'subject', operator: 'matches', value }, actions: [{ addWatcher: `${name}@example.com` }] });
    const set = ruleSet([rule('a', '^(?-i)URGENT'), rule('b', 'printer\\s+\\d+'), rule('c', 'broken$'), rule('d', '^never$')]);
    const matched = (subject: string) => decide(set, facts({ subject }), { emergency: false }).matchedRules.map((r) => r.name);
    expect(matched('URGENT: printer 7 broken')).toEqual(['a', 'b', 'c']);
    expect(matched('urgent: Printer 7 is BROKEN')).toEqual(['b', 'c']); // (?-i) kept URGENT case-sensitive
    expect(matched('nothing here')).toEqual([]);
    expect(matched('never')).toEqual(['d']);
  });
});

describe('body contains joined into the same scan', () => {
  it('finds exactly what includes() finds, for ASCII and non-ASCII bodies', () => {
    const rule = (name: string, value: string) => ({ name, conditions: { field: 'body', operator: 'contains', value }, actions: [{ setPriority: 'HIGH' }] });
    const set = ruleSet([rule('a', 'Order 42'), rule('b', 'a.b*c'), rule('c', 'ümlaut'), { name: 'd', conditions: { field: 'body', operator: 'matches', value: 'ref\\d+' }, actions: [{ setPriority: 'LOW' }] }]);
    const matched = (body: string) => decide(set, facts({ body }), { emergency: false }).matchedRules.map((r) => r.name);
    expect(matched('your ORDER 42 shipped')).toEqual(['a']);
    expect(matched('literal a.b*c here, not a regex')).toEqual(['b']);
    expect(matched('abbbc')).toEqual([]);
    expect(matched('Ein ÜMLAUT und order 42 und REF7')).toEqual(['a', 'c', 'd']); // non-ASCII body: the scan's "no" is not trusted for needles
    expect(matched('nothing at all')).toEqual([]);
  });
});

describe('rule evaluation', () => {
  const always = { all: [] };

  it('runs rules in order; later actions override earlier ones', () => {
    const d = decide(
      ruleSet([
        { name: 'first', conditions: always, actions: [{ setPriority: 'HIGH' }, { setType: 'PROBLEM' }] },
        { name: 'second', conditions: always, actions: [{ setPriority: 'LOW' }] },
      ]),
      facts(),
      { emergency: false },
    );
    expect(d.priority).toBe(Priority.LOW);
    expect(d.type).toBe(TicketType.PROBLEM);
    expect(d.matchedRules.map((r) => r.name)).toEqual(['first', 'second']);
    expect(d.steps.map((s) => s.text)).toEqual(
      expect.arrayContaining(["rule 'first' set priority HIGH", "rule 'second' set priority LOW", "rule 'first' set type PROBLEM"]),
    );
  });

  it('stops at a rule with stop', () => {
    const d = decide(
      ruleSet([
        { name: 'vip', conditions: leaf('fromDomain', 'equals', 'customer.example'), actions: [{ setPriority: 'HIGH' }, { stop: true }] },
        { name: 'later', conditions: always, actions: [{ setPriority: 'LOW' }] },
      ]),
      facts(),
      { emergency: false },
    );
    expect(d.priority).toBe(Priority.HIGH);
    expect(d.matchedRules.map((r) => r.name)).toEqual(['vip']);
  });

  it('applies every action', () => {
    const d = decide(
      ruleSet([
        {
          name: 'all actions',
          conditions: always,
          actions: [
            { setQueue: 'Billing' },
            { setPriority: 'HIGH' },
            { setType: 'CHANGE' },
            { setCategory: 'Hardware' },
            { assign: 'Carol@Example.com' },
            { addWatcher: 'dave@example.com' },
            { addCc: 'erin@example.com' },
            { setStatus: 'IN_PROGRESS' },
            { suppressAcknowledgement: true },
          ],
        },
      ]),
      facts(),
      { emergency: false },
    );
    expect(d).toMatchObject({
      queue: 'Billing',
      priority: Priority.HIGH,
      type: TicketType.CHANGE,
      category: 'Hardware',
      assignee: 'carol@example.com',
      watchers: ['dave@example.com'],
      ccs: ['erin@example.com'],
      status: TicketStatus.IN_PROGRESS,
      acknowledge: false,
      emergency: false,
    });
  });

  it('uses keywords only when no rule set a queue; queue addresses come before keywords', () => {
    const byRule = decide(ruleSet([{ name: 'to general', conditions: always, actions: [{ setQueue: 'General' }] }]), facts(), { emergency: false });
    expect(byRule.queue).toBe('General');
    expect(byRule.keywordHits).toEqual([]);

    const byKeyword = decide(ruleSet([]), facts(), { emergency: false });
    expect(byKeyword.queue).toBe('Hardware');
    expect(byKeyword.steps).toContainEqual(expect.objectContaining({ actor: 'keyword:printer', kind: 'queue', value: 'Hardware' }));

    const byAddress = decide(ruleSet([]), facts({ to: ['billing@example.com'] }), { emergency: false });
    expect(byAddress.queue).toBe('Billing');
    expect(byAddress.assignee).toBe('bob@example.com'); // the queue's default assignee

    const byDefault = decide(ruleSet([]), facts({ subject: 'Hello', body: 'Hi' }), { emergency: false });
    expect(byDefault.queue).toBe('General');
    expect(byDefault.steps).toContainEqual(expect.objectContaining({ actor: 'default', value: 'General' }));
  });

  it('makes an emergency URGENT INCIDENT whatever rules say, while rules may add watchers', () => {
    const d = decide(
      ruleSet([{ name: 'low', conditions: always, actions: [{ setPriority: 'LOW' }, { setType: 'QUESTION' }, { addWatcher: 'boss@example.com' }, { setStatus: 'CLOSED' }] }]),
      facts(),
      { emergency: true },
    );
    expect(d).toMatchObject({ priority: Priority.URGENT, type: TicketType.INCIDENT, watchers: ['boss@example.com'], status: TicketStatus.OPEN, emergency: true });
  });

  it('lets a rule mark an emergency', () => {
    const d = decide(ruleSet([{ name: 'sev1', conditions: leaf('subject', 'contains', 'broken'), actions: [{ markEmergency: true }] }]), facts(), { emergency: false });
    expect(d).toMatchObject({ emergency: true, priority: Priority.URGENT, type: TicketType.INCIDENT });
    expect(d.steps).toContainEqual(expect.objectContaining({ actor: 'rule:sev1', kind: 'emergency' }));
  });

  it('starts a ticket whose category requires approval in PENDING_APPROVAL, except an emergency', () => {
    const access = ruleSet([{ name: 'access', conditions: always, actions: [{ setCategory: 'Access' }, { setStatus: 'IN_PROGRESS' }] }]);
    expect(decide(access, facts(), { emergency: false }).status).toBe(TicketStatus.PENDING_APPROVAL);
    expect(decide(access, facts(), { emergency: true }).status).toBe(TicketStatus.IN_PROGRESS);
  });
});
