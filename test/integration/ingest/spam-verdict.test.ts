/**
 * Mail a spam filter before postdesk called spam (SPAM_HEADERS; SpamAssassin's X-Spam-Flag here,
 * the other headers in the classifier's unit test), through the real pipeline on a real database
 * and the real GraphQL API:
 * - quarantine (the default): what would open a ticket is held as SPAM, kept, listed and never
 *   acknowledged (backscatter to a forged sender); an admin's retry makes it an ordinary ticket,
 *   acknowledged, while a retry of spam held for another reason keeps the verdict; a reply to a
 *   ticket still lands on it, flagged; an emergency goes through.
 * - flag: a ticket flagged `spam-verdict`, never acknowledged. off: the headers mean nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId, type TestMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SPAM = { 'X-Spam-Flag': 'YES', 'X-Spam-Status': 'Yes, score=12.4 required=5.0 tests=BAYES_99' };

let gw: TestApp;
const harnesses: IngestHarness[] = [];

const must = (query: string, variables?: Record<string, unknown>): Promise<Data> => gqlData<Data>(gw.url, gw.adminToken, query, variables);
async function harness(env: Record<string, string> = {}): Promise<(spec: TestMail) => Promise<Data>> {
  const h = await createIngestHarness({ SENDER_AUTHENTICATION: 'off', ...env }, gw.databaseUrl);
  harnesses.push(h);
  return async (spec) => h.ingest(await buildMail(spec));
}
const acknowledgementsTo = async (address: string) =>
  Number((await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from outbound_delivery where kind = 'acknowledgement' and recipients @> array[$1]::text[]`, [address]))[0]!.n);
const flagsOf = async (number: number) => (await must(`query($n: Int!) { ticket(number: $n) { messages { flags } } }`, { n: number })).ticket.messages.map((m: Data) => m.flags);

beforeAll(async () => {
  // No DNS here: the only flags are the ones this test is about.
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', EMERGENCY_ADDRESS: 'emergency@example.com', SENDER_AUTHENTICATION: 'off' });
});
afterAll(async () => {
  for (const h of harnesses) await h.close();
  await gw?.stop();
});

describe('SPAM_HEADERS=quarantine (the default)', () => {
  it('holds spam that would open a ticket, unacknowledged; an admin retry makes it an acknowledged ticket', async () => {
    const ingest = await harness();
    const outcome = await ingest({ from: 'Pills <offer@spammer.test>', subject: 'Cheap pills', headers: SPAM });
    expect(outcome).toMatchObject({ kind: 'quarantined', code: 'SPAM', reason: 'a spam filter before postdesk called it spam (X-Spam-Flag: YES)' });
    const list = await must(`{ quarantinedMessages(filter: { reasonCode: ["SPAM"] }) { totalCount edges { node { id from subject rawUrl } } } }`);
    expect(list.quarantinedMessages).toMatchObject({ totalCount: 1, edges: [{ node: { from: 'offer@spammer.test', subject: 'Cheap pills', rawUrl: expect.any(String) } }] });
    expect(await acknowledgementsTo('offer@spammer.test')).toBe(0);

    // A false positive: the admin releases it, and it is an ordinary ticket.
    const retried = await must(`mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } } }`, { id: list.quarantinedMessages.edges[0].node.id });
    expect(retried.retryQuarantinedMessage).toMatchObject({ ticketNumber: expect.any(Number), userErrors: [] });
    expect(await flagsOf(retried.retryQuarantinedMessage.ticketNumber)).toEqual([[]]);
    expect(await acknowledgementsTo('offer@spammer.test')).toBe(1);
  });

  it('keeps the verdict when an admin retries spam held for another reason: a ticket, flagged, unacknowledged', async () => {
    const ingest = await harness();
    await must(`mutation { blockSender(pattern: "bulk@spammer.test") { pattern } }`);
    const held = await ingest({ from: 'bulk@spammer.test', subject: 'Offer', headers: SPAM });
    expect(held).toMatchObject({ kind: 'quarantined', code: 'SENDER_BLOCKED' });
    const retried = await must(`mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } } }`, { id: String(held.quarantineId) });
    expect(retried.retryQuarantinedMessage).toMatchObject({ ticketNumber: expect.any(Number), userErrors: [] });
    expect(await flagsOf(retried.retryQuarantinedMessage.ticketNumber)).toEqual([['spam-verdict']]);
    expect(await acknowledgementsTo('bulk@spammer.test')).toBe(0);
  });

  it('lets a reply to a ticket land on it, flagged, and an emergency through, flagged', async () => {
    const ingest = await harness();
    const first = randomMessageId();
    const opened = await ingest({ from: 'ann@customer.test', subject: 'Printer broken', messageId: first });
    expect(opened.kind).toBe('ticket');
    const reply = await ingest({ from: 'ann@customer.test', subject: 'Re: Printer broken', inReplyTo: first, text: 'Still broken.', headers: SPAM });
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: opened.ticketNumber });
    expect(await flagsOf(opened.ticketNumber)).toEqual([[], ['spam-verdict']]);

    const emergency = await ingest({ from: 'ops@customer.test', to: 'emergency@example.com', subject: 'Site down', headers: SPAM });
    expect(emergency).toMatchObject({ kind: 'ticket' });
    const ticket = (await must(`query($n: Int!) { ticket(number: $n) { priority type } }`, { n: emergency.ticketNumber })).ticket;
    expect(ticket).toEqual({ priority: 'URGENT', type: 'INCIDENT' });
    expect(await flagsOf(emergency.ticketNumber)).toEqual([['spam-verdict']]);
  });
});

describe('SPAM_HEADERS=flag and off', () => {
  it('flag: a ticket flagged spam-verdict, never acknowledged; off: an ordinary, acknowledged ticket', async () => {
    const flagged = await (await harness({ SPAM_HEADERS: 'flag' }))({ from: 'maybe@customer.test', subject: 'Is this spam?', headers: SPAM });
    expect(flagged.kind).toBe('ticket');
    expect(await flagsOf(flagged.ticketNumber)).toEqual([['spam-verdict']]);
    expect(await acknowledgementsTo('maybe@customer.test')).toBe(0);

    const ignored = await (await harness({ SPAM_HEADERS: 'off' }))({ from: 'trusted@customer.test', subject: 'Our filter is wrong', headers: SPAM });
    expect(ignored.kind).toBe('ticket');
    expect(await flagsOf(ignored.ticketNumber)).toEqual([[]]);
    expect(await acknowledgementsTo('trusted@customer.test')).toBe(1);
  });
});
