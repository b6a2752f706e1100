/**
 * updateTickets: the bulk actions of a work list, over real HTTP on a real database. Each ticket
 * changes as updateTicket would change it alone (events, mails); one ticket refused changes none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let agent: string;

const BULK = `mutation($numbers: [Int!]!, $input: UpdateTicketInput!) { updateTickets(numbers: $numbers, input: $input) {
  tickets { number status priority assignee { email } } userErrors { field message } } }`;
const bulk = async (token: string, numbers: number[], input: Record<string, unknown>) => (await gqlData<Data>(gw.url, token, BULK, { numbers, input })).updateTickets;

async function ticket(from: string): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, subject: `Question from ${from}` }));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  return outcome.ticketNumber;
}
const state = async (numbers: number[]) =>
  queryDatabase<{ number: number; status: string; priority: string }>(gw.databaseUrl, `select number, status, priority from ticket where number = any($1) order by number`, [numbers]);
/** Events staff recorded on these tickets (not the requester's `created`). */
const BY_STAFF = `e.actor_id in (select id from person where role is not null)`;
const eventCount = async (numbers: number[]) =>
  Number((await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from ticket_event e join ticket t on t.id = e.ticket_id where t.number = any($1) and ${BY_STAFF}`, [numbers]))[0]!.n);

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'bulk.agent@example.com');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('updateTickets', () => {
  it('updates every ticket as updateTicket would, in the order asked for, each with its events and mails', async () => {
    const a = await ticket('ann@customer.test');
    const b = await ticket('bob@customer.test');
    const result = await bulk(agent, [b, a], { assignee: 'bulk.agent@example.com', status: 'IN_PROGRESS', priority: 'HIGH' });
    expect(result.userErrors).toEqual([]);
    expect(result.tickets).toEqual([b, a].map((number) => ({ number, status: 'IN_PROGRESS', priority: 'HIGH', assignee: { email: 'bulk.agent@example.com' } })));
    const kinds = await queryDatabase<{ number: number; kinds: string[] }>(
      gw.databaseUrl,
      `select t.number, array_agg(e.kind order by e.kind) as kinds from ticket_event e join ticket t on t.id = e.ticket_id where t.number = any($1) and ${BY_STAFF} group by t.number order by t.number`,
      [[a, b]],
    );
    expect(kinds).toEqual([a, b].sort((x, y) => x - y).map((number) => ({ number, kinds: ['assignee', 'priority', 'status'] })));
    const mails = await queryDatabase<{ number: number }>(
      gw.databaseUrl,
      `select t.number from outbound_delivery d join ticket t on t.id = d.ticket_id where d.kind = 'status-in_progress' and t.number = any($1) order by t.number`,
      [[a, b]],
    );
    expect(mails.map((m) => m.number)).toEqual([a, b].sort((x, y) => x - y));
  });

  it('changes nothing when one ticket is refused, and names it by its index', async () => {
    const c = await ticket('cat@customer.test');
    const d = await ticket('dan@customer.test');
    const before = await state([c, d]);
    // (An agent naming a ticket that does not exist is FORBIDDEN, as for updateTicket: no existence leak.)
    const unknown = await bulk(gw.adminToken, [c, 999_999, d], { priority: 'URGENT' });
    expect(unknown).toEqual({ tickets: [], userErrors: [{ field: ['numbers', '1'], message: '#999999: no ticket #999999' }] });
    const badAssignee = await bulk(agent, [c, d], { priority: 'URGENT', assignee: 'nobody@example.com' });
    expect(badAssignee.userErrors).toEqual([{ field: ['input', 'assignee'], message: `#${c}: nobody@example.com is not an active agent of the ticket's queue` }]);
    expect(await state([c, d])).toEqual(before);
    expect(await eventCount([c, d])).toBe(0);

    expect((await bulk(agent, [c, d, c], { priority: 'LOW' })).userErrors).toEqual([{ field: ['numbers', '2'], message: `#${c} is named twice` }]);
    expect((await bulk(agent, [], { priority: 'LOW' })).userErrors).toEqual([{ field: ['numbers'], message: 'name at least one ticket' }]);
    expect((await bulk(agent, Array.from({ length: 101 }, (_, i) => i + 1), { priority: 'LOW' })).userErrors).toEqual([{ field: ['numbers'], message: 'at most 100 tickets at once' }]);
    expect(await state([c, d])).toEqual(before);
  });

  it("refuses an agent a ticket outside their queues (FORBIDDEN), and then changes none", async () => {
    const mine = await ticket('eve@customer.test');
    const theirs = await ticket('fay@customer.test');
    await gqlData(gw.url, gw.adminToken, `mutation { createQueue(input: { name: "Elsewhere" }) { userErrors { message } } }`);
    expect((await bulk(gw.adminToken, [theirs], { queue: 'Elsewhere' })).userErrors).toEqual([]);
    const before = await state([mine, theirs]);
    const response = await gql<Data>(gw.url, agent, BULK, { numbers: [mine, theirs], input: { status: 'CLOSED' } });
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await state([mine, theirs])).toEqual(before);
  });

  it('lets two bulk updates over the same tickets in opposite orders take turns', async () => {
    const numbers = [await ticket('gus@customer.test'), await ticket('hal@customer.test'), await ticket('ivy@customer.test')];
    const [up, down] = await Promise.all([bulk(agent, numbers, { priority: 'LOW' }), bulk(agent, [...numbers].reverse(), { priority: 'HIGH' })]);
    expect(up.userErrors).toEqual([]);
    expect(down.userErrors).toEqual([]);
    // One ran after the other: all three tickets end with the same priority.
    expect(new Set((await state(numbers)).map((t) => t.priority)).size).toBe(1);
  });
});

describe('markAsSpam', () => {
  const SPAM = `mutation($numbers: [Int!]!, $block: Boolean) { markAsSpam(numbers: $numbers, blockSenders: $block) { tickets { number status } userErrors { field message } } }`;
  const closedMails = async (numbers: number[]) =>
    Number(
      (
        await queryDatabase<{ n: string }>(
          gw.databaseUrl,
          `select count(*)::text as n from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = any($1) and d.kind like 'status-%'`,
          [numbers],
        )
      )[0]!.n,
    );

  it('closes the tickets without mailing the spammer, records why, and (for an admin) blocks the senders', async () => {
    const one = await ticket('pills@spam.test');
    const two = await ticket('pills@spam.test');
    const three = await ticket('casino@spam.test');

    // An agent may close them as spam, not block anyone.
    const refused = await gql<Data>(gw.url, agent, SPAM, { numbers: [one], block: true });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await state([one]))[0]!.status).toBe('OPEN');
    const byAgent = (await gqlData<Data>(gw.url, agent, SPAM, { numbers: [three] })).markAsSpam;
    expect(byAgent).toEqual({ tickets: [{ number: three, status: 'CLOSED' }], userErrors: [] });

    const byAdmin = (await gqlData<Data>(gw.url, gw.adminToken, SPAM, { numbers: [two, one], block: true })).markAsSpam;
    expect(byAdmin).toEqual({ tickets: [two, one].map((number) => ({ number, status: 'CLOSED' })), userErrors: [] });
    expect(await closedMails([one, two, three])).toBe(0);
    const events = await queryDatabase<{ number: number; kind: string; detail: unknown }>(
      gw.databaseUrl,
      `select t.number, e.kind, e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = any($1) and e.kind in ('status', 'spam') order by t.number, e.id`,
      [[one, three]],
    );
    expect(events).toEqual([
      { number: one, kind: 'status', detail: { reason: 'spam' } },
      { number: one, kind: 'spam', detail: { blocked: true } },
      { number: three, kind: 'status', detail: { reason: 'spam' } },
      { number: three, kind: 'spam', detail: null },
    ]);
    // One block for the sender of two tickets; their next mail is quarantined, not a reopened ticket.
    const blocked = await gqlData<Data>(gw.url, gw.adminToken, `{ blockedSenders { edges { node { pattern note } } } }`);
    expect(blocked.blockedSenders.edges).toEqual([{ node: { pattern: 'pills@spam.test', note: `spam: ticket #${Math.min(one, two)}` } }]);
    expect(await h.ingest(await buildMail({ from: 'pills@spam.test', subject: `Re: [#${one}] Question from pills@spam.test`, text: 'Buy now!' }))).toMatchObject({ kind: 'quarantined', code: 'SENDER_BLOCKED' });
  });
});

