/**
 * The work-list filters of tickets(): unassigned (what nobody has taken yet), created in a range,
 * changed since a client last looked; and ticketCounts.unassigned. Real HTTP, real PostgreSQL,
 * tickets from the real ingest pipeline; an agent sees only the tickets of their queues.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let agent: string;
const n: Record<string, number> = {};

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);

async function numbers(token: string, filter: Record<string, unknown>): Promise<number[]> {
  const data = await ok(token, `query($f: TicketFilter) { tickets(filter: $f, first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount edges { node { number } } } }`, { f: filter });
  expect(data.tickets.totalCount).toBe(data.tickets.edges.length);
  return data.tickets.edges.map((e: Data) => e.node.number);
}

async function ingest(key: string, subject: string, createdAt: string): Promise<void> {
  const outcome = await h.ingest(await buildMail({ from: `${key}@customer.test`, subject }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  n[key] = outcome.ticketNumber;
  // Known instants, so the ranges below have exact answers.
  await queryDatabase(gw.databaseUrl, 'update ticket set created_at = $1, updated_at = $1 where number = $2', [createdAt, outcome.ticketNumber]);
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'agent@example.com');
  await ok(gw.adminToken, `mutation { createQueue(input: { name: "Billing" }) { userErrors { message } } }`);
  await ingest('mon', 'Printer jam', '2026-11-02T09:00:00Z');
  await ingest('tue', 'VPN down', '2026-11-03T09:00:00Z');
  await ingest('wed', 'Invoice wrong', '2026-11-04T09:00:00Z');
  await ingest('thu', 'Laptop slow', '2026-11-05T09:00:00Z');
  await ok(agent, `mutation { assignToMe(number: ${n.tue}) { userErrors { message } } }`);
  await ok(gw.adminToken, `mutation { updateTicket(number: ${n.wed}, input: { queue: "Billing" }) { userErrors { message } } }`);
  await ok(gw.adminToken, `mutation { closeTicket(number: ${n.thu}) { userErrors { message } } }`);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('ticket filters', () => {
  it('finds what nobody has taken yet, and what someone has', async () => {
    expect(await numbers(gw.adminToken, { unassigned: true })).toEqual([n.mon, n.wed, n.thu]);
    expect(await numbers(gw.adminToken, { unassigned: true, status: ['OPEN'] })).toEqual([n.mon, n.wed]);
    expect(await numbers(gw.adminToken, { unassigned: false })).toEqual([n.tue]);
    // An agent's work list: their queue only (Billing's ticket is not theirs).
    expect(await numbers(agent, { unassigned: true, status: ['OPEN'] })).toEqual([n.mon]);
  });

  it('takes a created range as half-open, so consecutive days count each ticket once', async () => {
    expect(await numbers(gw.adminToken, { createdAfter: '2026-11-03T00:00:00Z', createdBefore: '2026-11-04T00:00:00Z' })).toEqual([n.tue]);
    expect(await numbers(gw.adminToken, { createdAfter: '2026-11-03T09:00:00Z', createdBefore: '2026-11-04T09:00:00Z' })).toEqual([n.tue]);
    expect(await numbers(gw.adminToken, { createdAfter: '2026-11-04T09:00:00Z' })).toEqual([n.wed, n.thu]);
    expect(await numbers(gw.adminToken, { createdBefore: '2026-11-02T09:00:00Z' })).toEqual([]);
  });

  it('finds what changed since a client last looked', async () => {
    const since = new Date().toISOString();
    expect(await numbers(gw.adminToken, { updatedAfter: since })).toEqual([]);
    await ok(gw.adminToken, `mutation { addNote(number: ${n.mon}, body: "Toner ordered.") { userErrors { message } } }`);
    expect(await numbers(gw.adminToken, { updatedAfter: since })).toEqual([n.mon]);
    expect(await numbers(agent, { updatedAfter: '2026-11-01T00:00:00Z', unassigned: true })).toEqual([n.mon, n.thu]); // thu was closed today
  });

  it('answers for the extreme instants a DateTime can name', async () => {
    expect(await numbers(gw.adminToken, { createdAfter: '0001-01-01T00:00:00Z', createdBefore: '9999-12-31T23:59:59Z' })).toEqual([n.mon, n.tue, n.wed, n.thu]);
    expect(await numbers(gw.adminToken, { updatedAfter: '9999-12-31T23:59:59Z' })).toEqual([]);
  });

  it('refuses an instant that is not a date-time, naming it', async () => {
    const response = await gql(gw.url, gw.adminToken, `{ tickets(filter: { createdAfter: "last tuesday" }) { totalCount } }`);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.message).toContain('DateTime');
  });

  it('counts the open tickets nobody is assigned to, per caller and per queue', async () => {
    const all = await ok(gw.adminToken, `{ ticketCounts { unassigned total closed } }`);
    expect(all.ticketCounts).toEqual({ unassigned: 2, total: 4, closed: 1 }); // mon, wed; thu is closed
    expect((await ok(gw.adminToken, `{ ticketCounts(queue: "Billing") { unassigned } }`)).ticketCounts.unassigned).toBe(1);
    expect((await ok(agent, `{ ticketCounts { unassigned total } }`)).ticketCounts).toEqual({ unassigned: 1, total: 3 });
  });
});
