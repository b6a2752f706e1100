/**
 * Issue 5 item 2 and TESTPLAN S14/S15, driven by the schema itself: every root field whose
 * `@Authorized` roles leave out AGENT is called over real HTTP by an agent (one who works a queue,
 * so the refusal is about the role, not about membership), with made-up but well-typed arguments,
 * and must come back FORBIDDEN with no data, changing nothing. Every root field called without a
 * token must come back UNAUTHENTICATED. The list is read from the built schema and type-graphql's
 * metadata, never written out, so a new admin query or mutation is covered the day it is added.
 */
import type { GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../../src/entities/enums.js';
import { buildGraphQLSchema } from '../../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { probe, rootFields } from '../../harness/schema-probe.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Described {
  schemaName: string;
  roles?: Role[];
}

let gw: TestApp;
let schema: GraphQLSchema;
let agent: string;
/** `Query.x` / `Mutation.x` → the roles its resolver declares. */
const roles = new Map<string, Role[] | undefined>();

beforeAll(async () => {
  schema = await buildGraphQLSchema();
  // type-graphql keeps its metadata (roles resolved while building) on this global.
  const storage = (globalThis as unknown as { TypeGraphQLMetadataStorage: { queries: Described[]; mutations: Described[] } }).TypeGraphQLMetadataStorage;
  for (const q of storage.queries) roles.set(`Query.${q.schemaName}`, q.roles);
  for (const m of storage.mutations) roles.set(`Mutation.${m.schemaName}`, m.roles);

  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  const admin = gw.adminToken;
  const must = async (query: string, variables?: Record<string, unknown>) => {
    const response = await gql<Data>(gw.url, admin, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!;
  };
  await must(`mutation { createAgent(input: { email: "walker@example.com", name: "Walker", role: AGENT }) { agent { email } } }`);
  await must(`mutation { createQueue(input: { name: "Walked" }) { queue { name } } }`);
  await must(`mutation { addQueueAgent(queue: "Walked", email: "walker@example.com") { queue { name } } }`);
  agent = (await must(`mutation { createApiToken(input: { email: "walker@example.com" }) { secret } }`)).createApiToken.secret;
});
afterAll(async () => {
  await gw?.stop();
});

/** What an agent must never change: queues and their people, staff, tokens, rules, categories, quarantine. */
const STATE = `{ queues { name keywords emailAddress defaultAssignee { email } agents { email } watchers { email } }
  agents { email name role active queues } apiTokens { id revokedAt } rules { name enabled position }
  categories { name requiresApproval approver { email } } quarantinedMessages { totalCount } }`;

describe('schema walk over HTTP', () => {
  it('walks the schema the gateway serves', async () => {
    const served = await gql<Data>(gw.url, gw.adminToken, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`);
    const names = [
      ...served.data!.__schema.queryType.fields.map((f: Data) => `Query.${f.name}`),
      ...served.data!.__schema.mutationType.fields.map((f: Data) => `Mutation.${f.name}`),
    ].sort();
    expect(rootFields(schema).map((f) => f.name).sort()).toEqual(names);
    // Every root field has a declared rule (the unit schema walk checks the table; this one uses it).
    expect(rootFields(schema).filter((f) => roles.get(f.name) === undefined).map((f) => f.name)).toEqual([]);
  });

  it('refuses every root field that AGENT may not call to an agent with FORBIDDEN, and nothing changes', async () => {
    const before = await gql<Data>(gw.url, gw.adminToken, STATE);
    expect(before.errors).toBeUndefined();
    const adminOnly = rootFields(schema).filter((f) => !(roles.get(f.name) ?? []).includes(Role.AGENT));
    // The admin surface today (queues, agents, tokens, rules, categories, quarantine …); a shrinking
    // walk would mean the metadata is not read, not that the API got smaller.
    expect(adminOnly.length).toBeGreaterThanOrEqual(25);
    const wrong: string[] = [];
    for (const { name, root, field } of adminOnly) {
      const { query, variables } = probe(root, field);
      const response = await gql<Data>(gw.url, agent, query, variables);
      const code = response.errors?.[0]?.extensions?.code;
      if (code !== 'FORBIDDEN' || (response.data?.[field.name] ?? null) !== null) wrong.push(`${name}: ${code ?? 'no error'} ${JSON.stringify(response).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    console.log(`[schema walk] ${adminOnly.length} admin-only root fields refused to an agent: ${adminOnly.map((f) => f.name).join(', ')}`);
    const after = await gql<Data>(gw.url, gw.adminToken, STATE);
    expect(after.data).toEqual(before.data);
  });

  it('proves the probes reach the resolver: the same calls as ADMIN are not refused', async () => {
    // An admin gets past the role check, so a FORBIDDEN above came from the role and not from a
    // probe the server could not even parse. Read-only fields only: mutations would change the state.
    for (const { root, field } of rootFields(schema).filter((f) => f.root === 'Query')) {
      const { query, variables } = probe(root, field);
      const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
      expect(response.errors?.map((e) => e.extensions?.code) ?? [], field.name).not.toContain('FORBIDDEN');
      expect(response.errors?.map((e) => e.extensions?.code) ?? [], field.name).not.toContain('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('answers every root field without a token with UNAUTHENTICATED and no data', async () => {
    for (const { name, root, field } of rootFields(schema)) {
      const { query, variables } = probe(root, field);
      const response = await gql<Data>(gw.url, null, query, variables);
      expect(response.status, name).toBe(401);
      expect(response.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
      expect(response.data ?? null, name).toBeNull();
    }
  });
});
