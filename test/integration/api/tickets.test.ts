/**
 * The ticket API over real HTTP against a real gateway: roles (every admin operation and every
 * ticket operation refused to a role that may not), an agent never reaching another queue's
 * ticket by any path, pagination, mutations with their events and actors, userErrors, agents and
 * tokens, attachment downloads. Tickets arrive through the real ingest pipeline.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Category, Person, Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql, type GraphQLResponse } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { MAGIC } from '../../unit/ingest/build-eml.js';

let gw: TestApp;
let h: IngestHarness;
let admin: string;
let alice: string; // agent of Billing
let bob: string; // agent of Network
let carol: string; // agent of no queue; approver of the "Firewall change" category
let billing: number; // a Billing ticket with an attachment
let network: number; // a Network ticket with an attachment
const PDF = Buffer.from('%PDF-1.4 not really a pdf\n\x00\x01\x02 binary tail', 'latin1');

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const q = (token: string | null, query: string, variables?: Record<string, unknown>) => gql<Data>(gw.url, token, query, variables);

async function ok(token: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await q(token, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

function expectCode(response: GraphQLResponse, code: string): void {
  expect(response.errors?.[0]?.extensions?.code, JSON.stringify(response)).toBe(code);
}

async function ingestTicket(to: string, subject: string, from: string, extra: { text?: string; attachments?: { filename: string; content: Buffer; contentType?: string }[] } = {}): Promise<number> {
  const outcome = await h.ingest(await buildMail({ to, subject, from, text: extra.text, attachments: extra.attachments }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  return outcome.ticketNumber;
}

async function agentToken(email: string, name: string): Promise<string> {
  await ok(admin, `mutation($i: CreateAgentInput!) { createAgent(input: $i) { agent { email } userErrors { field message } } }`, { i: { email, name, role: 'AGENT' } });
  const data = await ok(admin, `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret token { prefix role } userErrors { field message } } }`, { i: { email } });
  expect(data.createApiToken.token.role).toBe('AGENT');
  return data.createApiToken.secret as string;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  admin = gw.adminToken;
  alice = await agentToken('alice@example.com', 'Alice Agent');
  bob = await agentToken('bob@example.com', 'Bob Agent');
  carol = await agentToken('carol@example.com', 'Carol Approver');
  for (const [name, address] of [['Billing', 'billing@example.com'], ['Network', 'network@example.com']]) {
    await ok(admin, `mutation($i: CreateQueueInput!) { createQueue(input: $i) { queue { name } userErrors { message } } }`, { i: { name, emailAddress: address } });
  }
  await ok(admin, `mutation { addQueueAgent(queue: "Billing", email: "alice@example.com") { userErrors { message } } }`);
  await ok(admin, `mutation { addQueueAgent(queue: "Network", email: "bob@example.com") { userErrors { message } } }`);
  billing = await ingestTicket('billing@example.com', 'Invoice wrong', 'Dana Customer <dana@customer.test>', { attachments: [{ filename: 'Résumé (Q3).pdf', content: PDF, contentType: 'application/pdf' }] });
  network = await ingestTicket('network@example.com', 'VPN down', 'Erik Customer <erik@customer.test>', { text: 'The tunnel keeps dropping every hour.', attachments: [{ filename: 'trace.txt', content: Buffer.from('secret trace of network'), contentType: 'text/plain' }] });
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

const TICKET_MUTATIONS = (n: number): string[] => [
  `updateTicket(number: ${n}, input: { priority: HIGH })`,
  `replyToTicket(number: ${n}, body: "hello")`,
  `addNote(number: ${n}, body: "note")`,
  `forwardTicket(number: ${n}, input: { to: ["parts@vendor.test"], body: "known fault?" })`,
  `addTicketWatcher(number: ${n}, email: "alice@example.com")`,
  `removeTicketWatcher(number: ${n}, email: "alice@example.com")`,
  `addTicketCc(number: ${n}, email: "x@customer.test")`,
  `removeTicketCc(number: ${n}, email: "x@customer.test")`,
  `assignToMe(number: ${n})`,
  `reopenTicket(number: ${n}, message: "again")`,
  `escalateTicket(number: ${n}, note: "help")`,
  `closeTicket(number: ${n})`,
  `approveTicket(number: ${n})`,
  `rejectTicket(number: ${n}, reason: "no")`,
];

describe('roles', () => {
  it('tickets land in the queues of their addresses', async () => {
    const data = await ok(admin, `{ a: ticket(number: ${billing}) { queue { name } } b: ticket(number: ${network}) { queue { name } } }`);
    expect(data.a.queue.name).toBe('Billing');
    expect(data.b.queue.name).toBe('Network');
  });

  it('refuses every admin operation to an agent with FORBIDDEN', async () => {
    const operations = [
      `mutation { createQueue(input: { name: "X" }) { userErrors { message } } }`,
      `mutation { updateQueue(name: "Billing", input: { keywords: ["x"] }) { userErrors { message } } }`,
      `mutation { deleteQueue(name: "Billing", moveTicketsTo: "Network") { userErrors { message } } }`,
      `mutation { addQueueAgent(queue: "Network", email: "alice@example.com") { userErrors { message } } }`,
      `mutation { removeQueueAgent(queue: "Billing", email: "alice@example.com") { userErrors { message } } }`,
      `mutation { addQueueWatcher(queue: "Billing", email: "alice@example.com") { userErrors { message } } }`,
      `mutation { removeQueueWatcher(queue: "Billing", email: "alice@example.com") { userErrors { message } } }`,
      `mutation { createAgent(input: { email: "z@example.com", role: ADMIN }) { userErrors { message } } }`,
      `mutation { updateAgent(email: "alice@example.com", input: { role: ADMIN }) { userErrors { message } } }`,
      `mutation { deactivateAgent(email: "bob@example.com") { userErrors { message } } }`,
      `mutation { createApiToken(input: { email: "alice@example.com" }) { secret } }`,
      `mutation { revokeApiToken(id: "1") { userErrors { message } } }`,
      `{ agents { email } }`,
      `{ apiTokens { prefix } }`,
      `{ quarantinedMessages { totalCount } }`,
    ];
    for (const operation of operations) expectCode(await q(alice, operation), 'FORBIDDEN');
    // Nothing changed: alice is still an AGENT and Billing has no keywords.
    const state = await ok(admin, `{ agents { email role } queues { name keywords agents { email } } }`);
    expect(state.agents.find((a: Data) => a.email === 'alice@example.com').role).toBe('AGENT');
    expect(state.queues.find((x: Data) => x.name === 'Billing')).toMatchObject({ keywords: [], agents: [{ email: 'alice@example.com' }] });
  });

  it('refuses every ticket query and mutation on another queue\'s ticket with FORBIDDEN, the same as for a ticket that does not exist', async () => {
    const other = await q(alice, `{ ticket(number: ${network}) { subject } }`);
    expectCode(other, 'FORBIDDEN');
    const missing = await q(alice, `{ ticket(number: 999999) { subject } }`);
    expectCode(missing, 'FORBIDDEN');
    expect(missing.errors?.[0]?.message.replace('999999', 'N')).toBe(other.errors?.[0]?.message.replace(String(network), 'N'));
    for (const mutation of TICKET_MUTATIONS(network)) expectCode(await q(alice, `mutation { ${mutation} { userErrors { message } } }`), 'FORBIDDEN');
    expectCode(await q(alice, `{ tickets(filter: { queue: "Network" }) { totalCount } }`), 'FORBIDDEN');
    expectCode(await q(alice, `{ ticketCounts(queue: "Network") { total } }`), 'FORBIDDEN');
    // Nothing happened to the ticket: no events beyond ingest's, priority untouched.
    const after = await ok(admin, `{ ticket(number: ${network}) { priority assignee { email } events { kind actor { email } } } }`);
    expect(after.ticket.priority).toBe('NORMAL');
    expect(after.ticket.assignee).toBeNull();
    expect(after.ticket.events.filter((e: Data) => e.actor?.email === 'alice@example.com')).toEqual([]);
  });

  it('never shows an agent another queue\'s ticket through lists, search, counts or attachment URLs', async () => {
    const list = await ok(alice, `{ tickets(first: 100) { totalCount edges { node { number queue { name } } } } }`);
    expect(list.tickets.edges.map((e: Data) => e.node.queue.name)).toEqual(expect.arrayContaining(['Billing']));
    expect(list.tickets.edges.some((e: Data) => e.node.number === network)).toBe(false);
    expect(list.tickets.edges.every((e: Data) => e.node.queue.name === 'Billing')).toBe(true);
    for (const search of ['VPN', 'erik@customer.test', 'tunnel', 'Erik']) {
      const found = await ok(alice, `query($s: String) { tickets(filter: { search: $s }) { totalCount edges { node { number } } } }`, { s: search });
      expect(found.tickets.totalCount, search).toBe(0);
      const asAdmin = await ok(admin, `query($s: String) { tickets(filter: { search: $s }) { edges { node { number } } } }`, { s: search });
      expect(asAdmin.tickets.edges.map((e: Data) => e.node.number), search).toContain(network);
    }
    const counts = await ok(alice, `{ ticketCounts { total open } }`);
    expect(counts.ticketCounts.total).toBe(list.tickets.totalCount);
    const adminCounts = await ok(admin, `{ ticketCounts { total } }`);
    expect(adminCounts.ticketCounts.total).toBeGreaterThan(counts.ticketCounts.total);

    const url = (await ok(admin, `{ ticket(number: ${network}) { messages { attachments { url } } } }`)).ticket.messages[0].attachments[0].url as string;
    const refused = await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(refused.status).toBe(404);
    const body = await refused.text();
    expect(body).not.toContain('secret trace');
    const unknown = await fetch(`${gw.url}/attachments/99999999`, { headers: { authorization: `Bearer ${alice}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe(body);
    expect((await fetch(`${gw.url}${url}`)).status).toBe(401);
    expect((await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(200);
  });

  it('a ticket without a queue is for admins only', async () => {
    const n = await ingestTicket('support@example.com', 'Unrouted question', 'Fay <fay@customer.test>');
    // Mail to the support address lands in the default queue; take it out, as deleting a queue would.
    await h.orm.em.fork().nativeUpdate(Ticket, { number: n }, { queue: null });
    expect((await ok(admin, `{ ticket(number: ${n}) { queue { name } } }`)).ticket.queue).toBeNull();
    expectCode(await q(alice, `{ ticket(number: ${n}) { subject } }`), 'FORBIDDEN');
    expectCode(await q(bob, `{ ticket(number: ${n}) { subject } }`), 'FORBIDDEN');
  });

  it('answers UNAUTHENTICATED without a token or with a bad one', async () => {
    expectCode(await q(null, `{ tickets { totalCount } }`), 'UNAUTHENTICATED');
    expectCode(await q('pd_not-a-real-token-at-all', `{ tickets { totalCount } }`), 'UNAUTHENTICATED');
  });

  it('tells the caller who they are', async () => {
    const me = await ok(alice, `{ me { email name role active queues } }`);
    expect(me.me).toEqual({ email: 'alice@example.com', name: 'Alice Agent', role: 'AGENT', active: true, queues: ['Billing'] });
  });
});

describe('authentication matrix (S14)', () => {
  it('refuses every query, mutation and the attachment URL without a valid token: none, bad, revoked, deactivated', async () => {
    const frank = await agentToken('frank@example.com', 'Frank');
    await ok(admin, `mutation { addQueueAgent(queue: "Billing", email: "frank@example.com") { userErrors { message } } }`);
    const created = await ok(admin, `mutation { createApiToken(input: { email: "alice@example.com", label: "to revoke" }) { secret token { id } } }`);
    const revoked = created.createApiToken.secret as string;
    // Both work before.
    expect((await ok(frank, `{ ticket(number: ${billing}) { number } }`)).ticket.number).toBe(billing);
    expect((await ok(revoked, `{ ticket(number: ${billing}) { number } }`)).ticket.number).toBe(billing);
    await ok(admin, `mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { message } } }`, { id: created.createApiToken.token.id });
    await ok(admin, `mutation { deactivateAgent(email: "frank@example.com") { userErrors { message } } }`);

    const reads = [
      `{ ticket(number: ${billing}) { subject messages { bodyText } events { kind } } }`,
      `{ tickets { totalCount edges { node { subject } } } }`,
      `{ tickets(filter: { search: "invoice" }) { totalCount } }`,
      `{ ticketCounts { total } }`,
      `{ queues { name } }`,
      `{ me { email } }`,
      `{ agents { email } }`,
      `{ apiTokens { prefix } }`,
    ];
    const mutations = [
      ...TICKET_MUTATIONS(billing).map((m) => `mutation { ${m} { userErrors { message } } }`),
      `mutation { createQueue(input: { name: "Z" }) { userErrors { message } } }`,
      `mutation { updateQueue(name: "Billing", input: { keywords: ["z"] }) { userErrors { message } } }`,
      `mutation { addQueueAgent(queue: "Billing", email: "bob@example.com") { userErrors { message } } }`,
      `mutation { createAgent(input: { email: "z@example.com", role: ADMIN }) { userErrors { message } } }`,
      `mutation { createApiToken(input: { email: "alice@example.com" }) { secret } }`,
    ];
    const url = (await ok(admin, `{ ticket(number: ${billing}) { messages { attachments { url } } } }`)).ticket.messages[0].attachments[0].url as string;
    for (const [who, token] of [['no token', null], ['bad token', 'pd_' + 'x'.repeat(43)], ['revoked token', revoked], ['deactivated agent', frank]] as const) {
      for (const operation of [...reads, ...mutations]) {
        const response = await q(token, operation);
        expect(response.errors?.[0]?.extensions?.code, `${who}: ${operation.slice(0, 60)}`).toBe('UNAUTHENTICATED');
        expect(response.data ?? null).toBeNull();
      }
      const download = await fetch(`${gw.url}${url}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      expect(download.status, who).toBe(401);
    }
    // Nothing was changed by any of them.
    const t = await ok(admin, `{ ticket(number: ${billing}) { events { actor { email } } } }`);
    expect(t.ticket.events.filter((e: Data) => e.actor?.email === 'frank@example.com')).toEqual([]);
    await ok(admin, `mutation { removeQueueAgent(queue: "Billing", email: "frank@example.com") { userErrors { message } } }`);
  });
});

describe('pagination', () => {
  it('refuses first > 100 with BAD_USER_INPUT naming the argument', async () => {
    const response = await q(admin, `{ tickets(first: 101) { totalCount } }`);
    expectCode(response, 'BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toContain('first');
  });

  it('keeps cursors correct while new tickets arrive, with the right totalCount', async () => {
    for (let i = 0; i < 4; i++) await ingestTicket('billing@example.com', `Paging ${i}`, `Pager ${i} <pager${i}@customer.test>`);
    const PAGE = `query($after: String, $o: TicketOrder) { tickets(first: 2, after: $after, orderBy: $o, filter: { queue: "Billing" }) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { number } } } }`;
    for (const order of [null, { field: 'CREATED_AT', direction: 'ASC' }, { field: 'CREATED_AT', direction: 'DESC' }]) {
      const expected = (await ok(alice, `query($o: TicketOrder) { tickets(first: 100, orderBy: $o, filter: { queue: "Billing" }) { totalCount edges { node { number } } } }`, { o: order })).tickets;
      const seen: number[] = [];
      let after: string | null = null;
      let arrivals = 0;
      for (;;) {
        const page: Data = (await ok(alice, PAGE, { after, o: order })).tickets;
        seen.push(...page.edges.map((e: Data) => e.node.number));
        if (arrivals === 0) expect(page.totalCount).toBe(expected.totalCount);
        // A new ticket arrives between pages: it sorts first (newest), so it must not shift the pages.
        if (arrivals < 2) await ingestTicket('billing@example.com', `Arrival ${JSON.stringify(order)} ${arrivals++}`, `New ${arrivals} <new${arrivals}${seen.length}@customer.test>`);
        if (!page.pageInfo.hasNextPage) break;
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
        after = page.pageInfo.endCursor;
      }
      const before = expected.edges.map((e: Data) => e.node.number);
      if (order?.direction === 'ASC') expect(seen.slice(0, before.length)).toEqual(before);
      else expect(seen).toEqual(before);
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('refuses a cursor of another list or garbage as BAD_USER_INPUT', async () => {
    expectCode(await q(admin, `{ tickets(after: "bm9wZQ") { totalCount } }`), 'BAD_USER_INPUT');
    const cursor = Buffer.from('ticket:nonsense').toString('base64url');
    expectCode(await q(admin, `query($a: String) { tickets(after: $a) { totalCount } }`, { a: cursor }), 'BAD_USER_INPUT');
  });
});

describe('working a ticket', () => {
  const EVENTS = `events { kind actor { email } actorLabel from to detail }`;

  it('records every change of updateTicket as an event with actor and old → new', async () => {
    const data = await ok(alice, `mutation { updateTicket(number: ${billing}, input: { status: IN_PROGRESS, priority: HIGH, type: INCIDENT, assignee: "alice@example.com" }) {
      ticket { status priority type assignee { email } ${EVENTS} } userErrors { field message } } }`);
    const t = data.updateTicket.ticket;
    expect(t).toMatchObject({ status: 'IN_PROGRESS', priority: 'HIGH', type: 'INCIDENT', assignee: { email: 'alice@example.com' } });
    const mine = t.events.filter((e: Data) => e.actor?.email === 'alice@example.com');
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'status', from: 'OPEN', to: 'IN_PROGRESS' }),
        expect.objectContaining({ kind: 'priority', from: 'NORMAL', to: 'HIGH' }),
        expect.objectContaining({ kind: 'type', from: 'QUESTION', to: 'INCIDENT' }),
        expect.objectContaining({ kind: 'assignee', from: null, to: 'alice@example.com' }),
      ]),
    );
    // The status change was notified in the same transaction (the requester hears about IN_PROGRESS).
    const kinds = await h.orm.em.fork().execute<{ kind: string }[]>(
      `select d.kind from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = ?`,
      [billing],
    );
    expect(kinds.map((k) => k.kind)).toContain('status-in_progress');
  });

  it('lets an agent move a ticket only to a queue they work; an admin reassigns anywhere, recorded', async () => {
    expectCode(await q(alice, `mutation { updateTicket(number: ${billing}, input: { queue: "Network" }) { userErrors { message } } }`), 'FORBIDDEN');
    const n = await ingestTicket('billing@example.com', 'Wrong queue', 'Gus <gus@customer.test>');
    const moved = await ok(admin, `mutation { updateTicket(number: ${n}, input: { queue: "Network" }) { ticket { queue { name } ${EVENTS} } userErrors { message } } }`);
    expect(moved.updateTicket.ticket.queue.name).toBe('Network');
    expect(moved.updateTicket.ticket.events).toContainEqual(expect.objectContaining({ kind: 'queue', from: 'Billing', to: 'Network', actor: { email: expect.stringContaining('@') } }));
    expectCode(await q(alice, `{ ticket(number: ${n}) { subject } }`), 'FORBIDDEN');
    expect((await ok(bob, `{ ticket(number: ${n}) { subject } }`)).ticket.subject).toBe('Wrong queue');
  });

  it('replies (OUTBOUND, our Message-ID, to the requester) and notes (NOTE), both events by the agent', async () => {
    const reply = await ok(alice, `mutation { replyToTicket(number: ${billing}, body: "We are on it.") { ticket { messages { direction bodyText messageId from { email } to { email } } ${EVENTS} } userErrors { message } } }`);
    const last = reply.replyToTicket.ticket.messages.at(-1);
    expect(last).toMatchObject({ direction: 'OUTBOUND', bodyText: 'We are on it.', from: { email: 'alice@example.com' }, to: [{ email: 'dana@customer.test' }] });
    expect(last.messageId).toMatch(/^pd\.\d+\.\d+\.[0-9a-f]{24}@example\.com$/);
    // notify() ran in the same transaction: the reply is in the outbox, to the requester, under the stored Message-ID.
    const outbox = await h.orm.em.fork().execute<{ kind: string; recipients: string[]; message_id: string; automatic: boolean }[]>(
      `select d.kind, d.recipients, d.message_id, d.automatic from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = ? order by d.id`,
      [billing],
    );
    expect(outbox).toContainEqual({ kind: 'reply', recipients: ['dana@customer.test'], message_id: last.messageId, automatic: false });
    const note = await ok(alice, `mutation { addNote(number: ${billing}, body: "Internal: check the ledger") { ticket { messages { direction bodyText } ${EVENTS} } } }`);
    expect(note.addNote.ticket.messages.at(-1)).toEqual({ direction: 'NOTE', bodyText: 'Internal: check the ledger' });
    const kinds = note.addNote.ticket.events.filter((e: Data) => e.actor?.email === 'alice@example.com').map((e: Data) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['reply', 'note']));
  });

  it('adds and removes watchers and CCs, each an event', async () => {
    const added = await ok(alice, `mutation { a: addTicketWatcher(number: ${billing}, email: "bob@example.com") { userErrors { message } }
      b: addTicketCc(number: ${billing}, email: "Boss@Customer.test") { ticket { ccs { email } watchers { email } } userErrors { message } } }`);
    expect(added.b.ticket.ccs).toContainEqual({ email: 'boss@customer.test' });
    expect(added.b.ticket.watchers).toEqual([{ email: 'bob@example.com' }]);
    const removed = await ok(alice, `mutation { a: removeTicketWatcher(number: ${billing}, email: "bob@example.com") { userErrors { message } }
      b: removeTicketCc(number: ${billing}, email: "boss@customer.test") { ticket { ccs { email } watchers { email } ${EVENTS} } } }`);
    expect(removed.b.ticket.watchers).toEqual([]);
    expect(removed.b.ticket.ccs).not.toContainEqual({ email: 'boss@customer.test' });
    const kinds = removed.b.ticket.events.filter((e: Data) => e.actor?.email === 'alice@example.com').map((e: Data) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['watcher-added', 'cc-added', 'watcher-removed', 'cc-removed']));
    const customerWatcher = await ok(alice, `mutation { addTicketWatcher(number: ${billing}, email: "dana@customer.test") { userErrors { field message } } }`);
    expect(customerWatcher.addTicketWatcher.userErrors[0].field).toEqual(['email']);
  });

  it('assigns to me, escalates, closes, refuses a blank reopen message, reopens', async () => {
    const n = await ingestTicket('billing@example.com', 'Lifecycle', 'Hal <hal@customer.test>');
    const run = (m: string) => ok(alice, `mutation { r: ${m} { ticket { status closedAt assignee { email } ${EVENTS} } userErrors { field message } } }`);
    expect((await run(`assignToMe(number: ${n})`)).r.ticket.assignee.email).toBe('alice@example.com');
    expect((await run(`escalateTicket(number: ${n}, note: "customer is a VIP")`)).r.ticket.events).toContainEqual(
      expect.objectContaining({ kind: 'escalated', actor: { email: 'alice@example.com' }, detail: JSON.stringify({ note: 'customer is a VIP' }) }),
    );
    const closed = (await run(`closeTicket(number: ${n})`)).r.ticket;
    expect(closed.status).toBe('CLOSED');
    expect(closed.closedAt).not.toBeNull();
    const blank = (await run(`reopenTicket(number: ${n}, message: "   ")`)).r;
    expect(blank).toEqual({ ticket: null, userErrors: [{ field: ['message'], message: 'must not be blank' }] });
    const reopened = (await run(`reopenTicket(number: ${n}, message: "The customer called back")`)).r.ticket;
    expect(reopened.status).toBe('OPEN');
    expect(reopened.closedAt).toBeNull();
    expect(reopened.events.filter((e: Data) => e.kind === 'status').map((e: Data) => [e.from, e.to, e.actor.email])).toEqual([
      ['OPEN', 'CLOSED', 'alice@example.com'],
      ['CLOSED', 'OPEN', 'alice@example.com'],
    ]);
  });

  it('approve and reject: ADMIN or the category approver only, recorded with the reason', async () => {
    const em = h.orm.em.fork();
    const approver = await em.findOneOrFail(Person, { email: 'carol@example.com' });
    const category = new Category('Firewall change', true);
    category.approver = approver;
    em.persist(category);
    const numbers = [await ingestTicket('billing@example.com', 'Open port 22', 'Ivy <ivy@customer.test>'), await ingestTicket('billing@example.com', 'Open port 23', 'Ivy <ivy@customer.test>')];
    for (const number of numbers) {
      const ticket = await em.findOneOrFail(Ticket, { number });
      ticket.category = category;
      ticket.status = TicketStatus.PENDING_APPROVAL;
    }
    await em.flush();
    const [first, second] = numbers as [number, number];
    // alice works the queue but is not the approver.
    expectCode(await q(alice, `mutation { approveTicket(number: ${first}) { userErrors { message } } }`), 'FORBIDDEN');
    expectCode(await q(alice, `mutation { rejectTicket(number: ${first}, reason: "no") { userErrors { message } } }`), 'FORBIDDEN');
    const blank = await ok(carol, `mutation { rejectTicket(number: ${second}, reason: " ") { userErrors { field message } } }`);
    expect(blank.rejectTicket.userErrors).toEqual([{ field: ['reason'], message: 'must not be blank' }]);
    const approved = await ok(carol, `mutation { approveTicket(number: ${first}) { ticket { status ${EVENTS} } userErrors { message } } }`);
    expect(approved.approveTicket.ticket.status).toBe('OPEN');
    expect(approved.approveTicket.ticket.events).toContainEqual(expect.objectContaining({ kind: 'approved', actor: { email: 'carol@example.com' } }));
    const rejected = await ok(admin, `mutation { rejectTicket(number: ${second}, reason: "too risky") { ticket { status closedAt ${EVENTS} } userErrors { message } } }`);
    expect(rejected.rejectTicket.ticket.status).toBe('CLOSED');
    expect(rejected.rejectTicket.ticket.events).toContainEqual(expect.objectContaining({ kind: 'rejected', detail: JSON.stringify({ reason: 'too risky' }) }));
    expect(rejected.rejectTicket.ticket.events).toContainEqual(expect.objectContaining({ kind: 'status', from: 'PENDING_APPROVAL', to: 'CLOSED' }));
    const again = await ok(admin, `mutation { approveTicket(number: ${second}) { userErrors { field message } } }`);
    expect(again.approveTicket.userErrors[0].field).toEqual(['number']);
  });

  it('returns validation failures as userErrors with the field path, never a 500', async () => {
    const cases: [string, string, string[]][] = [
      ['updateTicket', `updateTicket(number: ${billing}, input: { assignee: "nobody@example.com" })`, ['input', 'assignee']],
      ['updateTicket', `updateTicket(number: ${billing}, input: { category: "No such category" })`, ['input', 'category']],
      ['updateTicket', `updateTicket(number: ${billing}, input: { status: PENDING_APPROVAL })`, ['input', 'status']],
      ['replyToTicket', `replyToTicket(number: ${billing}, body: "")`, ['body']],
      ['addNote', `addNote(number: ${billing}, body: "${'x'.repeat(100_001)}")`, ['body']],
      ['addTicketCc', `addTicketCc(number: ${billing}, email: "not an address")`, ['email']],
      ['removeTicketCc', `removeTicketCc(number: ${billing}, email: "never@customer.test")`, ['email']],
      ['closeTicket', `closeTicket(number: 987654)`, ['number']],
    ];
    for (const [name, mutation, field] of cases) {
      const response = await q(admin, `mutation { ${mutation} { ticket { number } userErrors { field message } } }`);
      expect(response.status, mutation.slice(0, 80)).toBe(200);
      expect(response.errors, mutation.slice(0, 80)).toBeUndefined();
      expect(response.data![name].ticket).toBeNull();
      expect(response.data![name].userErrors[0].field, mutation.slice(0, 80)).toEqual(field);
    }
    const admins = [
      [`createAgent(input: { email: "not-an-email", role: AGENT }) { userErrors { field message } }`, 'createAgent', ['email']],
      [`updateQueue(name: "Billing", input: { emailAddress: "nope" }) { userErrors { field message } }`, 'updateQueue', ['input', 'emailAddress']],
      [`updateQueue(name: "Nope", input: { keywords: ["a"] }) { userErrors { field message } }`, 'updateQueue', ['name']],
      [`addQueueWatcher(queue: "Billing", email: "dana@customer.test") { userErrors { field message } }`, 'addQueueWatcher', ['email']],
      [`createApiToken(input: { email: "dana@customer.test" }) { userErrors { field message } }`, 'createApiToken', ['email']],
    ] as const;
    for (const [mutation, name, field] of admins) {
      const data = await ok(admin, `mutation { ${mutation} }`);
      expect(data[name].userErrors[0].field).toEqual(field);
    }
  });
});

describe('opening a ticket for a customer', () => {
  const CREATE = `mutation($i: CreateTicketInput!) { createTicket(input: $i) {
    ticket { number subject status priority queue { name } requester { email name } ccs { email } assignee { email }
      messages { direction bodyText messageId from { email } to { email } cc { email } } events { kind actor { email } actorLabel to } }
    userErrors { field message } } }`;

  it('lets an agent open one in their queue: the body is the first message, mailed to the requester and CCs', async () => {
    const data = await ok(alice, CREATE, {
      i: { requester: ' Lea@Customer.TEST ', requesterName: 'Lea Customer', subject: 'Printer on floor 3 (phone call)', body: 'As discussed on the phone: we will replace the toner today.', queue: 'Billing', ccs: ['boss@customer.test'], priority: 'HIGH' },
    });
    expect(data.createTicket.userErrors).toEqual([]);
    const t = data.createTicket.ticket;
    expect(t).toMatchObject({ subject: 'Printer on floor 3 (phone call)', status: 'OPEN', priority: 'HIGH', queue: { name: 'Billing' }, requester: { email: 'lea@customer.test', name: 'Lea Customer' }, ccs: [{ email: 'boss@customer.test' }] });
    expect(t.messages).toEqual([
      { direction: 'OUTBOUND', bodyText: 'As discussed on the phone: we will replace the toner today.', messageId: expect.stringContaining('@'), from: { email: 'alice@example.com' }, to: [{ email: 'lea@customer.test' }], cc: [{ email: 'boss@customer.test' }] },
    ]);
    expect(t.events).toContainEqual(expect.objectContaining({ kind: 'created', actor: { email: 'alice@example.com' }, to: 'Billing' }));
    const mails = await h.orm.em.fork().execute<{ kind: string; recipients: string[] }[]>(
      `select d.kind, d.recipients from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = ?`,
      [t.number],
    );
    expect(mails).toContainEqual({ kind: 'ticket-opened', recipients: expect.arrayContaining(['lea@customer.test', 'boss@customer.test']) });
  });

  it('refuses an agent another queue (FORBIDDEN) and no queue at all; an admin gets DEFAULT_QUEUE', async () => {
    const input = { requester: 'mo@customer.test', subject: 'Call', body: 'Mo called about the VPN.' };
    expectCode(await q(alice, CREATE, { i: { ...input, queue: 'Network' } }), 'FORBIDDEN');
    const none = await ok(alice, CREATE, { i: input });
    expect(none.createTicket).toEqual({ ticket: null, userErrors: [{ field: ['input', 'queue'], message: 'name one of your queues' }] });
    const admins = await ok(admin, CREATE, { i: input });
    expect(admins.createTicket.ticket.queue.name).toBe('General');
  });

  it('answers bad input with userErrors naming each field, and creates nothing', async () => {
    const before = await ok(admin, `{ tickets(first: 1) { totalCount } }`);
    const data = await ok(admin, CREATE, {
      i: { requester: 'not an address', subject: '  ', body: '', queue: 'Nowhere', ccs: ['fine@customer.test', 'support@example.com'], requesterName: 'n'.repeat(201) },
    });
    expect(data.createTicket.ticket).toBeNull();
    expect(data.createTicket.userErrors.map((e: Data) => e.field.join('.')).sort()).toEqual(['input.body', 'input.ccs.1', 'input.queue', 'input.requester', 'input.requesterName', 'input.subject']);
    expect(data.createTicket.userErrors.find((e: Data) => e.field.join('.') === 'input.ccs.1').message).toBe("is one of postdesk's own addresses");
    expect((await ok(admin, `{ tickets(first: 1) { totalCount } }`)).tickets.totalCount).toBe(before.tickets.totalCount);
  });
});

describe('reading a thread', () => {
  it('shows what is new in each message beside its whole text, and what ingest noticed about it', async () => {
    const first = randomMessageId();
    const opened = await h.ingest(await buildMail({ to: 'billing@example.com', from: 'Kim <kim@customer.test>', messageId: first, subject: 'Export fails', text: 'The CSV export fails with error 17.' }));
    if (opened.kind !== 'ticket') throw new Error(JSON.stringify(opened));
    const quote = `On Monday, Kim <kim@customer.test> wrote:\n> The CSV export fails with error 17.\n`;
    await h.ingest(await buildMail({ to: 'billing@example.com', from: 'kim@customer.test', inReplyTo: first, subject: 'Re: Export fails', text: `It also fails for PDF.\n\n${quote}` }));
    await h.ingest(await buildMail({ to: 'billing@example.com', from: 'kim@customer.test', inReplyTo: first, subject: 'Re: Export fails', text: quote }));
    await ok(alice, `mutation { replyToTicket(number: ${opened.ticketNumber}, body: "Fixed in 2.4.") { userErrors { message } } }`);
    const data = await ok(alice, `{ ticket(number: ${opened.ticketNumber}) { messages { direction bodyText visibleText flags } } }`);
    const [original, reply, bareQuote, answer] = data.ticket.messages as { direction: string; bodyText: string; visibleText: string; flags: string[] }[];
    expect(original!.visibleText).toBe('The CSV export fails with error 17.');
    expect(reply).toMatchObject({ visibleText: 'It also fails for PDF.', bodyText: expect.stringContaining('> The CSV export fails') });
    expect(reply!.flags).not.toContain('quoted-only');
    expect(bareQuote).toMatchObject({ visibleText: '', bodyText: expect.stringContaining('> The CSV export fails') });
    expect(bareQuote!.flags).toContain('quoted-only');
    expect(answer).toMatchObject({ direction: 'OUTBOUND', bodyText: 'Fixed in 2.4.', visibleText: 'Fixed in 2.4.', flags: [] });
  });
});

describe('queues, agents and tokens', () => {
  it('updates a queue and its watchers and agents, each an admin event with the actor', async () => {
    const data = await ok(admin, `mutation {
      u: updateQueue(name: "Billing", input: { keywords: ["invoice", "Refund", "INVOICE"], autoCloseDays: 30 }) { queue { keywords } userErrors { message } }
      w: addQueueWatcher(queue: "Billing", email: "carol@example.com") { queue { watchers { email } } userErrors { message } }
      a: addQueueAgent(queue: "Billing", email: "bob@example.com") { queue { agents { email } } }
      r: removeQueueAgent(queue: "Billing", email: "bob@example.com") { queue { agents { email } } }
      x: removeQueueWatcher(queue: "Billing", email: "carol@example.com") { queue { watchers { email } } } }`);
    expect(data.u.queue.keywords).toEqual(['INVOICE', 'Refund']);
    expect(data.w.queue.watchers).toEqual([{ email: 'carol@example.com' }]);
    expect(data.a.queue.agents.map((a: Data) => a.email).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(data.r.queue.agents).toEqual([{ email: 'alice@example.com' }]);
    expect(data.x.queue.watchers).toEqual([]);
    const rows = await h.orm.em.fork().execute<{ kind: string; email: string }[]>(
      `select e.kind, p.email from ticket_event e join person p on p.id = e.actor_id where e.ticket_id is null and e.kind like 'queue-%' order by e.id`,
    );
    const kinds = rows.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['queue-created', 'queue-keywords', 'queue-autoCloseDays', 'queue-watcher-added', 'queue-agent-added', 'queue-agent-removed', 'queue-watcher-removed']));
    expect(rows.every((r) => r.email.length > 0)).toBe(true);
  });

  it('creates a queue with every setting in one call, shown wherever the queue is; bad settings are userErrors naming the field', async () => {
    const QUEUE = `name autoCloseDays escalationAddress signature acknowledgementNote language businessHours`;
    const input = {
      name: 'Hardware',
      emailAddress: 'hardware@example.com',
      autoCloseDays: 14,
      escalationAddress: 'HW-Oncall@Eng.test',
      signature: 'The hardware desk\r\n{{actor.name}}',
      acknowledgementNote: '  Please add the serial number.  ',
      language: 'de-de',
      businessHours: 'Mon-Fri 08:00-16:00',
    };
    const created = await ok(admin, `mutation($i: CreateQueueInput!) { createQueue(input: $i) { queue { ${QUEUE} } userErrors { field message } } }`, { i: input });
    const expected = {
      name: 'Hardware',
      autoCloseDays: 14,
      escalationAddress: 'hw-oncall@eng.test',
      signature: 'The hardware desk\n{{actor.name}}',
      acknowledgementNote: 'Please add the serial number.',
      language: 'de-DE',
      businessHours: 'Mon-Fri 08:00-16:00',
    };
    expect(created.createQueue).toEqual({ queue: expected, userErrors: [] });
    // The same through a ticket's queue (the loaders' path) and the queue list.
    const number = await ingestTicket('hardware@example.com', 'Disk clicks', 'Fay Customer <fay@customer.test>');
    const read = await ok(admin, `{ ticket(number: ${number}) { queue { ${QUEUE} } } queues { ${QUEUE} } }`);
    expect(read.ticket.queue).toEqual(expected);
    expect(read.queues.find((x: Data) => x.name === 'Hardware')).toEqual(expected);
    // Queues made without them show the desk's defaults as null.
    expect(read.queues.find((x: Data) => x.name === 'Network')).toMatchObject({ autoCloseDays: null, escalationAddress: null, signature: null });
    // The admin event names what was set, and nothing that was left to the desk.
    const events = await ok(admin, `{ adminEvents(filter: { kind: ["queue-created"] }, first: 1) { edges { node { to actor { email } detail } } } }`);
    const [event] = events.adminEvents.edges.map((e: Data) => e.node);
    expect(event).toMatchObject({ to: 'Hardware', actor: { email: expect.any(String) } });
    expect(JSON.parse(event.detail)).toEqual({ ...expected, name: undefined, keywords: [], emailAddress: 'hardware@example.com' });

    const bad = await ok(admin, `mutation($i: CreateQueueInput!) { createQueue(input: $i) { queue { name } userErrors { field message } } }`, {
      i: { name: 'Broken', autoCloseDays: -1, escalationAddress: 'not an address', signature: 'bell\u0007', acknowledgementNote: 'x'.repeat(2001) },
    });
    expect(bad.createQueue.queue).toBeNull();
    expect(bad.createQueue.userErrors.map((e: Data) => e.field)).toEqual([['autoCloseDays'], ['escalationAddress'], ['signature'], ['acknowledgementNote']]);
    expect((await ok(admin, `{ queues { name } }`)).queues.map((x: Data) => x.name)).not.toContain('Broken');
  });

  it('renames a queue with the rules that route to it, so their mail still lands there; DEFAULT_QUEUE keeps its name', async () => {
    await ok(admin, `mutation { createQueue(input: { name: "Repairs" }) { userErrors { message } } }`);
    const rule = { name: 'warranty to repairs', conditions: { field: 'subject', operator: 'contains', value: 'warranty' }, actions: [{ setQueue: 'Repairs' }, { setPriority: 'HIGH' }] };
    await ok(admin, `mutation($i: RuleInput!) { createRule(input: $i) { name } }`, { i: rule });

    const renamed = await ok(admin, `mutation { updateQueue(name: "Repairs", input: { name: "Workshop" }) { queue { name } userErrors { field message } } }`);
    expect(renamed.updateQueue).toEqual({ queue: { name: 'Workshop' }, userErrors: [] });
    const rules = await ok(admin, `{ rules { name actions } }`);
    expect(rules.rules.find((r: Data) => r.name === rule.name).actions).toEqual([{ setQueue: 'Workshop' }, { setPriority: 'HIGH' }]);
    const number = await ingestTicket('support@example.com', 'Warranty claim for my laptop', 'Gus Customer <gus@customer.test>');
    expect((await ok(admin, `{ ticket(number: ${number}) { queue { name } priority } }`)).ticket).toEqual({ queue: { name: 'Workshop' }, priority: 'HIGH' });
    const events = await ok(admin, `{ adminEvents(filter: { kind: ["queue-name"] }, first: 1) { edges { node { from to detail } } } }`);
    const [event] = events.adminEvents.edges.map((e: Data) => e.node);
    expect(event).toMatchObject({ from: 'Repairs', to: 'Workshop' });
    expect(JSON.parse(event.detail).rules).toEqual([rule.name]);

    const refused = await ok(admin, `mutation { updateQueue(name: "General", input: { name: "Misc" }) { queue { name } userErrors { field message } } }`);
    expect(refused.updateQueue.queue).toBeNull();
    expect(refused.updateQueue.userErrors).toEqual([{ field: ['input', 'name'], message: expect.stringContaining('is DEFAULT_QUEUE') }]);
    expect((await ok(admin, `{ queues { name } }`)).queues.map((x: Data) => x.name)).toContain('General');
  });

  it('deletes a queue, moving its tickets of every status with an event each; refuses DEFAULT_QUEUE, a queue rules route to, and a bad target', async () => {
    await ok(admin, `mutation { createQueue(input: { name: "Printers", emailAddress: "printers@example.com" }) { userErrors { message } } }`);
    await ok(admin, `mutation { createQueue(input: { name: "Facilities" }) { userErrors { message } } }`);
    await ok(admin, `mutation { addQueueAgent(queue: "Printers", email: "alice@example.com") { userErrors { message } } }`);
    await ok(admin, `mutation($i: SavedReplyInput!) { createSavedReply(input: $i) { name } }`, { i: { name: 'toner', body: 'Toner is in room 4.', queue: 'Printers' } });
    const open = await ingestTicket('printers@example.com', 'Paper jam', 'Hal Customer <hal@customer.test>');
    const closed = await ingestTicket('printers@example.com', 'Toner low', 'Ida Customer <ida@customer.test>');
    await ok(admin, `mutation { closeTicket(number: ${closed}) { userErrors { message } } }`);
    await ok(admin, `mutation($i: RuleInput!) { createRule(input: $i) { name } }`, { i: { name: 'jams', conditions: { field: 'subject', operator: 'contains', value: 'jam' }, actions: [{ setQueue: 'Printers' }] } });

    const DELETE = `mutation($n: String!, $to: String!) { deleteQueue(name: $n, moveTicketsTo: $to) { queue { name } userErrors { field message } } }`;
    const errors = async (n: string, to: string) => (await ok(admin, DELETE, { n, to })).deleteQueue.userErrors;
    expect(await errors('Printers', 'Facilities')).toEqual([{ field: ['name'], message: 'rules "jams" route to "Printers"; change them first' }]);
    await ok(admin, `mutation { deleteRule(name: "jams") { name } }`);
    expect(await errors('General', 'Facilities')).toEqual([{ field: ['name'], message: expect.stringContaining('is DEFAULT_QUEUE') }]);
    expect(await errors('Printers', 'Printers')).toEqual([{ field: ['moveTicketsTo'], message: 'must be another queue' }]);
    expect(await errors('Printers', 'Nowhere')).toEqual([{ field: ['moveTicketsTo'], message: 'no queue named "Nowhere"' }]);
    expect(await errors('Nowhere', 'Facilities')).toEqual([{ field: ['name'], message: 'no queue named "Nowhere"' }]);

    const deleted = await ok(admin, DELETE, { n: 'Printers', to: 'Facilities' });
    expect(deleted.deleteQueue).toEqual({ queue: { name: 'Facilities' }, userErrors: [] });
    const moved = await ok(admin, `{ a: ticket(number: ${open}) { queue { name } status events { kind from to actor { email } } } b: ticket(number: ${closed}) { queue { name } status } queues { name } }`);
    expect(moved.a.queue.name).toBe('Facilities');
    expect(moved.a.events.at(-1)).toEqual({ kind: 'queue', from: 'Printers', to: 'Facilities', actor: { email: expect.any(String) } });
    expect(moved.b).toEqual({ queue: { name: 'Facilities' }, status: 'CLOSED' });
    expect(moved.queues.map((x: Data) => x.name)).not.toContain('Printers');
    expect((await ok(admin, `{ savedReplies { name } }`)).savedReplies.map((r: Data) => r.name)).not.toContain('toner');
    const events = await ok(admin, `{ adminEvents(filter: { kind: ["queue-deleted"] }) { edges { node { from to detail } } } }`);
    expect(events.adminEvents.edges.map((e: Data) => ({ ...e.node, detail: JSON.parse(e.node.detail) }))).toEqual([{ from: 'Printers', to: 'Facilities', detail: { tickets: 2, savedReplies: 1 } }]);
    // Its address is free again, and mail to it is routed as any other now (the default queue).
    const later = await ingestTicket('printers@example.com', 'Printer offline', 'Hal Customer <hal@customer.test>');
    expect((await ok(admin, `{ ticket(number: ${later}) { queue { name } } }`)).ticket.queue.name).toBe('General');
  });

  it('shows a token secret once, lists tokens without secrets, and revoked tokens stop working', async () => {
    const created = await ok(admin, `mutation { createApiToken(input: { email: "bob@example.com", label: "laptop" }) { secret token { id prefix label } } }`);
    const { secret, token } = created.createApiToken;
    expect(secret.startsWith(token.prefix)).toBe(true);
    expect((await ok(secret, `{ me { email } }`)).me.email).toBe('bob@example.com');
    const listed = await q(admin, `{ apiTokens(email: "bob@example.com") { id prefix label role owner { email } lastUsedAt revokedAt } }`);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed.data!.apiTokens).toContainEqual(expect.objectContaining({ id: token.id, label: 'laptop', role: 'AGENT', revokedAt: null }));
    const revoked = await ok(admin, `mutation($id: ID!) { revokeApiToken(id: $id) { token { revokedAt } userErrors { message } } }`, { id: token.id });
    expect(revoked.revokeApiToken.token.revokedAt).not.toBeNull();
    expectCode(await q(secret, `{ me { email } }`), 'UNAUTHENTICATED');
    // bob's other token still works.
    expect((await ok(bob, `{ me { email } }`)).me.email).toBe('bob@example.com');
  });

  it('updates an agent\'s name and role; deactivating one stops all their tokens at once', async () => {
    const dave = await agentToken('dave@example.com', 'Dave');
    const updated = await ok(admin, `mutation { updateAgent(email: "dave@example.com", input: { name: "David", role: ADMIN }) { agent { name role } } }`);
    expect(updated.updateAgent.agent).toEqual({ name: 'David', role: 'ADMIN' });
    // The token was issued as AGENT: it stays an AGENT token.
    expectCode(await q(dave, `{ agents { email } }`), 'FORBIDDEN');
    const deactivated = await ok(admin, `mutation { deactivateAgent(email: "dave@example.com") { agent { active } userErrors { message } } }`);
    expect(deactivated.deactivateAgent.agent.active).toBe(false);
    expectCode(await q(dave, `{ me { email } }`), 'UNAUTHENTICATED');
    const list = await ok(admin, `{ agents { email active } }`);
    expect(list.agents).toContainEqual({ email: 'dave@example.com', active: false });
    // Reactivated: the same token works again.
    await ok(admin, `mutation { updateAgent(email: "dave@example.com", input: { active: true }) { agent { active } userErrors { message } } }`);
    expect((await ok(dave, `{ me { email active } }`)).me).toEqual({ email: 'dave@example.com', active: true });
    const self = await ok(admin, `{ me { email } }`);
    const refused = await ok(admin, `mutation($e: String!) { deactivateAgent(email: $e) { agent { email } userErrors { field message } } }`, { e: self.me.email });
    expect(refused.deactivateAgent.userErrors).toEqual([{ field: ['email'], message: 'you cannot deactivate yourself' }]);
  });
});

describe('attachment download', () => {
  it('streams the exact bytes with a safe Content-Disposition, nosniff and the right length', async () => {
    const data = await ok(alice, `{ ticket(number: ${billing}) { messages { attachments { filename contentType size sha256 url } } } }`);
    const attachment = data.ticket.messages[0].attachments[0];
    expect(attachment).toMatchObject({ filename: 'Résumé (Q3).pdf', contentType: 'application/pdf', size: PDF.length });
    expect(attachment.url).toMatch(/^\/attachments\/\d+$/);
    const response = await fetch(`${gw.url}${attachment.url}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="R_sum_ (Q3).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28Q3%29.pdf`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(PDF.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it("shows which files the body's cid: images are: a MIME inline part and an image embedded as a data: URL", async () => {
    const screenshot = Buffer.concat([MAGIC.png, Buffer.alloc(2000, 9)]);
    const logo = Buffer.concat([MAGIC.png, Buffer.alloc(500, 3)]);
    const html = `<p>The error:</p><img alt="screenshot" src="data:image/png;base64,${screenshot.toString('base64')}"><p>Regards</p><img src="cid:logo@customer.test">`;
    const raw = await buildMail({
      to: 'billing@example.com',
      subject: 'Pasted screenshot',
      from: 'Pia <pia@customer.test>',
      html,
      attachments: [{ filename: 'logo.png', content: logo, contentType: 'image/png', cid: 'logo@customer.test' }],
    });
    const outcome = await h.ingest(raw);
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
    const data = await ok(alice, `{ ticket(number: ${outcome.ticketNumber}) { messages { bodyText bodyHtml attachments { filename inline contentId size url } } } }`);
    const message = data.ticket.messages[0];
    expect(message.attachments).toHaveLength(2);
    const byCid = new Map<string, { filename: string; inline: boolean; size: number; url: string }>(message.attachments.map((a: Data) => [a.contentId, a]));
    const sources = [...(message.bodyHtml as string).matchAll(/<img src="cid:([^"]+)"/g)].map((match) => match[1]!);
    expect(sources).toHaveLength(2);
    expect(byCid.get(sources[1]!)).toMatchObject({ filename: 'logo.png', inline: true, size: logo.length });
    const embedded = byCid.get(sources[0]!)!;
    expect(embedded).toMatchObject({ filename: 'inline-1.png', inline: true, size: screenshot.length });
    const response = await fetch(`${gw.url}${embedded.url}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(Buffer.from(await response.arrayBuffer()).equals(screenshot)).toBe(true);
    expect(message.bodyHtml).not.toContain('base64');
    expect(message.bodyText).not.toContain('base64');
  });

  it('streams a large attachment in slices with the exact length and bytes', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    big.write('%PDF-1.4\n', 0, 'latin1');
    const n = await ingestTicket('billing@example.com', 'Big file', 'Jo <jo@customer.test>', { attachments: [{ filename: 'dump.pdf', content: big, contentType: 'application/pdf' }] });
    const url = (await ok(alice, `{ ticket(number: ${n}) { messages { attachments { url } } } }`)).ticket.messages[0].attachments[0].url;
    const response = await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(big)).toBe(true);
  });

  it('serves active content (HTML, SVG, XML, a JPEG that is HTML) only as an opaque, sandboxed download (S2)', async () => {
    const messageId = Number((await ok(admin, `{ ticket(number: ${billing}) { messages { id } } }`)).ticket.messages[0].id);
    const html = '<html><script>alert(document.cookie)</script></html>';
    const files: [string, string][] = [
      ['page.html', 'text/html'],
      ['image.svg', 'image/svg+xml'],
      ['data.xml', 'application/xml'],
      ['photo.jpg', 'image/jpeg'],
      ['page.xhtml', 'application/xhtml+xml'],
      ['weird', 'text/html; charset=utf-8\r\nX-Injected: 1'],
    ];
    // Stored directly: the download must be safe whatever the ingest policy lets through.
    const client = new pg.Client({ connectionString: gw.databaseUrl });
    await client.connect();
    const ids: number[] = [];
    for (const [filename, type] of files) {
      const row = await client.query<{ id: number }>(
        `insert into attachment (message_id, filename, content_type, size, sha256, inline, content, created_at) values ($1, $2, $3, $4, $5, false, $6, now()) returning id`,
        [messageId, filename, type, Buffer.byteLength(html), 'f'.repeat(64), Buffer.from(html)],
      );
      ids.push(row.rows[0]!.id);
    }
    await client.end();
    for (const [i, id] of ids.entries()) {
      const response = await fetch(`${gw.url}/attachments/${id}`, { headers: { authorization: `Bearer ${alice}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain('sandbox');
      const type = response.headers.get('content-type') ?? '';
      expect(type, files[i]![0]).not.toMatch(/html|svg|xml|javascript/);
      expect(response.headers.get('x-injected')).toBeNull();
      expect(await response.text()).toBe(html);
    }
  });
});
