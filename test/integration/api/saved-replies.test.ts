/**
 * Saved replies: an admin keeps the answers agents give again and again, for every queue or for
 * one; agents see those of their queues, filled in for a ticket (Ticket.savedReplies), and send
 * the text with replyToTicket, which adds the queue's signature. A placeholder naming nothing is
 * refused when saving, so no customer ever reads an empty gap. Real gateway, real ingest, the
 * reply's mail read from the outbox.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData, gqlError } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let agentToken: string;
let general: number;
let billing: number;

const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);
const CREATE = `mutation($i: SavedReplyInput!) { createSavedReply(input: $i) { name body queue } }`;
const UPDATE = `mutation($n: String!, $i: SavedReplyInput!) { updateSavedReply(name: $n, input: $i) { name body queue } }`;
const LIST = `{ savedReplies { name queue } }`;
const OFFERED = `query($n: Int!) { ticket(number: $n) { savedReplies { name text } } }`;

async function newTicket(from: string, subject: string, to = 'support@example.com'): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, to, subject, text: 'Please help.' }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  return outcome.ticketNumber;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({ SUPPORT_ADDRESS: 'support@example.com' }, gw.databaseUrl);
  agentToken = await agentOfQueue(gw, 'alice@example.com');
  await ok(gw.adminToken, `mutation { createQueue(input: { name: "Billing", emailAddress: "billing@example.com" }) { userErrors { message } } }`);
  await ok(gw.adminToken, `mutation { updateAgent(email: "alice@example.com", input: { name: "Alice Example" }) { userErrors { message } } }`);
  general = await newTicket('Kim Lee <kim@customer.test>', 'Cannot log in');
  billing = await newTicket('ron@customer.test', 'Invoice 42 is wrong', 'billing@example.com');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('saved replies', () => {
  it("are offered filled in for the ticket's queue and the agent, and go out as a reply with the signature", async () => {
    const password = 'Hello {{requester.greeting}},\n\nplease reset your password at https://id.example.com/reset and keep {{ticket.tag}} ({{ticket.subject}}) in the subject if it fails.\n';
    expect((await ok(gw.adminToken, CREATE, { i: { name: 'Password reset', body: password } })).createSavedReply).toEqual({ name: 'Password reset', body: password, queue: null });
    await ok(gw.adminToken, CREATE, { i: { name: 'Invoice number', body: 'Hello {{requester.greeting}}, which invoice number? {{agent.name}} ({{ticket.queue}})', queue: 'Billing' } });

    // Alice works General only: Billing's reply is not hers to see or use.
    expect((await ok(agentToken, LIST)).savedReplies).toEqual([{ name: 'Password reset', queue: null }]);
    expect((await ok(gw.adminToken, LIST)).savedReplies).toEqual([{ name: 'Invoice number', queue: 'Billing' }, { name: 'Password reset', queue: null }]);

    const offered = (await ok(agentToken, OFFERED, { n: general })).ticket.savedReplies;
    const text = `Hello Kim Lee,\n\nplease reset your password at https://id.example.com/reset and keep [#${general}] (Cannot log in) in the subject if it fails.\n`;
    expect(offered).toEqual([{ name: 'Password reset', text }]);
    const onBilling = (await ok(gw.adminToken, OFFERED, { n: billing })).ticket.savedReplies;
    expect(onBilling.map((r: { name: string }) => r.name)).toEqual(['Invoice number', 'Password reset']);
    // The requester has no name: the greeting is the address; the agent is the caller.
    expect(onBilling[0].text).toMatch(/^Hello ron@customer\.test, which invoice number\? .+ \(Billing\)$/);

    await ok(agentToken, `mutation($n: Int!, $b: String!) { replyToTicket(number: $n, body: $b) { userErrors { message } } }`, { n: general, b: offered[0].text });
    const [reply] = await queryDatabase<{ raw: Buffer }>(gw.databaseUrl, `select d.raw from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = 'reply'`, [general]);
    const mail = await simpleParser(reply!.raw);
    expect(mail.text).toContain('please reset your password at https://id.example.com/reset');
    expect(mail.text).toContain('Alice Example, Support'); // the default signature, added by the reply
  });

  it('refuses unknown placeholders, blank bodies, taken names and unknown queues, naming the field', async () => {
    const typo = await gqlError(gw.url, gw.adminToken, CREATE, { i: { name: 'Typo', body: 'Hello {{customer.name}} and {{requester.greting}}' } });
    expect(typo).toMatchObject({ code: 'BAD_USER_INPUT', field: ['body'] });
    expect(typo.message).toContain('unknown placeholder {{customer.name}}, {{requester.greting}}: use {{ticket.number}}');
    expect(await gqlError(gw.url, gw.adminToken, CREATE, { i: { name: 'Blank', body: ' \n ' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['body'], message: 'body: must not be blank' });
    expect(await gqlError(gw.url, gw.adminToken, CREATE, { i: { name: 'Password reset', body: 'again' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['name'] });
    expect(await gqlError(gw.url, gw.adminToken, CREATE, { i: { name: 'Lost', body: 'Hi', queue: 'Nowhere' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['queue'], message: 'queue: no queue named "Nowhere"' });
    expect(await gqlError(gw.url, gw.adminToken, UPDATE, { n: 'Nothing', i: { body: 'Hi' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: ['name'], message: 'no saved reply named "Nothing"' });
    expect(await gqlError(gw.url, agentToken, CREATE, { i: { name: 'Mine', body: 'Hi' } })).toMatchObject({ code: 'FORBIDDEN' });
    const stored = await queryDatabase<{ name: string }>(gw.databaseUrl, `select name from saved_reply where name in ('Typo', 'Blank', 'Lost', 'Mine')`);
    expect(stored).toEqual([]);
  });

  it('can be renamed, moved between a queue and every queue, and deleted, each recorded in the audit log', async () => {
    await ok(gw.adminToken, CREATE, { i: { name: 'Outage', body: 'We know about the outage, {{requester.greeting}}.', queue: 'Billing' } });
    expect((await ok(agentToken, LIST)).savedReplies.map((r: { name: string }) => r.name)).not.toContain('Outage');
    const moved = (await ok(gw.adminToken, UPDATE, { n: 'Outage', i: { name: 'Known outage', queue: '' } })).updateSavedReply;
    expect(moved).toEqual({ name: 'Known outage', body: 'We know about the outage, {{requester.greeting}}.', queue: null });
    expect((await ok(agentToken, OFFERED, { n: general })).ticket.savedReplies).toContainEqual({ name: 'Known outage', text: 'We know about the outage, Kim Lee.' });
    await ok(gw.adminToken, `mutation { deleteSavedReply(name: "Known outage") { name } }`);
    expect((await ok(agentToken, LIST)).savedReplies.map((r: { name: string }) => r.name)).toEqual(['Password reset']);

    const events = (await ok(gw.adminToken, `{ adminEvents(first: 50) { edges { node { kind from to actor { email } } } } }`)).adminEvents.edges.map((e: { node: unknown }) => e.node);
    for (const kind of ['saved-reply-created', 'saved-reply-updated', 'saved-reply-deleted']) expect(events.map((e: { kind: string }) => e.kind)).toContain(kind);
    expect(events).toContainEqual({ kind: 'saved-reply-updated', from: 'Outage', to: 'Known outage', actor: expect.objectContaining({ email: expect.any(String) }) });
  });
});
