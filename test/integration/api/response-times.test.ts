/**
 * Response times on the work list: `Ticket.awaitingReplySince` (the customer's oldest unanswered
 * message), `Ticket.firstResponseAt`, `tickets(filter: { awaitingReply })` and
 * `ticketCounts { awaitingReply }`. Mail through the real ingest pipeline, agents over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { parseMetrics, sample } from '../../harness/metrics.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let agent: string;

const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);

async function mail(spec: TestMail): Promise<number> {
  const outcome = await h.ingest(await buildMail(spec));
  if (!('ticketNumber' in outcome)) throw new Error(`expected a ticket or comment, got ${JSON.stringify(outcome)}`);
  return outcome.ticketNumber;
}

interface Times {
  status: string;
  awaitingReplySince: string | null;
  firstResponseAt: string | null;
  /** createdAt of each message, oldest first, with its direction */
  messages: { direction: string; createdAt: string }[];
}
async function times(number: number): Promise<Times> {
  const data = await ok(agent, `{ ticket(number: ${number}) { status awaitingReplySince firstResponseAt messages { direction createdAt } } }`);
  return data.ticket;
}
async function awaiting(token: string, value = true): Promise<number[]> {
  const data = await ok(token, `query($v: Boolean) { tickets(filter: { awaitingReply: $v }, first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { edges { node { number } } } }`, { v: value });
  return data.tickets.edges.map((e: Data) => e.node.number);
}
const count = async (token: string) => (await ok(token, `{ ticketCounts { awaitingReply } }`)).ticketCounts.awaitingReply as number;
const reply = (number: number, body: string) => ok(agent, `mutation { replyToTicket(number: ${number}, body: "${body}") { userErrors { message } } }`);

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', REPLY_TARGETS: 'URGENT=1h,NORMAL=1d,LOW=off' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'agent@example.com');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('awaitingReplySince and firstResponseAt', () => {
  it("follow the conversation: the customer's oldest unanswered message, cleared by a public reply", async () => {
    const number = await mail({ from: 'ann@customer.test', subject: 'Printer jam', text: 'Tray 2 is stuck.' });
    let t = await times(number);
    expect(t.awaitingReplySince).toBe(t.messages[0]!.createdAt);
    expect(t.firstResponseAt).toBeNull();
    expect(await awaiting(agent)).toEqual([number]);

    // A second message before any answer: still waiting since the first.
    await mail({ from: 'ann@customer.test', subject: `Re: [#${number}] Printer jam`, text: 'Tray 3 too, now.' });
    expect((await times(number)).awaitingReplySince).toBe(t.messages[0]!.createdAt);

    // An internal note answers nobody.
    await ok(agent, `mutation { addNote(number: ${number}, body: "Ordering a part.") { userErrors { message } } }`);
    expect((await times(number)).awaitingReplySince).toBe(t.messages[0]!.createdAt);

    await reply(number, 'A technician comes at 3.');
    t = await times(number);
    const answer = t.messages.find((m) => m.direction === 'OUTBOUND')!;
    expect(t).toMatchObject({ awaitingReplySince: null, firstResponseAt: answer.createdAt });
    expect(await awaiting(agent)).toEqual([]);
    expect(await awaiting(agent, false)).toEqual([number]);

    // An out-of-office in answer waits for nothing; the customer's next message does.
    await mail({ from: 'ann@customer.test', subject: `Auto: Re: [#${number}] Printer jam`, headers: { 'Auto-Submitted': 'auto-replied' } });
    expect((await times(number)).awaitingReplySince).toBeNull();
    await mail({ from: 'ann@customer.test', subject: `Re: [#${number}] Printer jam`, text: 'Thanks, 3 is fine.' });
    t = await times(number);
    expect(t.awaitingReplySince).toBe(t.messages.at(-1)!.createdAt);
    // Answering again does not move the first response.
    await reply(number, 'See you then.');
    expect((await times(number)).firstResponseAt).toBe(answer.createdAt);
  });

  it('is cleared by closing, and set again when the customer reopens by mail', async () => {
    const number = await mail({ from: 'bob@customer.test', subject: 'VPN down' });
    expect((await times(number)).awaitingReplySince).not.toBeNull();
    await ok(agent, `mutation { closeTicket(number: ${number}) { userErrors { message } } }`);
    expect((await times(number))).toMatchObject({ status: 'CLOSED', awaitingReplySince: null });
    await mail({ from: 'bob@customer.test', subject: `Re: [#${number}] VPN down`, text: 'It is down again.' });
    const t = await times(number);
    expect(t).toMatchObject({ status: 'OPEN', awaitingReplySince: t.messages.at(-1)!.createdAt });
  });

  it('is never set by automatic mail, and a ticket an agent opens starts answered', async () => {
    const newsletter = await mail({ from: 'news@vendor.test', subject: 'November news', headers: { 'List-Id': '<news.vendor.test>' } });
    expect((await times(newsletter)).awaitingReplySince).toBeNull();
    const opened = await ok(agent, `mutation { createTicket(input: { requester: "carol@customer.test", subject: "Your new laptop", body: "It is ready for pick-up.", queue: "General" }) { ticket { number awaitingReplySince firstResponseAt createdAt } userErrors { message } } }`);
    expect(opened.createTicket.userErrors).toEqual([]);
    const ticket = opened.createTicket.ticket;
    expect(ticket.awaitingReplySince).toBeNull();
    expect(Date.parse(ticket.firstResponseAt)).toBeGreaterThanOrEqual(Date.parse(ticket.createdAt));
  });

  it('is not set on a ticket a rule closes as it arrives, which is closed as of its arrival', async () => {
    const rule = await gqlData<Data>(gw.url, gw.adminToken, `mutation($input: RuleInput!) { createRule(input: $input) { name } }`, {
      input: { name: 'close spam', conditions: { field: 'subject', operator: 'contains', value: 'zz-spam' }, actions: [{ setStatus: 'CLOSED' }] },
    });
    expect(rule.createRule.name).toBe('close spam');
    const number = await mail({ from: 'spammer@elsewhere.test', subject: 'zz-spam cheap watches' });
    const data = await ok(gw.adminToken, `{ ticket(number: ${number}) { status closedAt createdAt awaitingReplySince } }`);
    expect(data.ticket).toEqual({ status: 'CLOSED', closedAt: data.ticket.createdAt, createdAt: expect.any(String), awaitingReplySince: null });
    await gqlData(gw.url, gw.adminToken, `mutation { deleteRule(name: "close spam") { name } }`);
  });

  it('joins a merge: the kept ticket waits from the oldest unanswered message of the two', async () => {
    const kept = await mail({ from: 'dan@customer.test', subject: 'Mail bounces' });
    await reply(kept, 'Looking into it.');
    const duplicate = await mail({ from: 'dan@customer.test', subject: 'Mail still bounces' });
    const waitingSince = (await times(duplicate)).awaitingReplySince;
    expect(waitingSince).not.toBeNull();
    await ok(agent, `mutation { mergeTickets(number: ${duplicate}, into: ${kept}) { userErrors { message } } }`);
    expect((await times(kept)).awaitingReplySince).toBe(waitingSince);
    expect((await times(duplicate)).awaitingReplySince).toBeNull();
  });

  it('counts what awaits a reply, per caller and per queue', async () => {
    const visible = await awaiting(gw.adminToken);
    expect(visible.length).toBeGreaterThan(0);
    expect(await count(gw.adminToken)).toBe(visible.length);
    expect(await count(agent)).toBe((await awaiting(agent)).length);
    await ok(gw.adminToken, `mutation { createQueue(input: { name: "Empty" }) { userErrors { message } } }`);
    expect((await ok(gw.adminToken, `{ ticketCounts(queue: "Empty") { awaitingReply } }`)).ticketCounts.awaitingReply).toBe(0);
  });
});

describe('reply targets (REPLY_TARGETS)', () => {
  const DAY = 86_400_000;
  /** A ticket whose customer has waited `days`, with the given priority. */
  async function waiting(from: string, days: number, priority: string): Promise<number> {
    const number = await mail({ from, subject: `Waiting ${days} days` });
    await ok(agent, `mutation { updateTicket(number: ${number}, input: { priority: ${priority} }) { userErrors { message } } }`);
    await queryDatabase(gw.databaseUrl, 'update ticket set awaiting_reply_since = $1 where number = $2', [new Date(Date.now() - days * DAY), number]);
    return number;
  }
  const overdue = async (value: boolean, requester: string) =>
    (await ok(agent, `query($v: Boolean, $r: String) { tickets(filter: { replyOverdue: $v, requester: $r }) { edges { node { number } } } }`, { v: value, r: requester })).tickets.edges.map(
      (e: Data) => e.node.number,
    );

  it("make a reply due at the wait plus the priority's target, and list and count what is overdue", async () => {
    const late = await waiting('late@customer.test', 2, 'NORMAL');
    const lowLate = await waiting('low@customer.test', 10, 'LOW');
    const fresh = await waiting('fresh@customer.test', 0.5, 'NORMAL');
    const urgentLate = await waiting('urgent@customer.test', 0.1, 'URGENT');
    const noTarget = await waiting('high@customer.test', 5, 'HIGH');

    const read = async (number: number) => (await ok(agent, `{ ticket(number: ${number}) { awaitingReplySince replyDueAt } }`)).ticket;
    const t = await read(late);
    expect(Date.parse(t.replyDueAt) - Date.parse(t.awaitingReplySince)).toBe(DAY);
    expect((await read(urgentLate)).replyDueAt).not.toBeNull();
    expect((await read(lowLate)).replyDueAt).toBeNull(); // LOW=off
    expect((await read(noTarget)).replyDueAt).toBeNull(); // HIGH not named

    expect(await overdue(true, 'late@customer.test')).toEqual([late]);
    expect(await overdue(true, 'urgent@customer.test')).toEqual([urgentLate]);
    for (const [requester, number] of [['low@customer.test', lowLate], ['fresh@customer.test', fresh], ['high@customer.test', noTarget]] as const) {
      expect(await overdue(true, requester), requester).toEqual([]);
      expect(await overdue(false, requester), requester).toEqual([number]);
    }

    // The count, the list and the metric agree (the admin sees every queue).
    const all = await ok(gw.adminToken, `{ tickets(filter: { replyOverdue: true }) { totalCount } ticketCounts { awaitingReply replyOverdue } }`);
    expect(all.ticketCounts.replyOverdue).toBe(all.tickets.totalCount);
    expect(all.ticketCounts.replyOverdue).toBeGreaterThanOrEqual(2);
    const scraped = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).text());
    expect(sample(scraped, 'postdesk_tickets_awaiting_reply', { overdue: 'true' })).toBe(all.ticketCounts.replyOverdue);
    expect((sample(scraped, 'postdesk_tickets_awaiting_reply', { overdue: 'false' }) ?? 0) + all.ticketCounts.replyOverdue).toBe(all.ticketCounts.awaitingReply);

    // Answered, it is no longer overdue.
    await reply(late, 'Sorry for the wait.');
    expect(await overdue(true, 'late@customer.test')).toEqual([]);
    expect((await read(late)).replyDueAt).toBeNull();
  });
});
