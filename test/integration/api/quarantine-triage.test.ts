/**
 * Quarantine triage and the admin audit log, over real HTTP on a real database:
 *
 * - `quarantinedMessages(filter:)` by status (PENDING / RESOLVED / DISMISSED), reason code and
 *   mailbox, so an admin sees what still needs a decision;
 * - `dismissQuarantinedMessages` takes spam and newsletters off that list, all or nothing, keeping
 *   the raw bytes; a retry still ingests a dismissed message, and one still refused is pending again;
 * - every dismissal and retry is an admin event with the actor, readable with `adminEvents`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let adminEmail: string;
/** Quarantine ids: two auto-replies that answer nothing, our own mail come back, one from a named mailbox. */
const ids = { autoOne: '', autoTwo: '', own: '', fromMailbox: '' };

async function must(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

async function quarantine(raw: Buffer, mailbox: string | null = null): Promise<string> {
  const outcome = await h.ingest(raw, mailbox ? { mailbox: { name: mailbox, role: 'SUPPORT', address: null } } : {});
  if (outcome.kind !== 'quarantined') throw new Error(`expected a quarantine, got ${outcome.kind}`);
  return String(outcome.quarantineId);
}

const LIST = `query($filter: QuarantineFilter) { quarantinedMessages(first: 50, filter: $filter) { totalCount edges { node { id status reasonCode mailbox } } } }`;
async function listed(filter: Record<string, unknown> | null): Promise<{ total: number; ids: string[] }> {
  const data = await must(LIST, { filter });
  return { total: data.quarantinedMessages.totalCount, ids: data.quarantinedMessages.edges.map((e: Data) => e.node.id).sort() };
}

const DISMISS = `mutation($ids: [ID!]!, $note: String) { dismissQuarantinedMessages(ids: $ids, note: $note) {
  quarantinedMessages { id status dismissedAt dismissedBy { email } rawUrl } userErrors { field message } } }`;
const RETRY = `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber quarantinedMessage { status dismissedAt } userErrors { message } } }`;
const EVENTS = `query($filter: AdminEventFilter, $first: Int, $after: String) { adminEvents(filter: $filter, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { kind actor { email } from to detail createdAt } } } }`;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  adminEmail = (await must(`{ me { email } }`)).me.email;
  ids.autoOne = await quarantine(await buildMail({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }));
  ids.autoTwo = await quarantine(await buildMail({ subject: 'Re: Our newsletter', from: 'news@vendor.test', headers: { 'Auto-Submitted': 'auto-replied' } }));
  ids.own = await quarantine(await buildMail({ subject: 'Came back', from: 'support@example.com' }));
  ids.fromMailbox = await quarantine(await buildMail({ subject: 'Away', from: 'away@customer.test', headers: { 'Auto-Submitted': 'auto-replied' } }), 'triage');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('quarantinedMessages filters', () => {
  it('filters by status, reason code and mailbox; without a filter it lists everything', async () => {
    const all = Object.values(ids).sort();
    expect(await listed(null)).toEqual({ total: 4, ids: all });
    expect(await listed({ status: ['PENDING'] })).toEqual({ total: 4, ids: all });
    expect(await listed({ status: ['RESOLVED', 'DISMISSED'] })).toEqual({ total: 0, ids: [] });
    expect(await listed({ reasonCode: ['OWN_MAIL'] })).toEqual({ total: 1, ids: [ids.own] });
    expect(await listed({ reasonCode: ['AUTOMATIC_UNTHREADED'] })).toEqual({ total: 3, ids: [ids.autoOne, ids.autoTwo, ids.fromMailbox].sort() });
    expect(await listed({ mailbox: 'triage' })).toEqual({ total: 1, ids: [ids.fromMailbox] });
    expect(await listed({ mailbox: 'triage', reasonCode: ['OWN_MAIL'] })).toEqual({ total: 0, ids: [] });
    const tooMany = await gql<Data>(gw.url, gw.adminToken, LIST, { filter: { reasonCode: Array.from({ length: 51 }, (_, i) => `CODE_${i}`) } });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A cursor of this list whose position is not a row id is bad input, not an internal error.
    for (const position of ['abc', '1.5', '99999999999999999999']) {
      const forged = await gql<Data>(gw.url, gw.adminToken, `query($after: String) { quarantinedMessages(after: $after) { totalCount } }`, {
        after: Buffer.from(`quarantine:${position}`).toString('base64url'),
      });
      expect(forged.errors?.[0]?.extensions?.code, position).toBe('BAD_USER_INPUT');
    }
  });
});

describe('dismissQuarantinedMessages', () => {
  it('refuses bad ids as a whole: nothing is dismissed when one is wrong', async () => {
    const mixed = await must(DISMISS, { ids: [ids.autoOne, '999999'] });
    expect(mixed.dismissQuarantinedMessages).toEqual({ quarantinedMessages: [], userErrors: [{ field: ['ids', '1'], message: 'no quarantined message 999999' }] });
    for (const bad of [[], ['abc'], ['1.5'], Array.from({ length: 101 }, () => ids.autoOne)]) {
      const refused = await must(DISMISS, { ids: bad });
      expect(refused.dismissQuarantinedMessages.userErrors.length, JSON.stringify(bad).slice(0, 40)).toBeGreaterThan(0);
    }
    const longNote = await must(DISMISS, { ids: [ids.autoOne], note: 'x'.repeat(1001) });
    expect(longNote.dismissQuarantinedMessages.userErrors[0].field).toEqual(['note']);
    expect((await listed({ status: ['PENDING'] })).total).toBe(4);
  });

  it('dismisses, keeps the raw bytes, records who and why, and a second dismissal changes nothing', async () => {
    const data = await must(DISMISS, { ids: [ids.autoTwo, ids.autoOne], note: 'vendor newsletters' });
    const dismissed = data.dismissQuarantinedMessages;
    expect(dismissed.userErrors).toEqual([]);
    expect(dismissed.quarantinedMessages.map((m: Data) => m.id)).toEqual([ids.autoTwo, ids.autoOne]);
    for (const m of dismissed.quarantinedMessages) {
      expect(m).toMatchObject({ status: 'DISMISSED', dismissedAt: expect.any(String), dismissedBy: { email: adminEmail } });
      const download = await fetch(`${gw.url}${m.rawUrl}`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(await listed({ status: ['PENDING'] })).toEqual({ total: 2, ids: [ids.own, ids.fromMailbox].sort() });
    expect(await listed({ status: ['DISMISSED'] })).toEqual({ total: 2, ids: [ids.autoOne, ids.autoTwo].sort() });

    const again = await must(DISMISS, { ids: [ids.autoOne] });
    expect(again.dismissQuarantinedMessages.userErrors).toEqual([]);
    const events = await must(EVENTS, { filter: { kind: ['quarantine-dismissed'] } });
    expect(events.adminEvents.totalCount).toBe(2);
    const detail = events.adminEvents.edges.map((e: Data) => JSON.parse(e.node.detail));
    expect(detail.map((d: Data) => String(d.quarantinedMessage)).sort()).toEqual([ids.autoOne, ids.autoTwo].sort());
    expect(detail.every((d: Data) => d.note === 'vendor newsletters')).toBe(true);
    expect(events.adminEvents.edges.every((e: Data) => e.node.actor?.email === adminEmail && e.node.from === 'AUTOMATIC_UNTHREADED')).toBe(true);
  });

  it('still lets an admin retry a dismissed message: ingested it is RESOLVED, refused again it is PENDING again', async () => {
    const ingested = await must(RETRY, { id: ids.autoOne });
    expect(ingested.retryQuarantinedMessage.ticketNumber).toEqual(expect.any(Number));
    expect(ingested.retryQuarantinedMessage.quarantinedMessage.status).toBe('RESOLVED');
    const resolvedAgain = await must(DISMISS, { ids: [ids.autoOne] });
    expect(resolvedAgain.dismissQuarantinedMessages.userErrors[0].message).toMatch(/already ingested/);

    await must(DISMISS, { ids: [ids.own] });
    const refused = await must(RETRY, { id: ids.own });
    expect(refused.retryQuarantinedMessage.userErrors[0].message).toMatch(/still quarantined/);
    expect(refused.retryQuarantinedMessage.quarantinedMessage).toEqual({ status: 'PENDING', dismissedAt: null });
    expect(await listed({ status: ['RESOLVED'] })).toEqual({ total: 1, ids: [ids.autoOne] });
    expect((await listed({ status: ['PENDING'] })).ids).toContain(ids.own);

    const retries = await must(EVENTS, { filter: { kind: ['quarantine-retried'] } });
    const byMessage = new Map(retries.adminEvents.edges.map((e: Data) => [String(JSON.parse(e.node.detail).quarantinedMessage), e.node]));
    expect(byMessage.get(ids.autoOne)).toMatchObject({ actor: { email: adminEmail }, from: 'AUTOMATIC_UNTHREADED', to: `ticket on #${ingested.retryQuarantinedMessage.ticketNumber}` });
    expect(byMessage.get(ids.own)).toMatchObject({ actor: { email: adminEmail }, from: 'OWN_MAIL', to: 'still quarantined: OWN_MAIL' });
  });
});

describe('adminEvents', () => {
  it('lists admin changes newest first, filtered by kind, actor and time, page by page', async () => {
    await must(`mutation { createQueue(input: { name: "Audited", keywords: ["audit"] }) { queue { name } } }`);
    const created = await must(EVENTS, { filter: { kind: ['queue-created'] } });
    expect(created.adminEvents.edges.map((e: Data) => [e.node.to, e.node.actor?.email])).toEqual([['Audited', adminEmail]]);

    const everything = await must(EVENTS, { first: 100 });
    const times = everything.adminEvents.edges.map((e: Data) => Date.parse(e.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(everything.adminEvents.edges[0].node.kind).toBe('queue-created');
    expect(everything.adminEvents.totalCount).toBe(everything.adminEvents.edges.length);
    expect(everything.adminEvents.totalCount).toBeGreaterThanOrEqual(5);

    // Page by page, the same events in the same order, none twice.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: Data = await must(EVENTS, { first: 2, after });
      walked.push(...page.adminEvents.edges.map((e: Data) => e.cursor));
      after = page.adminEvents.pageInfo.hasNextPage ? page.adminEvents.pageInfo.endCursor : null;
    } while (after);
    expect(walked).toEqual(everything.adminEvents.edges.map((e: Data) => e.cursor));

    expect((await must(EVENTS, { filter: { actor: adminEmail.toUpperCase() } })).adminEvents.totalCount).toBe(everything.adminEvents.totalCount);
    expect((await must(EVENTS, { filter: { actor: 'nobody@example.com' } })).adminEvents.totalCount).toBe(0);
    expect((await must(EVENTS, { filter: { since: new Date(Date.now() + 60_000).toISOString() } })).adminEvents.totalCount).toBe(0);
    // Ticket events are not admin events.
    expect(everything.adminEvents.edges.map((e: Data) => e.node.kind)).not.toContain('created');

    const foreign = await gql<Data>(gw.url, gw.adminToken, EVENTS, { after: Buffer.from('quarantine:1').toString('base64url') });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('who sent a quarantined message, and what about', () => {
  it('shows who sent each message and its subject, read from the header block when the message itself cannot be parsed', async () => {
    // A header block over 1 MiB is quarantined unparsed (HEADER_TOO_LARGE); its first lines still tell who and what.
    const padding = Array.from({ length: 20_000 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(60)}`).join('\r\n');
    const huge = Buffer.from(`From: Hugo <Hugo@Customer.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n${padding}\r\nContent-Type: text/plain\r\n\r\nhello\r\n`);
    const hugeId = await quarantine(huge);
    const data = await must(`{ quarantinedMessages(first: 50) { edges { node { id reasonCode from subject } } } }`);
    const byId = new Map(data.quarantinedMessages.edges.map((e: Data) => [e.node.id, e.node]));
    expect(byId.get(hugeId)).toEqual({ id: hugeId, reasonCode: 'HEADER_TOO_LARGE', from: 'hugo@customer.test', subject: 'Grüße' });
    expect(byId.get(ids.autoTwo)).toMatchObject({ from: 'news@vendor.test', subject: 'Re: Our newsletter' });
    expect(byId.get(ids.own)).toMatchObject({ from: 'support@example.com', subject: 'Came back' });
    // Everything one sender got quarantined, whatever the case of the address asked for.
    expect(await listed({ from: 'News@Vendor.TEST' })).toEqual({ total: 1, ids: [ids.autoTwo] });
  });
});

describe('retryQuarantinedMessages', () => {
  it('retries each id in turn, as a single retry would, and says per id what became of it', async () => {
    const first = await quarantine(await buildMail({ subject: 'Away until Monday', from: 'ola@customer.test', headers: { 'Auto-Submitted': 'auto-replied' } }));
    const second = await quarantine(await buildMail({ subject: 'Away until Tuesday', from: 'per@customer.test', headers: { 'Auto-Submitted': 'auto-replied' } }));
    const RETRY_ALL = `mutation($ids: [ID!]!) { retryQuarantinedMessages(ids: $ids) {
      results { ticketNumber quarantinedMessage { id status } userErrors { field message } } userErrors { field message } } }`;
    const data = await must(RETRY_ALL, { ids: [first, 'x', '99999999', second] });
    const { results, userErrors } = data.retryQuarantinedMessages;
    expect(userErrors).toEqual([]);
    expect(results.map((r: Data) => r.quarantinedMessage?.status ?? null)).toEqual(['RESOLVED', null, null, 'RESOLVED']);
    expect(results.map((r: Data) => r.ticketNumber === null)).toEqual([false, true, true, false]);
    expect(results.map((r: Data) => r.userErrors)).toEqual([
      [],
      [{ field: ['ids', '1'], message: 'not a quarantined message id' }],
      [{ field: ['ids', '2'], message: 'no quarantined message 99999999' }],
      [],
    ]);
    // Again: both were ingested, so each says so, and nothing is ingested twice.
    const again = (await must(RETRY_ALL, { ids: [first, second] })).retryQuarantinedMessages.results;
    expect(again.map((r: Data) => r.userErrors[0]?.message)).toEqual([`quarantined message ${first} was already ingested`, `quarantined message ${second} was already ingested`]);
    // The list as a whole: none, or more than 100.
    for (const ids of [[], Array.from({ length: 101 }, (_, i) => String(i + 1))]) {
      expect((await must(RETRY_ALL, { ids })).retryQuarantinedMessages).toEqual({ results: [], userErrors: [{ field: ['ids'], message: 'give between 1 and 100 ids' }] });
    }
  });
});
