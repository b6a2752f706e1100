/**
 * ticketStats over a week, on a real database: tickets from customers' mail (real ingest) and one
 * an agent opened, their history moved into a fixed week of January 2026 so every figure is known
 * in advance: created, closed, first-response median and 90th percentile, reply targets met and
 * missed, per queue, and only the agent's queues for an agent.
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

const HOUR = 3600;
const STATS = `query($since: DateTime!, $until: DateTime, $queue: String) { ticketStats(since: $since, until: $until, queue: $queue) {
  since until
  all { created closed answered firstResponseMedianSeconds firstResponseP90Seconds replyTargetMet replyTargetMissed }
  byQueue { queue figures { created closed answered replyTargetMet replyTargetMissed } } } }`;
const WEEK = { since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z' };

/** A customer's ticket whose history is moved to `created`, answered `answeredAfter` seconds later (null: never). */
async function customerTicket(from: string, created: string, answeredAfter: number | null, set: { priority?: string; closedAt?: string } = {}): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, subject: `From ${from}` }));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  await place(outcome.ticketNumber, created, answeredAfter, set);
  return outcome.ticketNumber;
}

async function place(number: number, created: string, answeredAfter: number | null, set: { priority?: string; closedAt?: string }): Promise<void> {
  await queryDatabase(
    gw.databaseUrl,
    `update ticket set created_at = $2::timestamptz,
       first_response_at = case when $3::int is null then null else $2::timestamptz + make_interval(secs => $3::int) end,
       priority = coalesce($4::priority, priority),
       status = case when $5::timestamptz is null then status else 'CLOSED' end, closed_at = $5::timestamptz
     where number = $1`,
    [number, created, answeredAfter, set.priority ?? null, set.closedAt ?? null],
  );
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', REPLY_TARGETS: 'URGENT=1h,NORMAL=1d,LOW=off' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'stats.agent@example.com');
  await gqlData(gw.url, gw.adminToken, `mutation { createQueue(input: { name: "Billing" }) { userErrors { message } } }`);

  await customerTicket('met@customer.test', '2026-01-02T10:00:00Z', 2 * HOUR); // NORMAL: within a day
  await customerTicket('late@customer.test', '2026-01-03T10:00:00Z', 30 * HOUR); // NORMAL: missed
  const billing = await customerTicket('urgent@customer.test', '2026-01-04T10:00:00Z', null, { priority: 'URGENT' }); // open, unanswered, past its hour
  await gqlData(gw.url, gw.adminToken, `mutation { updateTicket(number: ${billing}, input: { queue: "Billing" }) { userErrors { message } } }`);
  await place(billing, '2026-01-04T10:00:00Z', null, {}); // (the move touched nothing the figures read; placed again all the same)
  await customerTicket('low@customer.test', '2026-01-05T10:00:00Z', 10 * HOUR, { priority: 'LOW' }); // answered, no target
  await customerTicket('before@customer.test', '2025-12-20T10:00:00Z', HOUR, { closedAt: '2026-01-06T09:00:00Z' }); // closed in the week only
  await customerTicket('spam@customer.test', '2026-01-06T10:00:00Z', null, { closedAt: '2026-01-06T12:00:00Z' }); // closed unanswered: no miss
  await customerTicket('later@customer.test', '2026-02-01T10:00:00Z', HOUR); // outside the week

  // Opened by the agent for a customer: its first message is the agent's, so it has no first-response time to count.
  const opened = await gqlData<Data>(gw.url, agent, `mutation { createTicket(input: { requester: "phone@customer.test", queue: "General", subject: "Phone call", body: "As discussed." }) { ticket { number } userErrors { message } } }`);
  await place(opened.createTicket.ticket.number, '2026-01-05T12:00:00Z', 0, {});
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('ticketStats', () => {
  it('counts a week: created, closed, first-response median and p90, reply targets met and missed, per queue', async () => {
    const { ticketStats } = await gqlData<Data>(gw.url, gw.adminToken, STATS, WEEK);
    expect(ticketStats.since).toBe(WEEK.since);
    expect(ticketStats.until).toBe(WEEK.until);
    expect(ticketStats.all).toEqual({
      created: 6, // met, late, urgent, low, spam, the agent's
      closed: 2, // before, spam
      answered: 3, // met, late, low
      firstResponseMedianSeconds: 10 * HOUR,
      firstResponseP90Seconds: 10 * HOUR + 0.8 * (30 * HOUR - 10 * HOUR), // percentile_cont over 2 h, 10 h, 30 h
      replyTargetMet: 1, // met
      replyTargetMissed: 2, // late, and urgent (still unanswered past its hour)
    });
    expect(ticketStats.byQueue).toEqual([
      { queue: 'Billing', figures: { created: 1, closed: 0, answered: 0, replyTargetMet: 0, replyTargetMissed: 1 } },
      { queue: 'General', figures: { created: 5, closed: 2, answered: 3, replyTargetMet: 1, replyTargetMissed: 1 } },
    ]);
    // One queue, named.
    const billing = await gqlData<Data>(gw.url, gw.adminToken, STATS, { ...WEEK, queue: 'Billing' });
    expect(billing.ticketStats.all).toMatchObject({ created: 1, replyTargetMissed: 1 });
    // An empty window counts nothing and has no times.
    const empty = await gqlData<Data>(gw.url, gw.adminToken, STATS, { since: '2025-06-01T00:00:00Z', until: '2025-06-08T00:00:00Z' });
    expect(empty.ticketStats).toMatchObject({
      all: { created: 0, closed: 0, answered: 0, firstResponseMedianSeconds: null, firstResponseP90Seconds: null, replyTargetMet: 0, replyTargetMissed: 0 },
      byQueue: [],
    });
  });

  it("shows an agent only their queues' tickets, and refuses another queue and a bad window", async () => {
    const { ticketStats } = await gqlData<Data>(gw.url, agent, STATS, WEEK);
    expect(ticketStats.all).toMatchObject({ created: 5, closed: 2, answered: 3, replyTargetMissed: 1 });
    expect(ticketStats.byQueue.map((q: Data) => q.queue)).toEqual(['General']);
    expect((await gql<Data>(gw.url, agent, STATS, { ...WEEK, queue: 'Billing' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const bad of [{ since: WEEK.until, until: WEEK.since }, { since: '2024-01-01T00:00:00Z', until: WEEK.until }]) {
      const refused = await gql<Data>(gw.url, gw.adminToken, STATS, bad);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
    // No until: up to now.
    const sinceJanuary = await gqlData<Data>(gw.url, gw.adminToken, STATS, { since: '2026-01-01T00:00:00Z' });
    expect(sinceJanuary.ticketStats.all.created).toBe(7);
    const counted = await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from ticket where created_at >= '2026-01-01'`);
    expect(String(sinceJanuary.ticketStats.all.created)).toBe(counted[0]!.n);
  });
});
