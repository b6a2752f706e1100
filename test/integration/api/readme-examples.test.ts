/**
 * README.md's GraphQL section, proven: the five common admin tasks between the
 * `readme-examples` markers run in order against a real gateway, once as the ```graphql blocks
 * (over HTTP, as the IDE would send them) and once as the ```sh curl lines (run by a real shell
 * and curl, with $TOKEN set and the URL pointed at the test gateway). Each must answer without
 * errors or userErrors and have its effect. Every other ```graphql block of the section is at
 * least validated against the schema, so the README cannot drift from it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraphQLSchema } from '../../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const run = promisify(execFile);

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SECTION = /\n## GraphQL\n([\s\S]*?)(?=\n## )/.exec(README)?.[1] ?? '';
const MARKED = /<!-- readme-examples: start -->([\s\S]*?)<!-- readme-examples: end -->/.exec(SECTION)?.[1] ?? '';
const blocks = (text: string, language: string) => [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const TASKS = blocks(MARKED, 'graphql');
const CURLS = blocks(MARKED, 'sh');
/** Where README's examples point; the test swaps in its own gateway. */
const README_URL = 'http://127.0.0.1:4000';

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildGraphQLSchema();
});

/** Every `userErrors` list anywhere in a response, flattened. */
function userErrors(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(userErrors);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => (key === 'userErrors' && Array.isArray(v) ? v : userErrors(v)));
  }
  return [];
}

/** A fresh gateway with one customer ticket (#1) in the default queue, as on a new install after the first mail. */
async function freshInstall(): Promise<TestApp> {
  const gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  const h = await createIngestHarness({}, gw.databaseUrl);
  try {
    const outcome = await h.ingest(await buildMail({ from: 'Dana Customer <dana@customer.test>', subject: 'Charged twice this month', text: 'My card was charged twice.' }));
    expect(outcome).toMatchObject({ kind: 'ticket', ticketNumber: 1 });
  } finally {
    await h.close();
  }
  return gw;
}

/** The effects of the five tasks, checked as the admin after either way of running them. */
async function expectEffects(gw: TestApp): Promise<void> {
  const response = await gql<Data>(
    gw.url,
    gw.adminToken,
    `{ me { email } agents { email name role active } apiTokens(email: "alice@example.com") { role revokedAt }
       queues { name keywords emailAddress agents { email } watchers { email } }
       ticket(number: 1) { status queue { name } assignee { email } messages { direction bodyText }
         events { kind from to actor { email } } }
       ticketCounts { waitingForCustomer } }`,
  );
  expect(response.errors).toBeUndefined();
  const d = response.data!;
  // 1. An active agent with a token of the AGENT role.
  expect(d.agents.find((a: Data) => a.email === 'alice@example.com')).toEqual({ email: 'alice@example.com', name: 'Alice Example', role: 'AGENT', active: true });
  expect(d.apiTokens).toEqual([{ role: 'AGENT', revokedAt: null }]);
  // 2. The queue with its keywords, address, agent and watcher.
  expect(d.queues.find((q: Data) => q.name === 'Billing')).toEqual({
    name: 'Billing',
    keywords: ['invoice', 'refund', 'payment'],
    emailAddress: 'billing@example.com',
    agents: [{ email: 'alice@example.com' }],
    watchers: [{ email: 'alice@example.com' }],
  });
  // 3. Reassigned, each change an event by the admin.
  expect(d.ticket.queue.name).toBe('Billing');
  expect(d.ticket.assignee.email).toBe('alice@example.com');
  const byAdmin = d.ticket.events.filter((e: Data) => e.actor?.email === d.me.email).map((e: Data) => e.kind);
  expect(byAdmin).toEqual(expect.arrayContaining(['queue', 'assignee', 'status']));
  expect(d.ticket.events.find((e: Data) => e.kind === 'queue' && e.actor?.email === d.me.email)).toMatchObject({ to: 'Billing' });
  // 4. The reply is the newest message, outbound, and the ticket waits for the customer.
  expect(d.ticket.messages.at(-1)).toMatchObject({ direction: 'OUTBOUND' });
  expect(d.ticket.messages.at(-1).bodyText).toContain('We refunded the double charge');
  expect(d.ticket.status).toBe('WAITING_FOR_CUSTOMER');
  // 5. Counted as waiting.
  expect(d.ticketCounts.waitingForCustomer).toBe(1);
}

describe('README GraphQL section', () => {
  it('has the five admin tasks, each as a GraphQL block and a curl line', () => {
    expect(SECTION).not.toBe('');
    expect(TASKS).toHaveLength(5);
    expect(CURLS).toHaveLength(5);
    for (const curl of CURLS) expect(curl).toContain(`${README_URL}/graphql`);
  });

  it('has only GraphQL that is valid against the schema, in every block of the section', () => {
    const all = blocks(SECTION, 'graphql');
    expect(all.length).toBeGreaterThan(TASKS.length);
    for (const block of all) expect(validate(schema, parse(block)).map((e) => e.message), block).toEqual([]);
  });

  describe('the GraphQL blocks, run in order as the admin', () => {
    let gw: TestApp;
    const results: Data[] = [];
    beforeAll(async () => {
      gw = await freshInstall();
    });
    afterAll(async () => {
      await gw?.stop();
    });

    it('answer without errors or userErrors', async () => {
      for (const [i, task] of TASKS.entries()) {
        const response = await gql<Data>(gw.url, gw.adminToken, task);
        expect(response.errors, `task ${i + 1}: ${JSON.stringify(response.errors)}`).toBeUndefined();
        expect(userErrors(response.data), `task ${i + 1}`).toEqual([]);
        results.push(response.data!);
      }
    });

    it('have their effects: the agent, their working token, the queue, the reassignment, the reply, the waiting list', async () => {
      await expectEffects(gw);
      // Task 1's secret is a working token of the new agent.
      const secret = results[0]!.createApiToken.secret as string;
      expect(secret).toMatch(/^pd_/);
      const me = await gql<Data>(gw.url, secret, '{ me { email role queues } }');
      expect(me.data?.me).toEqual({ email: 'alice@example.com', role: 'AGENT', queues: ['Billing'] });
      // Task 5 lists ticket #1 as waiting.
      const waiting = results[4]!;
      expect(waiting.ticketCounts.waitingForCustomer).toBe(1);
      expect(waiting.tickets.totalCount).toBe(1);
      expect(waiting.tickets.edges[0].node).toMatchObject({ number: 1, subject: 'Charged twice this month', requester: { email: 'dana@customer.test' }, assignee: { email: 'alice@example.com' }, queue: { name: 'Billing' } });
    });
  });

  describe('the curl lines, run in order by a shell', () => {
    let gw: TestApp;
    const outputs: Data[] = [];
    beforeAll(async () => {
      gw = await freshInstall();
    });
    afterAll(async () => {
      await gw?.stop();
    });

    it('answer without errors or userErrors', async () => {
      for (const [i, curl] of CURLS.entries()) {
        const { stdout } = await run('sh', ['-c', curl.replaceAll(README_URL, gw.url)], { env: { ...process.env, TOKEN: gw.adminToken } });
        const body = JSON.parse(stdout) as { data?: Data; errors?: unknown[] };
        expect(body.errors, `curl ${i + 1}: ${stdout}`).toBeUndefined();
        expect(userErrors(body.data), `curl ${i + 1}`).toEqual([]);
        outputs.push(body.data!);
      }
    });

    it('have the same effects', async () => {
      await expectEffects(gw);
      expect(outputs[0]!.createApiToken.secret).toMatch(/^pd_/);
      expect(outputs[4]!.tickets.edges.map((e: Data) => e.node.number)).toEqual([1]);
    });
  });
});
