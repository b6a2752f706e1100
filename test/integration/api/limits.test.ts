/**
 * Query limits, introspection and error hygiene over real HTTP against a real gateway
 * (TESTPLAN S16, S17, S20). Real: PostgreSQL, fastify, Apollo. Nothing is mocked.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/graphql/limits.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql, type GraphQLResponse } from '../../harness/graphql-client.js';

let dev: TestApp;
let production: TestApp;

beforeAll(async () => {
  [dev, production] = await Promise.all([
    startTestApp(),
    // The test database runs without fsync; production mode would refuse it otherwise.
    startTestApp({ NODE_ENV: 'production', REQUIRE_DURABLE_DATABASE: 'false' }),
  ]);
});
afterAll(async () => {
  await Promise.all([dev?.stop(), production?.stop()]);
});

function expectLimit(response: GraphQLResponse, limit: string): void {
  expect(response.status).toBe(400);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_LIMIT_EXCEEDED', limit });
}

/** `{ __type(name: "Ticket") { fields { type { ofType { … name } } } } }`, `depth` fields deep. */
function typeChain(depth: number): string {
  const inner = Array.from({ length: depth - 3 }, () => 'ofType').reduceRight((acc, field) => `${field} { ${acc} }`, 'name');
  return `{ __type(name: "Ticket") { fields { ${inner} } } }`.replace('fields { ofType', 'fields { type');
}

const ABUSE = `{ tickets(first: 100) { edges { node { messages { attachments { id } } } } } }`;
const PAGE_OF_50 = `{ tickets(first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { number subject status updatedAt queue { name } requester { email name } assignee { email name }
    messages { bodyText createdAt } } } } }`;

describe('query limits', () => {
  it(`accepts a query ${LIMITS.maxDepth} fields deep and refuses one level deeper`, async () => {
    const ok = await gql(dev.url, dev.adminToken, typeChain(LIMITS.maxDepth));
    expect(ok.errors).toBeUndefined();
    const refused = await gql(dev.url, dev.adminToken, typeChain(LIMITS.maxDepth + 1));
    expectLimit(refused, 'depth');
    expect(refused.errors?.[0]?.message).toContain(`depth limit of ${LIMITS.maxDepth}`);
  });

  it('refuses nested-list abuse by estimated cost, with a literal page size or one passed as a variable', async () => {
    expectLimit(await gql(dev.url, dev.adminToken, ABUSE), 'cost');
    const viaVariable = `query($n: Int) { tickets(first: $n) { edges { node { messages { attachments { id } } } } } }`;
    expectLimit(await gql(dev.url, dev.adminToken, viaVariable, { n: 100 }), 'cost');
    // The same shape over a small page is fine.
    expect((await gql(dev.url, dev.adminToken, viaVariable, { n: 5 })).errors).toBeUndefined();
  });

  it('adds up the cost of aliased pages: 15 × quarantinedMessages(first: 100) is refused, 5 × pass', async () => {
    const page = 'quarantinedMessages(first: 100) { edges { node { id reason reasonCode door mailbox createdAt attempts size sha256 } } }';
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: ${page}`).join(' ')} }`;
    expectLimit(await gql(dev.url, dev.adminToken, aliased(15)), 'cost');
    expect((await gql(dev.url, dev.adminToken, aliased(5))).errors).toBeUndefined();
  });

  it('lets a normal page of 50 tickets with queue, requester, assignee and messages through', async () => {
    const response = await gql(dev.url, dev.adminToken, PAGE_OF_50);
    expect(response.errors).toBeUndefined();
    expect(response.status).toBe(200);
  });

  it(`accepts ${LIMITS.maxAliases} aliases and refuses more (1,000 aliases of ticket included)`, async () => {
    const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
    expect((await gql(dev.url, dev.adminToken, aliases(LIMITS.maxAliases, 'queues { name }'))).errors).toBeUndefined();
    expectLimit(await gql(dev.url, dev.adminToken, aliases(LIMITS.maxAliases + 1, 'queues { name }')), 'aliases');
    expectLimit(await gql(dev.url, dev.adminToken, aliases(1000, 'ticket(number: 1) { id }')), 'aliases');
  });

  it('refuses fragment fan-out (many spreads of many fields) by node count', async () => {
    // Each level doubles the fields to visit without any alias: 2^12 spreads of F0.
    const levels = 12;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ... on Query { ...F${i + 1} } }`);
    fragments.push(`fragment F${levels} on Query { queues { name } }`);
    const response = await gql(dev.url, dev.adminToken, `{ ...F0 } ${fragments.join(' ')}`);
    expectLimit(response, 'nodes');
  });

  it('refuses a batched request (a JSON array of operations), even a small one', async () => {
    const batch = Array.from({ length: 20 }, () => ({ query: '{ queues { name } }' }));
    const response = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.adminToken}` },
      body: JSON.stringify(batch),
    });
    expectLimit({ status: response.status, ...((await response.json()) as object) }, 'batch');
    const pair = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.adminToken}` },
      body: JSON.stringify(batch.slice(0, 2)),
    });
    expect(pair.status).toBe(400);
  });

  it('leaves variables of the wrong type to Apollo: BAD_USER_INPUT naming the variable, not a limit', async () => {
    const response = await gql(dev.url, dev.adminToken, `query($n: Int) { quarantinedMessages(first: $n) { totalCount } }`, { n: 'many' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions).not.toHaveProperty('limit');
    expect(response.errors?.[0]?.message).toContain('$n');
  });

  it(`stops parsing a document of more than ${LIMITS.maxTokens} tokens`, async () => {
    const huge = `{ queues { ${'name '.repeat(LIMITS.maxTokens)} } }`;
    const response = await gql(dev.url, dev.adminToken, huge);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    // graphql-js spells it "more that N tokens".
    expect(response.errors?.[0]?.message).toMatch(new RegExp(`more tha[nt] ${LIMITS.maxTokens} tokens`));
  });
});

describe('introspection', () => {
  const INTROSPECT = `{ __schema { queryType { name } types { name } } }`;

  it('is on by default outside production', async () => {
    const response = await gql<{ __schema: { queryType: { name: string } } }>(dev.url, dev.adminToken, INTROSPECT);
    expect(response.errors).toBeUndefined();
    expect(response.data?.__schema.queryType.name).toBe('Query');
  });

  it('is off by default in production, for __schema and __type alike', async () => {
    for (const query of [INTROSPECT, `{ __type(name: "Query") { name } }`]) {
      const response = await gql(production.url, production.adminToken, query);
      expect(response.status).toBe(400);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
    }
  });

  it('can be turned on in production with GRAPHQL_INTROSPECTION=true', async () => {
    const app = await startTestApp({ NODE_ENV: 'production', REQUIRE_DURABLE_DATABASE: 'false', GRAPHQL_INTROSPECTION: 'true' });
    try {
      const response = await gql(app.url, app.adminToken, INTROSPECT);
      expect(response.errors).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});

describe('error hygiene', () => {
  const MALFORMED = ['{ queues { name ', '{ queuez { name } }', '{ queues { nme } }', 'query { queues(first: "x") { name } }', 'mutation { createQueue }', '{ queues { ...Missing } }'];

  it('sends no stack traces and no "did you mean" hints in production, for malformed queries', async () => {
    for (const query of MALFORMED) {
      const response = await gql(production.url, production.adminToken, query);
      expect(response.status, query).toBe(400);
      const text = JSON.stringify(response);
      expect(text, query).not.toMatch(/stacktrace|Did you mean|\/work\/|node_modules|\.ts:\d|\.js:\d/);
      expect(response.errors?.[0]?.extensions?.code, query).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    }
  });

  it('keeps the hints outside production, where introspection shows the schema anyway', async () => {
    const response = await gql(dev.url, dev.adminToken, '{ queuez { name } }');
    expect(response.errors?.[0]?.message).toContain('Did you mean "queues"?');
  });

  it('answers an internal failure with a generic message: no SQL, no stack, no paths; the log has the details', async () => {
    const client = new pg.Client({ connectionString: production.databaseUrl });
    await client.connect();
    // A real failure inside the resolver: the table it reads is gone for a moment.
    await client.query('alter table queue rename to queue_away');
    let response: GraphQLResponse;
    try {
      response = await gql(production.url, production.adminToken, '{ queues { name } }');
    } finally {
      await client.query('alter table queue_away rename to queue');
      await client.end();
    }
    expect(response.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(response.errors?.[0]?.message).toBe('Internal server error');
    expect(JSON.stringify(response)).not.toMatch(/stacktrace|select|queue_away|relation|\/work\/|node_modules|\.ts:\d|\.js:\d/i);
    expect(production.logLines().join('\n')).toMatch(/relation .*queue.* does not exist/);
  });

  it('includes stack traces only when LOG_LEVEL=debug', async () => {
    const debug = await startTestApp({ LOG_LEVEL: 'debug' });
    try {
      const withStack = await gql(debug.url, debug.adminToken, '{ queues { name ');
      expect(withStack.errors?.[0]?.extensions?.stacktrace).toBeInstanceOf(Array);
      const withoutStack = await gql(dev.url, dev.adminToken, '{ queues { name ');
      expect(withoutStack.errors?.[0]?.extensions).not.toHaveProperty('stacktrace');
    } finally {
      await debug.stop();
    }
  });
});

describe('CSRF (S20)', () => {
  it('refuses a mutation sent as GET', async () => {
    const query = encodeURIComponent('mutation { createQueue(input: { name: "via-get" }) { queue { name } } }');
    const response = await fetch(`${dev.url}/graphql?query=${query}`, {
      headers: { authorization: `Bearer ${dev.adminToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
    const queues = await gql<{ queues: { name: string }[] }>(dev.url, dev.adminToken, '{ queues { name } }');
    expect(queues.data?.queues.map((q) => q.name)).not.toContain('via-get');
  });

  it('refuses a text/plain POST that a cross-site form could send without a preflight', async () => {
    const response = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${dev.adminToken}` },
      body: JSON.stringify({ query: 'mutation { createQueue(input: { name: "via-form" }) { queue { name } } }' }),
    });
    expect(response.status).toBe(400);
    const queues = await gql<{ queues: { name: string }[] }>(dev.url, dev.adminToken, '{ queues { name } }');
    expect(queues.data?.queues.map((q) => q.name)).not.toContain('via-form');
  });
});
