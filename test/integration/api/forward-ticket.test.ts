/**
 * forwardTicket, over real HTTP on a real database, with real ingest and a real SMTP sink: an
 * agent asks a supplier about a ticket; the supplier gets the agent's words, the customer's
 * message and its files, and nobody else does; their answer threads back onto the ticket as
 * third-party mail, which changes no status and never reaches the customer (not quoted, not in
 * the thread headers of our next reply).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../harness/app.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import type { IngestHarness } from '../../harness/ingest.js';
import { startDesk, type Desk } from '../../harness/desk.js';
import { buildMail } from '../../harness/mail.js';
import type { SmtpSink } from '../../harness/smtp-sink.js';
import { ids, mailsTo, outboxSettled, waitForMailsTo } from '../outbound/outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VENDOR = 'parts@vendor.test';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

let desk: Desk;
let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let alice: string;

const FORWARD = `mutation($n: Int!, $input: ForwardTicketInput!) { forwardTicket(number: $n, input: $input) { ticket { number } userErrors { field message } } }`;
const forward = async (n: number, input: Record<string, unknown>, token = alice) => (await gqlData<Data>(gw.url, token, FORWARD, { n, input })).forwardTicket;
const messages = async (n: number): Promise<Data[]> =>
  (await gqlData<Data>(gw.url, alice, `{ ticket(number: ${n}) { messages { id direction flags messageId to { email } attachments { filename } } } }`)).ticket.messages;
const awaitingSince = async (n: number): Promise<Date | null> =>
  (await queryDatabase<{ since: Date | null }>(gw.databaseUrl, `select awaiting_reply_since as since from ticket where number = $1`, [n]))[0]!.since;
const ticketState = async (n: number): Promise<Data> => (await gqlData<Data>(gw.url, alice, `{ ticket(number: ${n}) { status snoozedUntil } }`)).ticket;

async function ticketFrom(from: string, extra: Parameters<typeof buildMail>[0] = {}): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, subject: 'Printer jams on page 2', text: 'The printer jams on every second page.', ...extra }));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  return outcome.ticketNumber;
}

beforeAll(async () => {
  // One mail may carry about 2 KB of files here, so a forward too large to send is cheap to make.
  desk = await startDesk({ OUTBOUND_MAX_ATTACHMENTS_MB: '0.002' });
  ({ gw, h, sink, alice } = desk);
});
afterAll(() => desk?.close());

describe('forwardTicket', () => {
  it("mails the agent's words, the customer's message and its files to the supplier alone, kept as a note", async () => {
    const n = await ticketFrom('Ann <ann@customer.test>', { attachments: [{ filename: 'error-log.pdf', content: PDF, contentType: 'application/pdf' }] });
    expect(await forward(n, { to: [' Parts@Vendor.test '], body: 'Is this a known fault of the X200?' })).toEqual({ ticket: { number: n }, userErrors: [] });

    const [mail] = await waitForMailsTo(sink, VENDOR, 1);
    expect(mail!.envelope.to).toEqual([VENDOR]);
    expect(mail!.parsed.subject).toBe(`Fwd: [#${n}] Printer jams on page 2`);
    expect(mail!.parsed.cc).toBeUndefined();
    expect(mail!.parsed.from?.text).toContain('Agent (Support)');
    const text = mail!.parsed.text!;
    expect(text.indexOf('Is this a known fault of the X200?')).toBeLessThan(text.indexOf('---------- Forwarded message ----------'));
    expect(text).toContain('From: Ann <ann@customer.test>');
    expect(text).toContain('The printer jams on every second page.');
    expect(mail!.parsed.attachments.map((a) => a.filename)).toEqual(['error-log.pdf']);
    expect(ids(mail!.header('in-reply-to'))).toEqual([]); // a conversation of its own, not the customer's thread

    const note = (await messages(n)).at(-1)!;
    expect(note).toMatchObject({ direction: 'NOTE', flags: ['forward'], to: [{ email: VENDOR }], messageId: ids(mail!.header('message-id'))[0] });
    const [event] = await queryDatabase<{ kind: string; to_value: string }>(gw.databaseUrl, `select e.kind, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'forwarded'`, [n]);
    expect(event).toEqual({ kind: 'forwarded', to_value: VENDOR });
    await outboxSettled(gw.databaseUrl);
    expect(mailsTo(sink, 'ann@customer.test').length).toBe(1); // her acknowledgement, nothing about the forward
  });

  it("threads the supplier's answer back as third-party mail that changes no status and never reaches the customer", async () => {
    const n = await ticketFrom('bob@customer.test');
    await gqlData(gw.url, alice, `mutation { assignToMe(number: ${n}) { userErrors { message } } }`);
    await forward(n, { to: ['service@vendor.test'], body: 'Do you have a fuser in stock?', includeFiles: false });
    const [asked] = await waitForMailsTo(sink, 'service@vendor.test', 1);
    const askedId = ids(asked!.header('message-id'))[0]!;
    await gqlData(gw.url, alice, `mutation { updateTicket(number: ${n}, input: { status: WAITING_FOR_CUSTOMER }) { userErrors { message } } }`);
    const snooze = `mutation($until: DateTime!) { snoozeTicket(number: ${n}, until: $until) { userErrors { message } } }`;
    await gqlData(gw.url, alice, snooze, { until: new Date(Date.now() + 86_400_000).toISOString() });

    const waitingBefore = await awaitingSince(n);
    const answer = await h.ingest(
      await buildMail({ from: 'Service <service@vendor.test>', subject: `Re: Fwd: [#${n}] Printer jams on page 2`, text: 'Yes: fuser F-77 ships tomorrow, price 80 EUR.', inReplyTo: askedId, references: [askedId] }),
    );
    expect(answer).toMatchObject({ kind: 'comment', ticketNumber: n });
    const stored = (await messages(n)).at(-1)!;
    expect(stored.direction).toBe('INBOUND');
    expect(stored.flags).toContain('third-party');
    expect(await ticketState(n)).toEqual({ status: 'WAITING_FOR_CUSTOMER', snoozedUntil: null }); // the agent hears of it; the customer said nothing
    expect(await awaitingSince(n)).toEqual(waitingBefore); // the customer's wait is as it was
    const [told] = await waitForMailsTo(sink, 'alice@example.com', 1);
    expect(told!.parsed.text).toContain('fuser F-77 ships tomorrow');

    // A second question to the supplier continues their conversation: it answers their answer.
    await forward(n, { to: ['service@vendor.test'], body: 'Please send two.', includeFiles: false });
    const [, again] = await waitForMailsTo(sink, 'service@vendor.test', 2);
    expect(ids(again!.header('in-reply-to'))).toEqual([stored.messageId]);
    expect(ids(again!.header('references'))).toEqual([askedId, stored.messageId]);

    await gqlData(gw.url, alice, `mutation { replyToTicket(number: ${n}, body: "A new fuser is on its way.") { userErrors { message } } }`);
    const toBob = await waitForMailsTo(sink, 'bob@customer.test', 3); // acknowledgement, waiting, the reply
    const reply = toBob.find((m) => m.parsed.text?.includes('A new fuser is on its way.'))!;
    expect(reply.parsed.text).not.toContain('80 EUR');
    expect(reply.parsed.html || '').not.toContain('80 EUR');
    const threaded = [...ids(reply.header('in-reply-to')), ...ids(reply.header('references'))];
    expect(threaded).not.toContain(stored.messageId);
    expect(threaded).not.toContain(askedId);

    // Even once the supplier is copied in, their earlier answer to the agent is not quoted to the customer.
    await gqlData(gw.url, alice, `mutation { addTicketCc(number: ${n}, email: "service@vendor.test") { userErrors { message } } }`);
    await gqlData(gw.url, alice, `mutation { replyToTicket(number: ${n}, body: "Fitted; please try again.") { userErrors { message } } }`);
    const later = (await waitForMailsTo(sink, 'bob@customer.test', 4)).find((m) => m.parsed.text?.includes('Fitted; please try again.'))!;
    expect(later.parsed.text).toContain('A new fuser is on its way.'); // the history is there …
    expect(later.parsed.text).not.toContain('80 EUR'); // … without the supplier's words
  });

  it("joins an answer under the ticket's tag without our Message-ID (the supplier's own help desk) only from the people it named", async () => {
    const n = await ticketFrom('hal@customer.test');
    await forward(n, { to: ['desk@vendor.test'], body: 'Known fault?' });
    await waitForMailsTo(sink, 'desk@vendor.test', 1);
    const theirDesk = await h.ingest(await buildMail({ from: 'desk@vendor.test', subject: `[VENDOR-991] Re: Fwd: [#${n}] Printer jams on page 2`, text: 'Case opened; a technician will call.' }));
    expect(theirDesk).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect((await messages(n)).at(-1)!.flags).toContain('third-party');
    // Alice neither watches nor holds the ticket: she hears of the answer because she asked.
    await eventually(async () => mailsTo(sink, 'alice@example.com').some((m) => m.raw.toString().includes('Case opened; a technician will call.')), 'the answer mailed to the agent who asked');
    const stranger = await h.ingest(await buildMail({ from: 'other@vendor.test', subject: `Re: Fwd: [#${n}] Printer jams on page 2`, text: 'Me too.' }));
    expect(stranger).toMatchObject({ kind: 'ticket' }); // a new ticket linked to n, as for any stranger naming a number
  });

  it('joins a ticket closed long ago without reopening it or opening a new one', async () => {
    const n = await ticketFrom('ida@customer.test');
    await forward(n, { to: ['slow@vendor.test'], body: 'Any news on the spare part?' });
    const [asked] = await waitForMailsTo(sink, 'slow@vendor.test', 1);
    const askedId = ids(asked!.header('message-id'))[0]!;
    await queryDatabase(gw.databaseUrl, `update ticket set status = 'CLOSED', closed_at = now() - interval '400 days' where number = $1`, [n]);
    const late = await h.ingest(await buildMail({ from: 'slow@vendor.test', subject: 'Re: Fwd: Printer', text: 'The part is back in stock.', inReplyTo: askedId }));
    expect(late).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect((await ticketState(n)).status).toBe('CLOSED');
  });

  it('treats an answer from anyone the forward did not name as before', async () => {
    const n = await ticketFrom('cat@customer.test');
    await forward(n, { to: ['lab@vendor.test'], body: 'Any idea?' });
    const [asked] = await waitForMailsTo(sink, 'lab@vendor.test', 1);
    const askedId = ids(asked!.header('message-id'))[0]!;
    const outcome = await h.ingest(await buildMail({ from: 'cat@customer.test', subject: 'Re: Printer', text: 'Still broken.', inReplyTo: askedId }));
    expect(outcome).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect((await messages(n)).at(-1)!.flags).not.toContain('third-party');
  });

  it('refuses what it cannot send, naming the field', async () => {
    const n = await ticketFrom('dan@customer.test', { cc: 'eve@customer.test' });
    const other = await ticketFrom('fay@customer.test');
    const [otherMessage] = await messages(other);
    const cases: [Record<string, unknown>, { field: string[]; message: string }][] = [
      [{ to: [], body: 'x' }, { field: ['input', 'to'], message: 'name at least one address' }],
      [{ to: Array.from({ length: 11 }, (_, i) => `p${i}@vendor.test`), body: 'x' }, { field: ['input', 'to'], message: 'at most 10 addresses' }],
      [{ to: ['not an address'], body: 'x' }, { field: ['input', 'to', '0'], message: 'must be an email address' }],
      [{ to: [VENDOR], body: '  ' }, { field: ['input', 'body'], message: 'must not be blank' }],
      [{ to: ['dan@customer.test'], body: 'x' }, { field: ['input', 'to'], message: `dan@customer.test is the requester of ticket #${n}: answer them with replyToTicket` }],
      [{ to: ['eve@customer.test'], body: 'x' }, { field: ['input', 'to'], message: `eve@customer.test is a CC of ticket #${n}: answer them with replyToTicket` }],
      [{ to: ['support@example.com'], body: 'x' }, { field: ['input', 'to'], message: "support@example.com is postdesk's own address: the mail would come back as a ticket" }],
      [{ to: [VENDOR], body: 'x', message: otherMessage!.id }, { field: ['input', 'message'], message: `not a message of ticket #${n}` }],
      [{ to: [VENDOR], body: 'x', attachments: ['999999'] }, { field: ['input', 'attachments', '0'], message: 'no upload "999999" of yours: an upload can be used once and is kept 24 hours' }],
    ];
    for (const [input, error] of cases) expect(await forward(n, input), JSON.stringify(input)).toEqual({ ticket: null, userErrors: [error] });
    expect((await messages(n)).filter((m) => m.direction === 'NOTE')).toEqual([]);
  });

  it('refuses files one mail cannot carry, and forwards without them when asked', async () => {
    const n = await ticketFrom('gus@customer.test', { attachments: [{ filename: 'dump.txt', content: 'x'.repeat(3000), contentType: 'text/plain' }] });
    const [first] = await messages(n);
    expect(await forward(n, { to: ['big@vendor.test'], body: 'See the dump.' })).toEqual({
      ticket: null,
      userErrors: [{ field: ['input', 'includeFiles'], message: `message ${first!.id}'s files are 3000 bytes, more than the 2097 bytes one mail may carry (OUTBOUND_MAX_ATTACHMENTS_MB): forward with includeFiles: false and share them another way` }],
    });
    expect((await forward(n, { to: ['big@vendor.test'], body: 'The dump is too large to send.', includeFiles: false })).userErrors).toEqual([]);
    const [mail] = await waitForMailsTo(sink, 'big@vendor.test', 1);
    expect(mail!.parsed.attachments).toEqual([]);
  });
});
