import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { MAX_CONDITION_DEPTH, parseActions, parseConditions } from '../../../src/routing/rule-definition.js';
import { compileStoredRule } from '../../../src/routing/rule-set.js';
import { FactView } from '../../../src/routing/conditions.js';

const problem = (result: { ok: boolean; problems?: { field: string[]; message: string }[] }) => (result.ok ? null : result.problems![0]!);

describe('rule validation', () => {
  it('names an unknown field, operator or action and where it is', () => {
    expect(problem(parseConditions({ all: [{ field: 'colour', operator: 'equals', value: 'red' }] }))).toEqual({
      field: ['conditions', 'all', '0', 'field'],
      message: expect.stringMatching(/^unknown field "colour"; use one of from, fromDomain, to, subject/),
    });
    expect(problem(parseConditions({ field: 'subject', operator: 'like', value: 'x' }))).toEqual({
      field: ['conditions', 'operator'],
      message: expect.stringMatching(/^unknown operator "like"/),
    });
    expect(problem(parseActions([{ setPriority: 'HIGH' }, { setColour: 'red' }]))).toEqual({
      field: ['actions', '1'],
      message: expect.stringMatching(/^unknown action "setColour"; use one of setQueue/),
    });
    expect(problem(parseActions([{ setPriority: 'SOON' }]))?.message).toMatch(/^setPriority must be one of LOW, NORMAL, HIGH, URGENT/);
    expect(problem(parseActions([{ setStatus: 'PENDING_APPROVAL' }]))?.message).toMatch(/^setStatus must be one of OPEN, IN_PROGRESS/);
    expect(problem(parseActions([{ assign: 'not an address' }]))?.message).toMatch(/email address/);
    expect(problem(parseActions([{ setQueue: 'A', setPriority: 'HIGH' }]))?.message).toMatch(/exactly one key/);
    expect(problem(parseActions([]))?.message).toMatch(/list of 1 to/);
  });

  it('refuses malformed values, unknown keys and over-deep nesting', () => {
    expect(problem(parseConditions({ field: 'from', operator: 'in', value: 'a@example.com' }))?.message).toMatch(/takes a list/);
    expect(problem(parseConditions({ field: 'subject', operator: 'contains', value: '' }))?.message).toMatch(/non-empty string/);
    expect(problem(parseConditions({ field: 'header', operator: 'equals', value: '1' }))?.message).toMatch(/needs "header"/);
    expect(problem(parseConditions({ field: 'hasAttachment', value: 'yes' }))?.message).toMatch(/true or false/);
    expect(problem(parseConditions({ field: 'subject', operator: 'contains', value: 'x', colour: 1 }))?.message).toMatch(/unknown key "colour"/);
    expect(problem(parseConditions({ all: [], any: [] }))?.message).toMatch(/only key/);
    expect(problem(parseConditions('subject contains x'))?.message).toMatch(/must be an object/);
    let deep: unknown = { field: 'subject', operator: 'contains', value: 'x' };
    for (let i = 0; i < MAX_CONDITION_DEPTH; i++) deep = { not: deep };
    expect(problem(parseConditions(deep))?.message).toMatch(/nest at most 10 deep/);
  });

  it('refuses regular expressions that are invalid or need backtracking', () => {
    expect(problem(parseConditions({ field: 'subject', operator: 'matches', value: '(unclosed' }))?.message).toMatch(/invalid or unsafe regular expression/);
    expect(problem(parseConditions({ field: 'subject', operator: 'matches', value: '(a)\\1' }))?.message).toMatch(/invalid or unsafe regular expression/);
    expect(problem(parseConditions({ field: 'subject', operator: 'matches', value: '(?=a)a' }))?.message).toMatch(/invalid or unsafe regular expression/);
    expect(parseConditions({ field: 'subject', operator: 'matches', value: '^\\[(urgent|sev ?1)\\]' }).ok).toBe(true);
  });

  // A backtracking engine needs ~2^n steps for (a+)+$ against "aaa…a!" and would not finish for
  // n = 100,000 in the lifetime of the machine; RE2 is linear. The test's own timeout (10 s) is the
  // bound, so a regression to a backtracking engine fails here rather than hanging CI.
  it('runs a hostile pattern against a hostile input in linear time (ReDoS)', { timeout: 10_000 }, () => {
    const rule = compileStoredRule({ name: 'evil', conditions: { field: 'body', operator: 'matches', value: '(a+)+$' }, actions: [{ stop: true }] });
    expect(rule).not.toBeNull();
    const hostile = `${'a'.repeat(100_000)}!`;
    const view = new FactView({ from: null, fromDomain: null, to: [], subject: '', body: hostile, headers: new Map(), hasAttachment: false, attachmentTypes: [], mailbox: 'm', isReply: false });
    expect(rule!.test(view)).toBe(false);
    expect(RE2JS.compile('(x+x+)+y').matcher('x'.repeat(50_000)).find()).toBe(false);
  });
});
