/**
 * Satisfaction ratings through the API: Ticket.satisfaction and satisfactionAt, the satisfaction
 * filter and ticketStats' ratedGood / ratedBad, after real rating mails went through the ingest
 * pipeline (the mail side is in test/integration/outbound/satisfaction.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
const query = (text: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, gw.adminToken, text, variables);

/** A ticket from `from`, closed by an agent, then rated `word` by its requester (null: not rated). */
async function ratedTicket(from: string, word: 'good' | 'bad' | null): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, to: 'support@example.com', subject: `Question from ${from}` }));
  if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
  const n = outcome.ticketNumber;
  await query(`mutation($n: Int!) { closeTicket(number: $n) { userErrors { message } } }`, { n });
  if (word) expect(await h.ingest(await buildMail({ from, to: 'support@example.com', subject: `Re: [#${n}] Rating: ${word}` }))).toMatchObject({ kind: 'comment', ticketNumber: n });
  return n;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({ SUPPORT_ADDRESS: 'support@example.com' }, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('satisfaction through the API', () => {
  it('shows each ticket’s rating, filters by it and counts ratings in ticketStats', async () => {
    const happy = await ratedTicket('happy@customer.test', 'good');
    const alsoHappy = await ratedTicket('glad@customer.test', 'good');
    const unhappy = await ratedTicket('cross@customer.test', 'bad');
    const silent = await ratedTicket('quiet@customer.test', null);

    const data = await query(`query($happy: Int!, $silent: Int!) {
      happy: ticket(number: $happy) { status satisfaction satisfactionAt }
      silent: ticket(number: $silent) { satisfaction satisfactionAt }
      good: tickets(filter: { satisfaction: GOOD }, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount edges { node { number } } }
      bad: tickets(filter: { satisfaction: BAD }) { edges { node { number } } } }`, { happy, silent });
    expect(data.happy).toMatchObject({ status: 'CLOSED', satisfaction: 'GOOD', satisfactionAt: expect.any(String) });
    expect(data.silent).toEqual({ satisfaction: null, satisfactionAt: null });
    expect(data.good.edges.map((e: Data) => e.node.number)).toEqual([happy, alsoHappy]);
    expect(data.bad.edges.map((e: Data) => e.node.number)).toEqual([unhappy]);

    const stats = await query(`query($since: DateTime!) { ticketStats(since: $since) { all { created closed ratedGood ratedBad } } }`, {
      since: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(stats.ticketStats.all).toEqual({ created: 4, closed: 4, ratedGood: 2, ratedBad: 1 });
    // A window before the ratings counts none.
    const earlier = await query(`query($since: DateTime!, $until: DateTime!) { ticketStats(since: $since, until: $until) { all { ratedGood ratedBad } } }`, {
      since: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      until: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    });
    expect(earlier.ticketStats.all).toEqual({ ratedGood: 0, ratedBad: 0 });
  });
});
