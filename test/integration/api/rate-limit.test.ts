/**
 * TESTPLAN S16, "aliases count against the rate limit one by one": a real gateway with
 * GRAPHQL_RATE_LIMIT=100 root fields a minute per token. Five requests of 20 aliases spend the
 * whole budget (a request of N aliases costs N, not 1), the sixth is refused with RATE_LIMITED and
 * HTTP 429. The bucket refills at 100/min, i.e. 20 root fields in 12 s: the test needs far less,
 * and it asserts counts (which requests pass), never times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/graphql/limits.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';

const BUDGET = 100;
let gw: TestApp;

beforeAll(async () => {
  gw = await startTestApp({ GRAPHQL_RATE_LIMIT: String(BUDGET) });
});
afterAll(async () => {
  await gw?.stop();
});

const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `q${i}: queues { name }`).join(' ')} }`;

async function post(token: string, query: string) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

async function agentToken(email: string): Promise<string> {
  await gql(gw.url, gw.adminToken, `mutation($i: CreateAgentInput!) { createAgent(input: $i) { agent { email } } }`, { i: { email, role: 'AGENT' } });
  const created = await gql<{ createApiToken: { secret: string } }>(gw.url, gw.adminToken, `mutation { createApiToken(input: { email: "${email}" }) { secret } }`);
  return created.data!.createApiToken.secret;
}

describe('rate limit per token (S16)', () => {
  it(`charges one per root field: ${BUDGET / LIMITS.maxAliases} requests of ${LIMITS.maxAliases} aliases spend a budget of ${BUDGET}, the next is refused with 429`, async () => {
    const token = await agentToken('ratey@example.com');
    // Requests the query limits refuse (too many aliases) execute nothing and spend nothing.
    for (let i = 0; i < 10; i++) {
      const refused = await post(token, aliased(LIMITS.maxAliases + 1));
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.reason).toBe('QUERY_LIMIT_EXCEEDED');
    }
    // A request of N aliases costs N: five requests of 20 use the whole budget of 100 ...
    for (let i = 0; i < BUDGET / LIMITS.maxAliases; i++) {
      const passed = await post(token, aliased(LIMITS.maxAliases));
      expect(passed.status, `request ${i + 1}`).toBe(200);
      expect(passed.body.errors, `request ${i + 1}`).toBeUndefined();
    }
    // ... so the sixth is refused (were aliases free, only 5 of 100 would be spent).
    const refused = await post(token, aliased(LIMITS.maxAliases));
    expect(refused.status).toBe(429);
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors).toHaveLength(1);
    const error = refused.body.errors![0]!;
    expect(error.extensions?.code).toBe('RATE_LIMITED');
    expect(error.extensions).not.toHaveProperty('http');
    expect(error.message).toContain(`${BUDGET} root fields a minute`);
    const retryAfter = Number(refused.retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.extensions?.retryAfterSeconds).toBe(retryAfter);

    // The budget is the token's: another token (the admin's) is untouched.
    const other = await post(gw.adminToken, aliased(LIMITS.maxAliases));
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });

  it('charges mutations and fragments the same way, and __typename not at all', async () => {
    const token = await agentToken('frag@example.com');
    const spread = `{ ...F } fragment F on Query { ${Array.from({ length: LIMITS.maxAliases }, (_, i) => `m${i}: me { email }`).join(' ')} }`;
    for (let i = 0; i < BUDGET / LIMITS.maxAliases; i++) expect((await post(token, spread)).status, `request ${i + 1}`).toBe(200);
    // __typename alone touches nothing and is free even with the budget spent.
    const free = await post(token, '{ __typename }');
    expect(free.status).toBe(200);
    expect(free.body.data).toEqual({ __typename: 'Query' });
    const closes = `mutation { a: closeTicket(number: 1) { userErrors { message } } b: closeTicket(number: 2) { userErrors { message } } }`;
    const refused = await post(token, closes);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('charges a bulk command one per ticket, so bulk cannot multiply the budget', async () => {
    const token = await agentToken('bulky@example.com');
    const bulk = (n: number) => `mutation { updateTickets(numbers: [${Array.from({ length: n }, (_, i) => 900_000 + i).join(', ')}], input: { priority: LOW }) { userErrors { message } } }`;
    // 60 + 40 of a budget of 100 (the numbers are unknown: charged all the same, before anything runs).
    expect((await post(token, bulk(60))).status).toBe(200);
    expect((await post(token, bulk(40))).status).toBe(200);
    const refused = await post(token, bulk(1));
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
