/**
 * Issue 4, item 3: a ticket whose category requires approval is decided by ADMIN, the category's
 * approver, or the ticket's queue's designated approver (Queue.approver, set with createQueue /
 * updateQueue). The approval request mail goes to the designated approvers when there are any,
 * else to the admins. Tickets arrive through the real ingest pipeline; GraphQL over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, type GraphQLResponse } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let dave: string; // approver of the Changes queue, works no queue
let erin: string; // approver of the "Server change" category
let frank: string; // agent of the Changes queue, approver of nothing

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const q = (token: string | null, query: string, variables?: Record<string, unknown>) => gql<Data>(gw.url, token, query, variables);
async function ok(token: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
  const r = await q(token, query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!;
}
const expectCode = (r: GraphQLResponse, code: string) => expect(r.errors?.[0]?.extensions?.code, JSON.stringify(r)).toBe(code);

async function agentToken(email: string): Promise<string> {
  await ok(gw.adminToken, `mutation($i: CreateAgentInput!) { createAgent(input: $i) { userErrors { message } } }`, { i: { email, name: email.split('@')[0], role: 'AGENT' } });
  return (await ok(gw.adminToken, `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }`, { i: { email } })).createApiToken.secret as string;
}

/** A new ticket to the Changes queue; its subject decides the category (rules below). */
async function pendingTicket(subject: string): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from: 'Ivy <ivy@customer.test>', to: 'changes@example.com', subject }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  const t = await ok(gw.adminToken, `query($n: Int!) { ticket(number: $n) { status queue { name approver { email } } } }`, { n: outcome.ticketNumber });
  expect(t.ticket.status).toBe('PENDING_APPROVAL');
  return outcome.ticketNumber;
}

async function approvalMailsFor(number: number): Promise<string[][]> {
  const rows = await queryDatabase<{ recipients: string[] }>(
    gw.databaseUrl,
    `select d.recipients from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = 'approval-request' order by d.id`,
    [number],
  );
  return rows.map((r) => r.recipients);
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  dave = await agentToken('dave@example.com');
  erin = await agentToken('erin@example.com');
  frank = await agentToken('frank@example.com');
  await ok(gw.adminToken, `mutation { createCategory(input: {name: "Firewall change", requiresApproval: true}) { name } }`);
  await ok(gw.adminToken, `mutation { createCategory(input: {name: "Server change", requiresApproval: true, approver: "erin@example.com"}) { name } }`);
  for (const [name, word, category] of [['firewall', 'firewall', 'Firewall change'], ['server', 'server', 'Server change']]) {
    await ok(gw.adminToken, `mutation($i: RuleInput!) { createRule(input: $i) { name } }`, { i: { name, conditions: { field: 'subject', operator: 'contains', value: word }, actions: [{ setCategory: category }] } });
  }
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('the queue approver', () => {
  it('is set by createQueue, shown on Queue (also through a ticket), and refused when not an active agent', async () => {
    const bad = await ok(gw.adminToken, `mutation { createQueue(input: {name: "Nope", approver: "ghost@example.com"}) { queue { name } userErrors { field message } } }`);
    expect(bad.createQueue).toEqual({ queue: null, userErrors: [{ field: ['approver'], message: 'no active agent has the address ghost@example.com' }] });
    const created = await ok(gw.adminToken, `mutation { createQueue(input: {name: "Changes", emailAddress: "changes@example.com", approver: "DAVE@example.com"}) { queue { name approver { email } } userErrors { message } } }`);
    expect(created.createQueue).toEqual({ queue: { name: 'Changes', approver: { email: 'dave@example.com' } }, userErrors: [] });
    await ok(gw.adminToken, `mutation { addQueueAgent(queue: "Changes", email: "frank@example.com") { userErrors { message } } }`);
    const listed = await ok(gw.adminToken, `{ queues { name approver { email } } }`);
    expect(listed.queues).toContainEqual({ name: 'Changes', approver: { email: 'dave@example.com' } });
    expect(listed.queues).toContainEqual({ name: 'General', approver: null });
    const number = await pendingTicket('Open the firewall for the VPN');
    const t = await ok(gw.adminToken, `query($n: Int!) { ticket(number: $n) { queue { approver { email name } } } }`, { n: number });
    expect(t.ticket.queue.approver).toEqual({ email: 'dave@example.com', name: 'dave' });
  });

  it('may approve and reject the queue’s tickets; another agent of the queue may not', async () => {
    const first = await pendingTicket('firewall: open port 443');
    const second = await pendingTicket('firewall: open port 8080');
    // The approval request went to the queue approver only (no category approver), not to admins.
    expect(await approvalMailsFor(first)).toEqual([['dave@example.com']]);

    expectCode(await q(frank, `mutation { approveTicket(number: ${first}) { userErrors { message } } }`), 'FORBIDDEN');
    expectCode(await q(frank, `mutation { rejectTicket(number: ${first}, reason: "no") { userErrors { message } } }`), 'FORBIDDEN');
    expectCode(await q(erin, `mutation { approveTicket(number: ${first}) { userErrors { message } } }`), 'FORBIDDEN'); // approver of another category

    const approved = await ok(dave, `mutation { approveTicket(number: ${first}) { ticket { status events { kind actor { email } } } userErrors { message } } }`);
    expect(approved.approveTicket.ticket.status).toBe('OPEN');
    expect(approved.approveTicket.ticket.events).toContainEqual({ kind: 'approved', actor: { email: 'dave@example.com' } });
    const rejected = await ok(dave, `mutation { rejectTicket(number: ${second}, reason: "not needed") { ticket { status } userErrors { message } } }`);
    expect(rejected.rejectTicket.ticket.status).toBe('CLOSED');
    const events = await queryDatabase<{ kind: string; email: string; detail: unknown }>(
      gw.databaseUrl,
      `select e.kind, p.email, e.detail from ticket_event e join ticket t on t.id = e.ticket_id join person p on p.id = e.actor_id where t.number = $1 and e.kind = 'rejected'`,
      [second],
    );
    expect(events).toEqual([{ kind: 'rejected', email: 'dave@example.com', detail: { reason: 'not needed' } }]);
  });

  it('shares the decision with the category approver (both are asked) and ADMIN', async () => {
    const both = await pendingTicket('server reboot window');
    expect((await approvalMailsFor(both)).flat().sort()).toEqual(['dave@example.com', 'erin@example.com']);
    const byErin = await ok(erin, `mutation { approveTicket(number: ${both}) { ticket { status } } }`);
    expect(byErin.approveTicket.ticket.status).toBe('OPEN');
    const another = await pendingTicket('server upgrade');
    const byDave = await ok(dave, `mutation { approveTicket(number: ${another}) { ticket { status } } }`);
    expect(byDave.approveTicket.ticket.status).toBe('OPEN');
    const third = await pendingTicket('server move');
    const byAdmin = await ok(gw.adminToken, `mutation { rejectTicket(number: ${third}, reason: "later") { ticket { status } } }`);
    expect(byAdmin.rejectTicket.ticket.status).toBe('CLOSED');
  });

  it('is changed and removed by updateQueue (recorded); without it only ADMIN decides and admins are asked', async () => {
    const bad = await ok(gw.adminToken, `mutation { updateQueue(name: "Changes", input: {approver: "ghost@example.com"}) { queue { name } userErrors { field message } } }`);
    expect(bad.updateQueue.userErrors).toEqual([{ field: ['input', 'approver'], message: 'no active agent has the address ghost@example.com' }]);
    const moved = await ok(gw.adminToken, `mutation { updateQueue(name: "Changes", input: {approver: "frank@example.com"}) { queue { approver { email } } userErrors { message } } }`);
    expect(moved.updateQueue.queue.approver).toEqual({ email: 'frank@example.com' });
    const removed = await ok(gw.adminToken, `mutation { updateQueue(name: "Changes", input: {approver: ""}) { queue { approver { email } } userErrors { message } } }`);
    expect(removed.updateQueue.queue.approver).toBeNull();
    const audit = await queryDatabase<{ from_value: string | null; to_value: string | null }>(gw.databaseUrl, `select from_value, to_value from ticket_event where kind = 'queue-approver' order by id`);
    expect(audit).toEqual([
      { from_value: 'dave@example.com', to_value: 'frank@example.com' },
      { from_value: 'frank@example.com', to_value: null },
    ]);

    const number = await pendingTicket('firewall: close port 23');
    expect(await approvalMailsFor(number)).toEqual([['admin@postdesk.invalid']]);
    for (const token of [dave, frank]) expectCode(await q(token, `mutation { approveTicket(number: ${number}) { userErrors { message } } }`), 'FORBIDDEN');
    const byAdmin = await ok(gw.adminToken, `mutation { approveTicket(number: ${number}) { ticket { status } } }`);
    expect(byAdmin.approveTicket.ticket.status).toBe('OPEN');
  });
});
