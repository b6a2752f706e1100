/**
 * The per-token budget of root fields (src/graphql/rate-limit.ts) with a hand-driven clock, so
 * the counts are exact. The HTTP behaviour (429, Retry-After, aliases) is tested in
 * test/integration/api/rate-limit.test.ts.
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { TokenBucketLimiter, rootFieldCount } from '../../src/graphql/rate-limit.js';

const roots = (query: string) => {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return rootFieldCount(document, operation);
};

describe('root field count', () => {
  it('counts every alias, through fragments, once per response key, and __typename for free', () => {
    expect(roots('{ queues { name } }')).toBe(1);
    expect(roots('{ a: ticket(number: 1) { id } b: ticket(number: 2) { id } c: ticket(number: 3) { id } }')).toBe(3);
    expect(roots('{ queues { name } queues { id } __typename }')).toBe(1);
    expect(roots('{ ...F ... on Query { x: me { email } } } fragment F on Query { queues { name } y: queues { id } }')).toBe(3);
    expect(roots('{ ...F ...F } fragment F on Query { queues { name } }')).toBe(1);
    expect(roots('mutation { a: closeTicket(number: 1) { userErrors { message } } b: closeTicket(number: 2) { userErrors { message } } }')).toBe(2);
  });
});

describe('token bucket', () => {
  it('spends N for a request of N, refuses what exceeds the rest without spending, and refills over the minute', () => {
    let t = 0;
    const limiter = new TokenBucketLimiter(60, () => t);
    expect(limiter.take(1, 20)).toEqual({ ok: true, remaining: 40 });
    expect(limiter.take(1, 20)).toEqual({ ok: true, remaining: 20 });
    expect(limiter.take(1, 20)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take(1, 1)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take(1, 5)).toEqual({ ok: false, retryAfterSeconds: 5 });
    // Another token has its own budget.
    expect(limiter.take(2, 60)).toEqual({ ok: true, remaining: 0 });
    t += 10_000; // 10 s refill 10 root fields
    expect(limiter.take(1, 11)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take(1, 10)).toEqual({ ok: true, remaining: 0 });
    t += 3_600_000; // never more than the budget
    expect(limiter.take(1, 60)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take(3, 61)).toEqual({ ok: false, retryAfterSeconds: 60 });
  });
});

describe('GRAPHQL_RATE_LIMIT', () => {
  it('defaults to 600 a minute, 0 turns it off, anything but a whole number ≥ 0 stops start-up', () => {
    expect(loadConfig({}).graphqlRateLimit).toBe(600);
    expect(loadConfig({ GRAPHQL_RATE_LIMIT: '0' }).graphqlRateLimit).toBe(0);
    expect(loadConfig({ GRAPHQL_RATE_LIMIT: '5000' }).graphqlRateLimit).toBe(5000);
    for (const [value, problem] of [
      ['-1', 'GRAPHQL_RATE_LIMIT: must not be negative'],
      ['1.5', 'GRAPHQL_RATE_LIMIT: must be a whole number of root fields per minute'],
      ['lots', 'GRAPHQL_RATE_LIMIT: must be a whole number of root fields per minute'],
    ]) {
      expect(() => loadConfig({ GRAPHQL_RATE_LIMIT: value! }), value).toThrow(ConfigError);
      try {
        loadConfig({ GRAPHQL_RATE_LIMIT: value! });
      } catch (error) {
        expect((error as ConfigError).problems, value).toEqual([problem]);
      }
    }
  });
});
