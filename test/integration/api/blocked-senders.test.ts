/**
 * Blocked senders, over real HTTP on a real database with the real ingest pipeline: an admin
 * blocks an address or a whole domain; its mail — new or a reply — is quarantined as
 * SENDER_BLOCKED (kept, listed, retryable), never a ticket; emergencies still go through; an
 * unblock lets mail in again; each change is in the admin audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData, gqlError } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let adminEmail: string;

const must = (query: string, variables?: Record<string, unknown>, token = gw.adminToken): Promise<Data> => gqlData<Data>(gw.url, token, query, variables);
const refused = (query: string, variables?: Record<string, unknown>, token = gw.adminToken) => gqlError(gw.url, token, query, variables);

const BLOCK = `mutation($pattern: String!, $note: String) { blockSender(pattern: $pattern, note: $note) { id pattern note createdBy { email } createdAt } }`;
const UNBLOCK = `mutation($pattern: String!) { unblockSender(pattern: $pattern) { pattern note } }`;
const LIST = `query($first: Int, $after: String, $search: String) { blockedSenders(first: $first, after: $after, search: $search) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { pattern } } } }`;

const ingest = async (spec: TestMail) => h.ingest(await buildMail(spec));

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', EMERGENCY_ADDRESS: 'emergency@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  adminEmail = (await must(`{ me { email } }`)).me.email;
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('blockSender', () => {
  it('takes an address or a domain in stored form, and refuses what is not one, our own addresses, a duplicate and an agent', async () => {
    const address = (await must(BLOCK, { pattern: '  Spam@Spammer.TEST ', note: 'sells pills' })).blockSender;
    expect(address).toMatchObject({ pattern: 'spam@spammer.test', note: 'sells pills', createdBy: { email: adminEmail } });
    expect((await must(BLOCK, { pattern: 'Bulk.test' })).blockSender).toMatchObject({ pattern: '@bulk.test', note: null });
    expect((await must(BLOCK, { pattern: '@xn--bcher-kva.test' })).blockSender.pattern).toBe('@xn--bcher-kva.test');

    for (const bad of ['', 'not an address', 'a@b', 'two@@example.test', 'spaced out@example.test', `${'x'.repeat(300)}@example.test`]) {
      expect(await refused(BLOCK, { pattern: bad }), bad).toMatchObject({ code: 'BAD_USER_INPUT', field: ['pattern'] });
    }
    expect(await refused(BLOCK, { pattern: 'SUPPORT@example.com' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining("postdesk's own address support@example.com") });
    expect(await refused(BLOCK, { pattern: '@example.com' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining("postdesk's own address") });
    expect(await refused(BLOCK, { pattern: 'spam@SPAMMER.test' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('spam@spammer.test is already blocked') });
    expect(await refused(BLOCK, { pattern: 'x@y.test', note: 'n'.repeat(1001) })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['note'] });

    const agent = await agentOfQueue(gw, 'agent@example.com');
    expect((await refused(BLOCK, { pattern: 'a@agent-blocks.test' }, agent)).code).toBe('FORBIDDEN');
    expect((await refused(LIST, {}, agent)).code).toBe('FORBIDDEN');
  });
});

describe('mail from a blocked sender', () => {
  it('is quarantined as SENDER_BLOCKED, new or a reply; other addresses of the domain and subdomains are not blocked; an emergency goes through', async () => {
    const earlier = await ingest({ from: 'late@customer.test', subject: 'Before the block' });
    if (earlier.kind !== 'ticket') throw new Error(JSON.stringify(earlier));
    await must(BLOCK, { pattern: 'late@customer.test' });

    const quarantined = [
      await ingest({ from: 'Spam Bot <SPAM@spammer.test>', subject: 'Cheap pills' }),
      await ingest({ from: 'anyone@bulk.test', subject: 'Newsletter' }),
      await ingest({ from: 'late@customer.test', subject: `Re: [#${earlier.ticketNumber}] Before the block`, text: 'More from me.' }),
    ];
    for (const outcome of quarantined) expect(outcome).toMatchObject({ kind: 'quarantined', code: 'SENDER_BLOCKED' });
    expect(quarantined[0]).toMatchObject({ reason: 'mail from spam@spammer.test is blocked (spam@spammer.test)' });
    expect(quarantined[1]).toMatchObject({ reason: 'mail from anyone@bulk.test is blocked (@bulk.test)' });
    const messages = await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from message m join ticket t on t.id = m.ticket_id where t.number = $1`, [earlier.ticketNumber]);
    expect(messages[0]!.n).toBe('1');

    expect(await ingest({ from: 'other@spammer.test', subject: 'Not the blocked address' })).toMatchObject({ kind: 'ticket' });
    expect(await ingest({ from: 'x@sub.bulk.test', subject: 'A subdomain' })).toMatchObject({ kind: 'ticket' });
    expect(await ingest({ from: 'spam@spammer.test', to: 'emergency@example.com', subject: 'The site is down' })).toMatchObject({ kind: 'ticket' });

    // Kept, listed with its reason, and an admin's retry still makes it a ticket.
    const list = await must(`{ quarantinedMessages(filter: { reasonCode: ["SENDER_BLOCKED"] }) { totalCount edges { node { id reason rawUrl } } } }`);
    expect(list.quarantinedMessages.totalCount).toBe(3);
    const pills = list.quarantinedMessages.edges.find((e: Data) => e.node.reason.startsWith('mail from spam@'))!.node;
    expect(pills.rawUrl).toBeTruthy();
    const retried = await must(`mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } } }`, { id: pills.id });
    expect(retried.retryQuarantinedMessage.userErrors).toEqual([]);
    expect(retried.retryQuarantinedMessage.ticketNumber).toEqual(expect.any(Number));
  });
});

describe('blockedSenders and unblockSender', () => {
  it('page newest first with a search; an unblock lets mail in again; both are admin events', async () => {
    const all = await must(LIST, {});
    expect(all.blockedSenders.edges.map((e: Data) => e.node.pattern)).toEqual(['late@customer.test', '@xn--bcher-kva.test', '@bulk.test', 'spam@spammer.test']);
    expect(all.blockedSenders.totalCount).toBe(4);
    const first = await must(LIST, { first: 3 });
    expect(first.blockedSenders.pageInfo.hasNextPage).toBe(true);
    const rest = await must(LIST, { first: 3, after: first.blockedSenders.pageInfo.endCursor });
    expect(rest.blockedSenders.edges.map((e: Data) => e.node.pattern)).toEqual(['spam@spammer.test']);
    expect((await must(LIST, { search: 'BULK' })).blockedSenders).toMatchObject({ totalCount: 1, edges: [{ node: { pattern: '@bulk.test' } }] });
    expect((await must(LIST, { search: '%' })).blockedSenders.totalCount).toBe(0); // a LIKE wildcard is a character, not "anything"

    expect((await must(UNBLOCK, { pattern: 'SPAM@spammer.test' })).unblockSender).toEqual({ pattern: 'spam@spammer.test', note: 'sells pills' });
    expect(await ingest({ from: 'spam@spammer.test', subject: 'Now a real question' })).toMatchObject({ kind: 'ticket' });
    expect(await refused(UNBLOCK, { pattern: 'spam@spammer.test' })).toMatchObject({ code: 'BAD_USER_INPUT', message: 'spam@spammer.test is not blocked', field: ['pattern'] });

    const events = await must(`{ adminEvents(filter: { kind: ["sender-blocked", "sender-unblocked"] }, first: 10) { edges { node { kind actor { email } from to } } } }`);
    const rows = events.adminEvents.edges.map((e: Data) => [e.node.kind, e.node.from ?? e.node.to, e.node.actor?.email]);
    expect(rows[0]).toEqual(['sender-unblocked', 'spam@spammer.test', adminEmail]);
    expect(rows.filter((r: string[]) => r[0] === 'sender-blocked').map((r: string[]) => r[1]).sort()).toEqual(['@bulk.test', '@xn--bcher-kva.test', 'late@customer.test', 'spam@spammer.test']);
  });
});
