/**
 * mergeTickets: the customer wrote twice about one matter. The duplicate's messages, CCs and
 * watchers move to the ticket that stays; the duplicate is closed (no "closed" mail) and its
 * requester is told where their request went, in its own thread; from then on mail for the
 * duplicate (a reply to our mail, a reply to one of its messages, its [#N] tag) lands on the kept
 * ticket. Mail goes through the real ingest pipeline into the database the gateway serves.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildDeliveryFailure, buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let agentToken: string;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const as = (token: string) => (query: string, variables?: Record<string, unknown>) => gql<Data>(gw.url, token, query, variables);
const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);
const MERGE = `mutation($n: Int!, $into: Int!) { mergeTickets(number: $n, into: $into) { ticket { number } userErrors { field message } } }`;
const merge = (token: string, n: number, into: number) => as(token)(MERGE, { n, into });

async function ingest(mail: Parameters<typeof buildMail>[0]): Promise<{ kind: string; ticketNumber: number }> {
  const outcome = await h.ingest(await buildMail(mail));
  if (outcome.kind !== 'ticket' && outcome.kind !== 'comment') throw new Error(`expected a ticket or comment, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const mailKinds = async (n: number) =>
  (await queryDatabase<{ kind: string }>(gw.databaseUrl, `select d.kind from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 order by d.id`, [n])).map((r) => r.kind);

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agentToken = await agentOfQueue(gw, 'agent@example.com');
  await agentOfQueue(gw, 'lead@example.com');
  await ok(gw.adminToken, `mutation { createQueue(input: { name: "Billing" }) { userErrors { message } } }`);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('merging a duplicate', () => {
  it('moves its messages and people, closes it without a "closed" mail, tells its requester, and threads its mail onto the kept ticket', async () => {
    const kept = (await ingest({ from: 'Kim <kim@customer.test>', subject: 'VPN down', messageId: 'kim-1@customer.test', text: 'The VPN is down.' })).ticketNumber;
    const dup = (await ingest({ from: 'Kim <kim@customer.test>', cc: 'Boss <boss@customer.test>', subject: 'VPN STILL down!!', messageId: 'kim-2@customer.test', text: 'Still down, my boss is asking.' })).ticketNumber;
    await ok(agentToken, `mutation($n: Int!) { replyToTicket(number: $n, body: "We are on it.") { userErrors { message } } }`, { n: dup });
    await ok(agentToken, `mutation($n: Int!) { addTicketWatcher(number: $n, email: "lead@example.com") { userErrors { message } } }`, { n: dup });
    const [ourReply] = await queryDatabase<{ message_id: string }>(gw.databaseUrl, `select d.message_id from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = 'reply'`, [dup]);

    const merged = (await ok(agentToken, MERGE, { n: dup, into: kept })).mergeTickets;
    expect(merged).toEqual({ ticket: { number: kept }, userErrors: [] });

    const view = `query($n: Int!) { ticket(number: $n) { status mergedInto messages { direction bodyText } ccs { email } watchers { email } events { kind actor { email } from to } } }`;
    const k = (await ok(agentToken, view, { n: kept })).ticket;
    expect(k.messages.map((m: { bodyText: string }) => m.bodyText.trim())).toEqual(['The VPN is down.', 'Still down, my boss is asking.', 'We are on it.']);
    expect(k.ccs).toEqual([{ email: 'boss@customer.test' }]);
    expect(k.watchers).toContainEqual({ email: 'lead@example.com' });
    expect(k.events).toContainEqual({ kind: 'merged', actor: { email: 'agent@example.com' }, from: String(dup), to: null });
    expect(k.mergedInto).toBeNull();

    const d = (await ok(agentToken, view, { n: dup })).ticket;
    expect(d).toMatchObject({ status: 'CLOSED', mergedInto: kept, messages: [] });
    expect(d.events.slice(-2)).toEqual([
      { kind: 'merged-into', actor: { email: 'agent@example.com' }, from: null, to: String(kept) },
      { kind: 'status', actor: { email: 'agent@example.com' }, from: 'OPEN', to: 'CLOSED' },
    ]);
    expect(await mailKinds(dup)).toEqual(['acknowledgement', 'reply', 'ticket-merged']);

    const [notice] = await queryDatabase<{ raw: Buffer; recipients: string[] }>(gw.databaseUrl, `select d.raw, d.recipients from outbound_delivery d where d.kind = 'ticket-merged'`);
    const mail = await simpleParser(notice!.raw);
    expect(notice!.recipients).toEqual(['kim@customer.test']);
    expect(mail.subject).toBe(`Re: [#${dup}] VPN STILL down!!`);
    expect(mail.text).toContain(`so we now handle both as one: #${kept}`);
    expect(mail.inReplyTo).toBeTruthy(); // in the duplicate's thread
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    // From now on, every way of answering the duplicate reaches the kept ticket.
    const viaOurMail = await ingest({ from: 'kim@customer.test', subject: 'Re: VPN STILL down!!', inReplyTo: ourReply!.message_id.replace(/^<|>$/g, ''), text: 'Thanks!' });
    const viaTag = await ingest({ from: 'kim@customer.test', subject: `Re: [#${dup}] VPN`, text: 'Any news?' });
    const viaItsMessage = await ingest({ from: 'boss@customer.test', subject: 'Re: VPN STILL down!!', inReplyTo: 'kim-2@customer.test', text: 'When will it work?' });
    for (const outcome of [viaOurMail, viaTag, viaItsMessage]) expect(outcome).toMatchObject({ kind: 'comment', ticketNumber: kept });
    expect((await ok(agentToken, view, { n: dup })).ticket.messages).toEqual([]);

    // A delivery failure of the duplicate's mail (its acknowledgement, an outbox row that stays
    // with it), arriving after the merge, is noted where the agents now work: on the kept ticket.
    const [ack] = await queryDatabase<{ message_id: string }>(gw.databaseUrl, `select d.message_id from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = 'acknowledgement'`, [dup]);
    const beforeBounce = new Date().toISOString();
    const bounced = await h.ingest(buildDeliveryFailure(ack!.message_id.replace(/^<|>$/g, ''), 'boss@customer.test'));
    expect(bounced).toMatchObject({ kind: 'note', ticketNumber: kept });
    const changed = await ok(agentToken, `query($since: DateTime) { tickets(filter: { updatedAfter: $since }) { edges { node { number } } } }`, { since: beforeBounce });
    expect(changed.tickets.edges).toEqual([{ node: { number: kept } }]);
    expect((await ok(agentToken, view, { n: kept })).ticket.events).toContainEqual({ kind: 'bounce', actor: null, from: null, to: 'boss@customer.test' });
    expect((await ok(agentToken, view, { n: dup })).ticket.messages).toEqual([]);
  });

  it('refuses to merge a ticket into itself, twice, into a duplicate, or with an unknown number, naming the argument', async () => {
    const a = (await ingest({ from: 'lee@customer.test', subject: 'Printer jam' })).ticketNumber;
    const b = (await ingest({ from: 'lee@customer.test', subject: 'Printer jam again' })).ticketNumber;
    const c = (await ingest({ from: 'lee@customer.test', subject: 'Printer on fire' })).ticketNumber;
    const errors = async (n: number, into: number) => (await merge(agentToken, n, into)).data!.mergeTickets.userErrors;
    expect(await errors(a, a)).toEqual([{ field: ['into'], message: 'a ticket cannot be merged into itself' }]);
    expect((await merge(agentToken, b, a)).data!.mergeTickets.userErrors).toEqual([]);
    expect(await errors(b, c)).toEqual([{ field: ['number'], message: `ticket #${b} was already merged into #${a}` }]);
    expect(await errors(c, b)).toEqual([{ field: ['into'], message: `ticket #${b} was merged into #${a}; merge into that one` }]);
    expect((await merge(gw.adminToken, c, 999_999)).data!.mergeTickets.userErrors).toEqual([{ field: ['into'], message: 'no ticket #999999' }]);
    // A chain: a merged into c later; mail for b still finds the end of the chain.
    expect((await merge(gw.adminToken, a, c)).data!.mergeTickets.userErrors).toEqual([]);
    expect(await ingest({ from: 'lee@customer.test', subject: `Re: [#${b}] Printer jam again`, text: 'Hello?' })).toMatchObject({ kind: 'comment', ticketNumber: c });
  });

  it('is FORBIDDEN to an agent who does not work both tickets, and changes nothing', async () => {
    const mine = (await ingest({ from: 'max@customer.test', subject: 'Invoice wrong' })).ticketNumber;
    const other = (await ingest({ from: 'max@customer.test', subject: 'Invoice still wrong' })).ticketNumber;
    await ok(gw.adminToken, `mutation($n: Int!) { updateTicket(number: $n, input: { queue: "Billing" }) { userErrors { message } } }`, { n: other });
    for (const [n, into] of [
      [mine, other],
      [other, mine],
    ] as const) {
      const refused = await merge(agentToken, n, into);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const still = await ok(gw.adminToken, `query($n: Int!) { ticket(number: $n) { status mergedInto messages { id } } }`, { n: other });
    expect(still.ticket).toMatchObject({ status: 'OPEN', mergedInto: null });
    expect(still.ticket.messages).toHaveLength(1);
  });
});
