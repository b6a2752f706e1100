/**
 * tickets(filter: { search }) over real PostgreSQL full-text search, through real HTTP and mail
 * ingested by the real pipeline: accents and case ignored, quoted phrases, subject, every
 * message's text, authors' names and emails, combined with the other filters, ordered by rank.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
const n: Record<string, number> = {};

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function ingest(key: string, subject: string, from: string, text: string): Promise<void> {
  const outcome = await h.ingest(await buildMail({ to: 'support@example.com', subject, from, text }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  n[key] = outcome.ticketNumber;
}

async function search(text: string, extra: { filter?: Record<string, unknown>; orderBy?: Record<string, unknown>; first?: number; after?: string } = {}): Promise<{ numbers: number[]; total: number; endCursor: string | null; hasNextPage: boolean }> {
  const response = await gql<Data>(
    gw.url,
    gw.adminToken,
    `query($f: TicketFilter, $o: TicketOrder, $first: Int, $after: String) { tickets(filter: $f, orderBy: $o, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }`,
    { f: { ...extra.filter, search: text }, o: extra.orderBy ?? null, first: extra.first ?? 100, after: extra.after ?? null },
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const t = response.data!.tickets;
  return { numbers: t.edges.map((e: Data) => e.node.number), total: t.totalCount, endCursor: t.pageInfo.endCursor, hasNextPage: t.pageInfo.hasNextPage };
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  await ingest('buero', 'Drucker defekt', 'Jürgen Müller <juergen@kunde.test>', 'Der Drucker im Büro druckt nur noch leere Seiten.');
  await ingest('fire', 'Urgent', 'Ann <ann@customer.test>', 'The printer is on fire, please send help.');
  await ingest('reversed', 'Question', 'Ben <ben@customer.test>', 'Should we fire the printer vendor? The printer is fine.');
  await ingest('subject', 'Printer printer printer', 'Cid <cid@customer.test>', 'Nothing else to say.');
  await ingest('zoe', 'Login problem', 'Zoë Quintana <zq@partner.test>', 'I cannot log in since Monday.');
  await ingest('other', 'Unrelated', 'Dee <dee@customer.test>', 'Coffee machine is empty.');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('full-text search', () => {
  it('ignores accents and case in the query and in the text', async () => {
    for (const q of ['buro', 'BÜRO', 'Büro', 'drucker', 'LEERE']) expect((await search(q)).numbers, q).toEqual([n.buero]);
  });

  it('searches the subject, every message, and authors by name and email', async () => {
    expect((await search('defekt')).numbers).toEqual([n.buero]);
    expect((await search('Monday')).numbers).toEqual([n.zoe]);
    expect((await search('zoe')).numbers).toEqual([n.zoe]);
    expect((await search('Quintana')).numbers).toEqual([n.zoe]);
    expect((await search('zq@partner.test')).numbers).toEqual([n.zoe]);
    expect((await search('muller')).numbers).toEqual([n.buero]);
    // A note written by an agent: its text and its author are searched too.
    await gql(gw.url, gw.adminToken, `mutation { createAgent(input: { email: "yannick@example.com", name: "Yannick Agent", role: ADMIN }) { userErrors { message } } }`);
    const token = (await gql<Data>(gw.url, gw.adminToken, `mutation { createApiToken(input: { email: "yannick@example.com" }) { secret } }`)).data!.createApiToken.secret;
    const note = await gql<Data>(gw.url, token, `mutation { addNote(number: ${n.other}, body: "Refilled the beans in the kitchen.") { userErrors { message } } }`);
    expect(note.data!.addNote.userErrors).toEqual([]);
    expect((await search('beans')).numbers).toEqual([n.other]);
    expect((await search('Yannick')).numbers).toEqual([n.other]);
  });

  it('searches a quoted phrase as a phrase, unquoted words anywhere', async () => {
    expect((await search('"printer is on fire"')).numbers).toEqual([n.fire]);
    expect((await search('printer fire')).numbers.sort()).toEqual([n.fire, n.reversed].sort());
    expect((await search('"fire the printer"')).numbers).toEqual([n.reversed]);
  });

  it('combines the search with every other filter', async () => {
    await gql(gw.url, gw.adminToken, `mutation { updateTicket(number: ${n.fire}, input: { priority: URGENT, status: IN_PROGRESS }) { userErrors { message } } }`);
    expect((await search('printer', { filter: { priority: 'URGENT' } })).numbers).toEqual([n.fire]);
    expect((await search('printer', { filter: { status: ['OPEN'] } })).numbers.sort()).toEqual([n.reversed, n.subject].sort());
    expect((await search('printer', { filter: { requester: 'BEN@customer.test' } })).numbers).toEqual([n.reversed]);
    expect((await search('printer', { filter: { status: ['CLOSED'] } })).total).toBe(0);
    expect((await search('printer', { filter: { queue: 'No such queue' } })).total).toBe(0);
  });

  it('orders by rank when asked (subject matches first) and pages through the ranking', async () => {
    const ranked = await search('printer', { orderBy: { field: 'RELEVANCE', direction: 'DESC' } });
    expect(ranked.numbers[0]).toBe(n.subject);
    expect(ranked.numbers.sort()).toEqual([n.fire, n.reversed, n.subject].sort());
    const paged: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await search('printer', { orderBy: { field: 'RELEVANCE', direction: 'DESC' }, first: 1, after });
      paged.push(...page.numbers);
      expect(page.total).toBe(3);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(paged).toEqual((await search('printer', { orderBy: { field: 'RELEVANCE', direction: 'DESC' } })).numbers);
  });

  it('refuses RELEVANCE without a search, and survives odd query syntax without errors', async () => {
    const refused = await gql<Data>(gw.url, gw.adminToken, `{ tickets(orderBy: { field: RELEVANCE, direction: DESC }) { totalCount } }`);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['orderBy', 'field'] });
    for (const odd of ['"unbalanced', '-', ':*&|!', "o'brien", '()', '\\', 'a'.repeat(500)]) {
      await search(odd);
    }
    const tooLong = await gql<Data>(gw.url, gw.adminToken, `query($s: String) { tickets(filter: { search: $s }) { totalCount } }`, { s: 'a'.repeat(501) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['filter', 'search'] });
  });
});
