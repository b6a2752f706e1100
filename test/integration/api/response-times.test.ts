/**
 * Response times on the work list: `Ticket.awaitingReplySince` (the customer's oldest unanswered
 * message), `Ticket.firstResponseAt`, `tickets(filter: { awaitingReply })` and
 * `ticketCounts { awaitingReply }`. Mail through the real ingest pipeline, agents over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';

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
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
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
