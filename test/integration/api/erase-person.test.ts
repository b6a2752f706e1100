/**
 * erasePerson over real HTTP, on a real database filled by the real ingest pipeline: after the
 * erasure no table — raw sources, attachments, outbound mail, history, queued jobs — holds the
 * customer's address, while other people's tickets and threading stay whole. A dry run changes
 * nothing; staff, unknown addresses and agents are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData, gqlError } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ALICE = 'alice@customer.test';
const ERASE = `mutation($email: String!, $dryRun: Boolean) { erasePerson(email: $email, dryRun: $dryRun) {
  dryRun ticketsDeleted messagesDeleted messagesErased messagesScrubbed attachmentsDeleted rawSourcesDeleted quarantinedDeleted deliveriesDeleted eventsScrubbed } }`;

let gw: TestApp;
let h: IngestHarness;

const must = (query: string, variables?: Record<string, unknown>, token = gw.adminToken): Promise<Data> => gqlData<Data>(gw.url, token, query, variables);
const refused = (query: string, variables?: Record<string, unknown>, token = gw.adminToken) => gqlError(gw.url, token, query, variables);

async function ticketFrom(spec: TestMail): Promise<number> {
  const outcome = await h.ingest(await buildMail(spec));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  return outcome.ticketNumber;
}

/** A mail that went round in circles: quarantined as a probable loop, raw bytes kept. */
async function looping(spec: TestMail): Promise<Buffer> {
  const received = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.test by hop${i + 1}.test; Mon, 1 Jan 2026 00:00:00 +0000`).join('\r\n');
  return Buffer.concat([Buffer.from(`${received}\r\n`), await buildMail(spec)]);
}

/** Every row of every table in the database (postdesk's and pg-boss's) that names `text`: as text, or in its bytes. */
async function rowsNaming(text: string): Promise<string[]> {
  const tables = await queryDatabase<{ schema: string; name: string }>(
    gw.databaseUrl,
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  const found: string[] = [];
  for (const { schema, name } of tables) {
    const table = `"${schema}"."${name}"`;
    const byteColumns = await queryDatabase<{ column: string }>(
      gw.databaseUrl,
      `select column_name as column from information_schema.columns where table_schema = $1 and table_name = $2 and data_type = 'bytea'`,
      [schema, name],
    );
    const inBytes = byteColumns.map((c) => `position(convert_to($1, 'UTF8') in x."${c.column}") > 0`);
    const rows = await queryDatabase<{ n: string }>(
      gw.databaseUrl,
      `select count(*)::text as n from ${table} x where x::text ilike '%' || $1 || '%' ${inBytes.map((c) => `or coalesce(${c}, false)`).join(' ')}`,
      [text],
    );
    if (rows[0]!.n !== '0') found.push(`${table}: ${rows[0]!.n}`);
  }
  return found;
}

const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await queryDatabase<{ n: string }>(gw.databaseUrl, sql, params))[0]!.n);

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({ SUPPORT_ADDRESS: 'support@example.com' }, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('erasePerson', () => {
  it('removes every trace of the customer, keeps other tickets and their threading, and a dry run changes nothing', async () => {
    const pdf = { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4\nalice invoice\n%%EOF\n'), contentType: 'application/pdf' };
    // Alice's own ticket, with a file and Bob in CC; an agent answers it.
    const own = await ticketFrom({ from: `Alice Doe <${ALICE}>`, cc: 'bob@other.test', subject: 'My invoice is wrong', text: 'Invoice 42 charges me twice.', attachments: [pdf] });
    await must(`mutation($n: Int!) { replyToTicket(number: $n, body: "We are on it.") { userErrors { message } } }`, { n: own });
    // Bob's ticket, Alice in CC, a colleague watching; she writes on it with a file (the watcher is told, quoting her), an agent answers both.
    const bobs = await ticketFrom({ from: 'bob@other.test', cc: ALICE, subject: 'Team access', text: 'Please give the team access.' });
    await agentOfQueue(gw, 'watcher@example.com');
    expect((await must(`mutation($n: Int!) { addTicketWatcher(number: $n, email: "watcher@example.com") { userErrors { message } } }`, { n: bobs })).addTicketWatcher.userErrors).toEqual([]);
    const aliceComment = await h.ingest(
      await buildMail({ from: ALICE, to: 'support@example.com', cc: 'bob@other.test', subject: `Re: [#${bobs}] Team access`, text: 'Me too, please.', attachments: [pdf] }),
    );
    expect(aliceComment).toMatchObject({ kind: 'comment', ticketNumber: bobs });
    await must(`mutation($n: Int!) { replyToTicket(number: $n, body: "Done for both of you.") { userErrors { message } } }`, { n: bobs });
    // Carol's ticket: an agent adds Alice as a CC (history names her).
    const carols = await ticketFrom({ from: 'carol@third.test', subject: 'Printer' });
    expect((await must(`mutation($n: Int!) { addTicketCc(number: $n, email: "${ALICE}") { userErrors { message } } }`, { n: carols })).addTicketCc.userErrors).toEqual([]);
    // Quarantined: a looping mail from Alice (hers), and one from Carol that only mentions her (Carol's).
    expect(await h.ingest(await looping({ from: ALICE, subject: 'Loop from Alice' }))).toMatchObject({ kind: 'quarantined' });
    expect(await h.ingest(await looping({ from: 'carol@third.test', cc: ALICE, subject: 'Loop from Carol' }))).toMatchObject({ kind: 'quarantined' });
    expect(await rowsNaming(ALICE)).not.toEqual([]);
    const quoting = `select count(*)::text as n from outbound_delivery where position(convert_to('Me too, please.', 'UTF8') in raw) > 0`;
    expect(await count(quoting)).toBe(2); // the watcher's copy, and the agent's answer to Bob, which quotes her (REPLY_HISTORY)

    const before = await rowsNaming(ALICE);
    const dry = (await must(ERASE, { email: ' Alice@Customer.TEST ', dryRun: true })).erasePerson;
    expect(dry).toMatchObject({ dryRun: true, ticketsDeleted: 1, messagesErased: 1, quarantinedDeleted: 1 });
    expect(await rowsNaming(ALICE)).toEqual(before);
    expect(await count(`select count(*)::text as n from ticket_event where kind = 'person-erased'`)).toBe(0);

    const done = (await must(ERASE, { email: ALICE })).erasePerson;
    expect(done).toEqual({ ...dry, dryRun: false });
    expect(done).toMatchObject({
      ticketsDeleted: 1,
      messagesDeleted: 2, // her mail and the agent's reply on her ticket
      messagesErased: 1, // her comment on Bob's ticket
      attachmentsDeleted: 2,
      messagesScrubbed: 2, // Bob's first mail and the agent's reply to Bob named her in Cc
      rawSourcesDeleted: 4, // her ticket's mail, her comment, her quarantined mail, Bob's mail naming her
      quarantinedDeleted: 1,
    });
    expect(done.deliveriesDeleted).toBeGreaterThanOrEqual(4); // acknowledgement and reply on her ticket, the watcher's copy of her comment, the reply to Bob and her
    expect(done.eventsScrubbed).toBeGreaterThanOrEqual(1); // the cc-added on Carol's ticket

    // Left: the bytes of Carol's quarantined mail, which only mentions her — Carol's, awaiting an admin.
    expect(await rowsNaming(ALICE)).toEqual(['"public"."raw_source": 1']);
    expect(await count(`select count(*)::text as n from quarantined_message q join raw_source r on r.id = q.raw_source_id where position(convert_to($1, 'UTF8') in r.content) > 0`, [ALICE])).toBe(1);
    expect((await must(`query($n: Int!) { ticket(number: $n) { number } }`, { n: own })).ticket).toBeNull();
    expect(await count(quoting)).toBe(0);

    // Bob's ticket is whole: his messages and the agent's reply stay, hers is an empty place in the thread.
    const bob = (await must(`query($n: Int!) { ticket(number: $n) { ccs { email } messages { bodyText flags from { email } attachments { filename } } } }`, { n: bobs })).ticket;
    expect(bob.ccs).toEqual([]);
    expect(bob.messages.map((m: Data) => m.bodyText.trim().split('\n')[0])).toEqual(['Please give the team access.', '', 'Done for both of you.']);
    expect(bob.messages[1]).toMatchObject({ from: null, attachments: [], flags: expect.arrayContaining(['erased']) });
    expect(await count(`select count(*)::text as n from message where 'erased' = any(flags)`)).toBe(1);

    // The audit event says who erased and how much, never whom.
    const [event] = await queryDatabase<{ detail: Data; actor: string }>(
      gw.databaseUrl,
      `select e.detail, p.email as actor from ticket_event e join person p on p.id = e.actor_id where e.kind = 'person-erased'`,
    );
    expect(event).toMatchObject({ detail: { ticketsDeleted: 1, messagesErased: 1 } });
    expect(JSON.stringify(event!.detail)).not.toContain('alice');

    // Replies to an erased message still thread; what Alice sends afterwards is new.
    const erasedId = (await queryDatabase<{ message_id: string }>(gw.databaseUrl, `select message_id from message where 'erased' = any(flags)`))[0]!.message_id;
    expect(await h.ingest(await buildMail({ from: 'bob@other.test', subject: 'Still no access', inReplyTo: erasedId }))).toMatchObject({ kind: 'comment', ticketNumber: bobs });
    const again = await ticketFrom({ from: ALICE, subject: 'Hello again' });
    expect(again).toBeGreaterThan(carols);
    expect((await must(`query($n: Int!) { ticket(number: $n) { requester { email } messages { bodyText } } }`, { n: again })).ticket.requester.email).toBe(ALICE);
  });

  it('refuses staff, unknown addresses and agents; nothing changes', async () => {
    const agent = await agentOfQueue(gw, 'agent@example.com');
    expect(await refused(ERASE, { email: 'agent@example.com' })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['email'], message: expect.stringContaining('is staff') });
    expect(await refused(ERASE, { email: 'nobody@nowhere.test' })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['email'], message: 'nobody with the address nobody@nowhere.test is known' });
    await ticketFrom({ from: 'dave@customer.test', subject: 'Mine' });
    expect((await refused(ERASE, { email: 'dave@customer.test' }, agent)).code).toBe('FORBIDDEN');
    expect(await count(`select count(*)::text as n from person where email = 'dave@customer.test'`)).toBe(1);
  });
});
