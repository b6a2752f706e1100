/** Bearer-token authentication and role checks on a real gateway (TESTPLAN S18 in part). */
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../../src/auth/tokens.js';
import { ApiToken, Person } from '../../../src/entities/index.js';
import { Role } from '../../../src/entities/enums.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';

let gw: TestApp;

async function token(email: string, role: Role): Promise<string> {
  const em = gw.app.state.orm!.em.fork();
  const { secret } = await issueToken(em, { email, role });
  await em.flush();
  return secret;
}

const QUEUES = `{ queues { name keywords emailAddress defaultAssignee { email } agents { email } } }`;
const CREATE = `mutation($input: CreateQueueInput!) {
  createQueue(input: $input) { queue { id name keywords emailAddress defaultAssignee { email } agents { email } } userErrors { field message } }
}`;

beforeAll(async () => {
  gw = await startTestApp();
});
afterAll(() => gw.stop());

describe('GraphQL authentication', () => {
  it('creates an admin token on first start, in a 0600 file, and answers queries with it', async () => {
    expect(gw.adminToken).toMatch(/^pd_/);
    const file = join(gw.config.dataDir, 'admin-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(gw.adminToken);
    const response = await gql<{ queues: { name: string }[] }>(gw.url, gw.adminToken, QUEUES);
    expect(response.errors).toBeUndefined();
    expect(response.data?.queues.map((q) => q.name)).toEqual(['General']);
  });

  it('refuses a request without a token, or with an unknown one, with UNAUTHENTICATED and no data', async () => {
    for (const bad of [null, 'pd_not-a-real-token', 'x'.repeat(5000)]) {
      const response = await gql(gw.url, bad, QUEUES);
      expect(response.status).toBe(401);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('stops accepting a revoked token on the next request', async () => {
    const secret = await token('revoked@example.com', Role.ADMIN);
    expect((await gql(gw.url, secret, QUEUES)).errors).toBeUndefined();
    const em = gw.app.state.orm!.em.fork();
    await em.nativeUpdate(ApiToken, { person: { email: 'revoked@example.com' } }, { revokedAt: new Date() });
    expect((await gql(gw.url, secret, QUEUES)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("stops accepting a deactivated agent's token", async () => {
    const secret = await token('leaver@example.com', Role.AGENT);
    expect((await gql(gw.url, secret, QUEUES)).errors).toBeUndefined();
    await gw.app.state.orm!.em.fork().nativeUpdate(Person, { email: 'leaver@example.com' }, { active: false });
    expect((await gql(gw.url, secret, QUEUES)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stores only hashes: no plaintext token anywhere in the database', async () => {
    const secrets = await Promise.all(Array.from({ length: 20 }, (_, i) => token(`many${i}@example.com`, Role.AGENT)));
    const client = new pg.Client({ connectionString: gw.databaseUrl });
    await client.connect();
    const dump = await client.query<{ row: string }>(
      `select row_to_json(t)::text as row from (select * from api_token) t union all select row_to_json(p)::text from person p`,
    );
    await client.end();
    const text = dump.rows.map((r) => r.row).join('\n');
    for (const secret of [...secrets, gw.adminToken]) expect(text).not.toContain(secret.slice(3));
    const logs = gw.logLines().join('\n');
    for (const secret of [...secrets, gw.adminToken]) expect(logs).not.toContain(secret);
  });
});

describe('queues over GraphQL', () => {
  it('lets an admin create a queue with keywords, an address and a default assignee', async () => {
    await token('alice@example.com', Role.AGENT);
    const response = await gql<{ createQueue: { queue: Record<string, unknown>; userErrors: unknown[] } }>(gw.url, gw.adminToken, CREATE, {
      input: { name: 'Billing', keywords: ['invoice', 'Refund', 'refund', 'credit note'], emailAddress: 'Billing@Example.com', defaultAssignee: 'ALICE@example.com' },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data?.createQueue.userErrors).toEqual([]);
    expect(response.data?.createQueue.queue).toMatchObject({
      name: 'Billing',
      keywords: ['invoice', 'refund', 'credit note'],
      emailAddress: 'billing@example.com',
      defaultAssignee: { email: 'alice@example.com' },
      agents: [{ email: 'alice@example.com' }],
    });
  });

  it('returns validation failures as userErrors with the field, storing nothing', async () => {
    const response = await gql<{ createQueue: { queue: unknown; userErrors: { field: string[]; message: string }[] } }>(gw.url, gw.adminToken, CREATE, {
      input: { name: 'Billing', emailAddress: 'billing@example.com', defaultAssignee: 'nobody@example.com' },
    });
    expect(response.data?.createQueue.queue).toBeNull();
    expect(response.data?.createQueue.userErrors).toEqual([
      { field: ['name'], message: 'a queue named "Billing" already exists' },
      { field: ['emailAddress'], message: 'another queue already receives mail for billing@example.com' },
      { field: ['defaultAssignee'], message: 'no active agent has the address nobody@example.com' },
    ]);
    const blank = await gql<{ createQueue: { userErrors: { field: string[] }[] } }>(gw.url, gw.adminToken, CREATE, { input: { name: '  ', emailAddress: 'nope' } });
    expect(blank.data?.createQueue.userErrors.map((e) => e.field)).toEqual([['name'], ['emailAddress']]);
  });

  it('rejects malformed GraphQL input with BAD_USER_INPUT', async () => {
    const response = await gql(gw.url, gw.adminToken, CREATE, { input: { keywords: 'not-a-list-and-no-name' } });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('forbids agents to create queues and shows them only their own queues', async () => {
    const agent = await token('alice@example.com', Role.AGENT);
    const refused = await gql(gw.url, agent, CREATE, { input: { name: 'Sneaky' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data ?? null).toBeNull();
    const visible = await gql<{ queues: { name: string }[] }>(gw.url, agent, QUEUES);
    expect(visible.data?.queues.map((q) => q.name)).toEqual(['Billing']);
    const stranger = await token('stranger@example.com', Role.AGENT);
    expect((await gql<{ queues: unknown[] }>(gw.url, stranger, QUEUES)).data?.queues).toEqual([]);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${gw.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'NOT_FOUND', message: 'no route GET /nowhere' });
  });
});
