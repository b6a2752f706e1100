/**
 * splitTicket: a customer's reply raises a new matter. The message, its attachments and the mail
 * answering it move to a new ticket linked to the old one; its author and CCs are told the new
 * number in the message's thread; from then on a reply to the split mail (or to that notice)
 * threads onto the new ticket, while a reply to our mail on the old ticket stays there. Mail goes
 * through the real ingest pipeline into the database the gateway serves.
 */
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let agentToken: string;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);
const SPLIT = `mutation($n: Int!, $m: ID!, $subject: String, $queue: String) {
  splitTicket(number: $n, messageId: $m, subject: $subject, queue: $queue) { ticket { number } userErrors { field message } } }`;
const split = (token: string, variables: { n: number; m: string; subject?: string; queue?: string }) => gql<Data>(gw.url, token, SPLIT, variables);
const VIEW = `query($n: Int!) { ticket(number: $n) {
  number subject status linkedTo linkedFrom awaitingReplySince queue { name } requester { email } ccs { email }
  messages { id direction bodyText attachments { filename } } events { kind actor { email } from to } } }`;
const view = async (n: number) => (await ok(agentToken, VIEW, { n })).ticket;

async function ingest(mail: Parameters<typeof buildMail>[0]): Promise<{ kind: string; ticketNumber: number }> {
  const outcome = await h.ingest(await buildMail(mail));
  if (outcome.kind !== 'ticket' && outcome.kind !== 'comment') throw new Error(`expected a ticket or comment, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const deliveries = (kind: string) =>
  queryDatabase<{ message_id: string; raw: Buffer; recipients: string[]; number: number }>(
    gw.databaseUrl,
    `select d.message_id, d.raw, d.recipients, t.number from outbound_delivery d join ticket t on t.id = d.ticket_id where d.kind = $1 order by d.id`,
    [kind],
  );
const bare = (id: string) => id.replace(/^<|>$/g, '');
const messageIdOf = (ticket: { messages: { id: string; bodyText: string }[] }, text: string) => ticket.messages.find((m) => m.bodyText.includes(text))!.id;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agentToken = await agentOfQueue(gw, 'agent@example.com');
  await ok(gw.adminToken, `mutation { createQueue(input: { name: "Facilities" }) { userErrors { message } } }`);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('splitting a new matter off a ticket', () => {
  it('moves the message, its files and the mail answering it to a linked ticket, tells its author, and threads what follows by what it answers', async () => {
    const old = (await ingest({ from: 'Kim <kim@customer.test>', subject: 'Printer jam', messageId: 'kim-1@customer.test', text: 'The printer jams.' })).ticketNumber;
    await ok(agentToken, `mutation($n: Int!) { replyToTicket(number: $n, body: "Open tray 2 and pull the sheet out.") { userErrors { message } } }`, { n: old });
    const [ourReply] = await deliveries('reply');
    const newMatter = await ingest({
      from: 'Kim <kim@customer.test>',
      cc: 'Pat <pat@customer.test>',
      subject: `Re: [#${old}] Printer jam`,
      messageId: 'kim-2@customer.test',
      inReplyTo: bare(ourReply!.message_id),
      text: 'That worked, thanks! Also the scanner at reception shows error E42.',
      attachments: [{ filename: 'scanner.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), contentType: 'image/png' }],
    });
    expect(newMatter).toMatchObject({ kind: 'comment', ticketNumber: old });
    const answer = await ingest({ from: 'Pat <pat@customer.test>', subject: 'Re: Printer jam', messageId: 'pat-1@customer.test', inReplyTo: 'kim-2@customer.test', text: 'Our scanner says E42 too.' });
    expect(answer).toMatchObject({ kind: 'comment', ticketNumber: old });
    const before = await view(old);
    expect(before.awaitingReplySince).not.toBeNull();

    const result = (await split(agentToken, { n: old, m: messageIdOf(before, 'error E42'), subject: 'Scanner error E42' })).data!.splitTicket;
    expect(result.userErrors).toEqual([]);
    const fresh = result.ticket.number as number;
    expect(fresh).not.toBe(old);

    const b = await view(fresh);
    expect(b).toMatchObject({ subject: 'Scanner error E42', status: 'OPEN', linkedTo: old, queue: { name: 'General' }, requester: { email: 'kim@customer.test' }, ccs: [{ email: 'pat@customer.test' }] });
    expect(b.messages.map((m: { direction: string; bodyText: string }) => [m.direction, m.bodyText.trim()])).toEqual([
      ['INBOUND', 'That worked, thanks! Also the scanner at reception shows error E42.'],
      ['INBOUND', 'Our scanner says E42 too.'],
    ]);
    expect(b.messages[0].attachments).toEqual([{ filename: 'scanner.png' }]);
    // Kim has waited since she wrote, not since the split.
    const [kim2] = await queryDatabase<{ created_at: Date }>(gw.databaseUrl, `select created_at from message where message_id = 'kim-2@customer.test'`);
    expect(new Date(b.awaitingReplySince).getTime()).toBe(kim2!.created_at.getTime());
    expect(b.events).toContainEqual({ kind: 'split-from', actor: { email: 'agent@example.com' }, from: String(old), to: null });

    const a = await view(old);
    expect(a.messages.map((m: { bodyText: string }) => m.bodyText.trim())).toEqual(['The printer jams.', 'Open tray 2 and pull the sheet out.']);
    expect(a.linkedTo).toBeNull();
    expect(a.linkedFrom).toEqual([fresh]);
    expect(b.linkedFrom).toEqual([]);
    expect(a.awaitingReplySince).toBeNull(); // what waited for an answer moved; our reply answered the rest
    expect(a.events).toContainEqual({ kind: 'split', actor: { email: 'agent@example.com' }, from: null, to: String(fresh) });

    // The author and the CC learn the new number, in the split message's own thread.
    const [notice] = await deliveries('ticket-split');
    expect(notice!.number).toBe(fresh);
    expect([...notice!.recipients].sort()).toEqual(['kim@customer.test', 'pat@customer.test']);
    const mail = await simpleParser(notice!.raw);
    expect(mail.subject).toBe(`Re: [#${fresh}] Scanner error E42`);
    expect(mail.inReplyTo).toBe('<kim-2@customer.test>');
    expect(mail.text).toContain(`ticket #${fresh}, apart from #${old} "Printer jam"`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    // From now on mail goes where what it answers is.
    const viaNotice = await ingest({ from: 'kim@customer.test', subject: `Re: [#${fresh}] Scanner error E42`, inReplyTo: bare(notice!.message_id), text: 'It is the Canon.' });
    const viaSplitMessage = await ingest({ from: 'pat@customer.test', subject: 'Re: Printer jam', inReplyTo: 'pat-1@customer.test', text: 'Still E42.' });
    const viaOldReply = await ingest({ from: 'kim@customer.test', subject: `Re: [#${old}] Printer jam`, inReplyTo: bare(ourReply!.message_id), text: 'The printer jams again.' });
    const viaTag = await ingest({ from: 'kim@customer.test', subject: `[#${fresh}] scanner`, text: 'Any news on the scanner?' });
    expect([viaNotice, viaSplitMessage, viaOldReply, viaTag].map((o) => o.ticketNumber)).toEqual([fresh, fresh, old, fresh]);

    const found = await ok(agentToken, `{ tickets(filter: { search: "E42" }) { edges { node { number } } } }`);
    expect(found.tickets.edges).toEqual([{ node: { number: fresh } }]);
  });

  it('takes the subject from the message without reply prefixes and tags, and may move it to another queue', async () => {
    const old = (await ingest({ from: 'lee@customer.test', subject: 'Password reset', messageId: 'lee-1@customer.test', text: 'I forgot my password.' })).ticketNumber;
    await ingest({ from: 'lee@customer.test', subject: `AW: Re: [#${old}] Password reset`, messageId: 'lee-2@customer.test', text: 'And the light in room 4 flickers.' });
    const t = await view(old);
    const result = (await split(gw.adminToken, { n: old, m: messageIdOf(t, 'flickers'), queue: 'Facilities' })).data!.splitTicket;
    expect(result.userErrors).toEqual([]);
    const hidden = await gql<Data>(gw.url, agentToken, VIEW, { n: result.ticket.number }); // the agent does not work Facilities
    expect(hidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asAdmin = (await ok(gw.adminToken, VIEW, { n: result.ticket.number })).ticket;
    expect(asAdmin).toMatchObject({ subject: 'Password reset', queue: { name: 'Facilities' }, linkedTo: old, requester: { email: 'lee@customer.test' } });
  });

  it('refuses our replies, notes, the first message, unknown messages and blank subjects, naming the argument; agents stay in their queues', async () => {
    const old = (await ingest({ from: 'max@customer.test', subject: 'VPN', messageId: 'max-1@customer.test', text: 'The VPN is slow.' })).ticketNumber;
    await ok(agentToken, `mutation($n: Int!) { replyToTicket(number: $n, body: "Which site?") { userErrors { message } } }`, { n: old });
    await ok(agentToken, `mutation($n: Int!) { addNote(number: $n, body: "Probably the Berlin link.") { userErrors { message } } }`, { n: old });
    await ingest({ from: 'max@customer.test', subject: `Re: [#${old}] VPN`, messageId: 'max-2@customer.test', text: 'Berlin. And my badge does not open door 3.' });
    const other = (await ingest({ from: 'ann@customer.test', subject: 'Other', text: 'Something else.' })).ticketNumber;
    const t = await view(old);
    const o = await view(other);
    const noticesBefore = (await deliveries('ticket-split')).length;
    const byText = (text: string) => messageIdOf(t, text);

    const refusal = async (variables: { n: number; m: string; subject?: string; queue?: string }) => (await split(agentToken, variables)).data!.splitTicket.userErrors;
    expect(await refusal({ n: old, m: byText('Which site?') })).toEqual([{ field: ['messageId'], message: expect.stringContaining('only mail that came in') }]);
    expect(await refusal({ n: old, m: byText('Berlin link') })).toEqual([{ field: ['messageId'], message: expect.stringContaining('only mail that came in') }]);
    expect(await refusal({ n: old, m: byText('VPN is slow') })).toEqual([{ field: ['messageId'], message: `it is the message that opened ticket #${old}` }]);
    expect(await refusal({ n: old, m: o.messages[0].id })).toEqual([{ field: ['messageId'], message: `ticket #${old} has no message ${o.messages[0].id}` }]);
    expect(await refusal({ n: old, m: 'not-a-number' })).toEqual([{ field: ['messageId'], message: `ticket #${old} has no message not-a-number` }]);
    expect(await refusal({ n: old, m: byText('door 3'), subject: '   ' })).toEqual([{ field: ['subject'], message: 'must not be blank' }]);

    const forbidden = await split(agentToken, { n: old, m: byText('door 3'), queue: 'Facilities' });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknownTicket = await split(agentToken, { n: 999_999, m: byText('door 3') });
    expect(unknownTicket.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Nothing moved.
    expect((await view(old)).messages).toHaveLength(4);
    expect(await deliveries('ticket-split')).toHaveLength(noticesBefore);
  });

  it('leaves the old ticket waiting only for mail that asks for something: a bare quote after our reply does not', async () => {
    const old = (await ingest({ from: 'una@customer.test', subject: 'Mailbox full', messageId: 'una-1@customer.test', text: 'My mailbox is full.' })).ticketNumber;
    await ok(agentToken, `mutation($n: Int!) { replyToTicket(number: $n, body: "I doubled your quota.") { userErrors { message } } }`, { n: old });
    await ingest({ from: 'una@customer.test', subject: `Re: [#${old}] Mailbox full`, messageId: 'una-2@customer.test', text: '> I doubled your quota.' });
    await ingest({ from: 'una@customer.test', subject: `Re: [#${old}] Mailbox full`, messageId: 'una-3@customer.test', text: 'Thanks. Also, can I get a second monitor?' });
    const before = await view(old);
    expect(before.awaitingReplySince).not.toBeNull();
    const result = (await split(agentToken, { n: old, m: messageIdOf(before, 'second monitor') })).data!.splitTicket;
    expect(result.userErrors).toEqual([]);
    expect((await view(old)).awaitingReplySince).toBeNull();
    expect((await view(result.ticket.number)).awaitingReplySince).not.toBeNull();
  });

  it('waits for a reply in flight to the message it moves, holding no ticket lock meanwhile, so the reply finds its original where it ends up', async () => {
    const old = (await ingest({ from: 'ray@customer.test', subject: 'Laptop', messageId: 'ray-1@customer.test', text: 'My laptop is slow.' })).ticketNumber;
    await ingest({ from: 'ray@customer.test', subject: `Re: [#${old}] Laptop`, messageId: 'ray-2@customer.test', text: 'Also my phone is broken.' });
    const moving = messageIdOf(await view(old), 'phone is broken');
    // What ingest does first for a reply to ray-2: the lock of the Message-ID it answers.
    const inFlight = new pg.Client({ connectionString: gw.databaseUrl });
    await inFlight.connect();
    try {
      await inFlight.query('begin');
      await inFlight.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, ['message-id:ray-2@customer.test']);
      let settled = false;
      const splitting = split(agentToken, { n: old, m: moving }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      // The reply could go on to lock the ticket (lockReplyTicket): the split does not hold it yet.
      await inFlight.query(`select id from ticket where number = $1 for update nowait`, [old]);
      await inFlight.query('commit');
      const result = (await splitting).data!.splitTicket;
      expect(result.userErrors).toEqual([]);
      expect((await view(result.ticket.number)).messages.map((m: { bodyText: string }) => m.bodyText.trim())).toEqual(['Also my phone is broken.']);
    } finally {
      await inFlight.end();
    }
  });
});
