/**
 * Collision detection for replies (replyToTicket's lastSeenMessage), over real HTTP: an agent who
 * answers without having seen the ticket's newest message — a colleague's reply, the customer's
 * new mail, a note — sends nothing and is told what is new; of two agents answering at once, one
 * reply goes out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let alice: string;
let bob: string;

const REPLY = `mutation($n: Int!, $body: String!, $seen: ID) { replyToTicket(number: $n, body: $body, lastSeenMessage: $seen) { ticket { number } userErrors { field message } } }`;
const reply = async (token: string, n: number, body: string, seen: string | null) => (await gqlData<Data>(gw.url, token, REPLY, { n, body, seen })).replyToTicket;
const newest = async (n: number): Promise<string> => (await gqlData<Data>(gw.url, alice, `{ ticket(number: ${n}) { messages { id } } }`)).ticket.messages.at(-1).id;
const outbound = async (n: number) =>
  (await queryDatabase<{ body_text: string }>(gw.databaseUrl, `select m.body_text from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction = 'OUTBOUND' order by m.id`, [n])).map(
    (m) => m.body_text,
  );

async function ticket(from: string): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, subject: 'Printer jam' }));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  return outcome.ticketNumber;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  alice = await agentOfQueue(gw, 'alice@example.com');
  bob = await agentOfQueue(gw, 'bob@example.com');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('replyToTicket with lastSeenMessage', () => {
  it("sends nothing when a colleague answered or the customer wrote since, and says what is new", async () => {
    const n = await ticket('ann@customer.test');
    const first = await newest(n);
    expect((await reply(alice, n, 'Alice here: on it.', first)).userErrors).toEqual([]);

    // Bob wrote his answer looking at the customer's first mail only.
    const stale = await reply(bob, n, 'Bob here: on it too.', first);
    expect(stale.ticket).toBeNull();
    expect(stale.userErrors).toEqual([{ field: ['lastSeenMessage'], message: expect.stringMatching(new RegExp(`^ticket #${n} has a newer message \\d+, a reply by alice@example\\.com at .+; nothing was sent`)) }]);
    expect(await outbound(n)).toEqual(['Alice here: on it.']);

    // The customer writes again; an answer to Alice's reply alone is stale too.
    const aliceReply = await newest(n);
    await h.ingest(await buildMail({ from: 'ann@customer.test', subject: `Re: [#${n}] Printer jam`, text: 'It is on fire now.' }));
    expect((await reply(bob, n, 'Have you tried turning it off?', aliceReply)).userErrors[0].message).toContain(', mail from ann@customer.test at ');
    // Having read it, he answers.
    expect((await reply(bob, n, 'Please leave the building.', await newest(n))).userErrors).toEqual([]);
    expect(await outbound(n)).toEqual(['Alice here: on it.', 'Please leave the building.']);

    // Without lastSeenMessage, a reply goes out as always.
    expect((await reply(alice, n, 'Fire brigade called.', null)).userErrors).toEqual([]);
  });

  it('refuses an id that is not a message of the ticket', async () => {
    const n = await ticket('cat@customer.test');
    const other = await ticket('dan@customer.test');
    for (const seen of ['abc', '0', '99999999', await newest(other)]) {
      expect((await reply(alice, n, 'Hello.', seen)).userErrors, seen).toEqual([{ field: ['lastSeenMessage'], message: `not a message of ticket #${n}` }]);
    }
    expect(await outbound(n)).toEqual([]);
  });

  it('lets one of two agents answering at once through', async () => {
    const n = await ticket('eve@customer.test');
    const seen = await newest(n);
    const results = await Promise.all([reply(alice, n, 'Alice answers.', seen), reply(bob, n, 'Bob answers.', seen)]);
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(await outbound(n)).toHaveLength(1);
  });
});
