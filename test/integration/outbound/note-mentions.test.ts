/**
 * Mentions in internal notes (addNote's mention), through the real gateway to a real SMTP sink:
 * each mentioned agent gets one `note-mention` mail even without watching the ticket, a watcher who
 * is mentioned gets that mail instead of the watcher copy, the author gets nothing, and only agents
 * who may work the ticket can be mentioned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import type { IngestHarness } from '../../harness/ingest.js';
import { startDesk, type Desk } from '../../harness/desk.js';
import { buildMail } from '../../harness/mail.js';
import type { SmtpSink } from '../../harness/smtp-sink.js';
import { mailsTo, outboxSettled, parseCaptured } from './outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let desk: Desk;
let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let alice: string;

const NOTE = `mutation($n: Int!, $body: String!, $mention: [String!]) { addNote(number: $n, body: $body, mention: $mention) { ticket { number } userErrors { field message } } }`;
const note = async (n: number, body: string, mention: string[]) => (await gqlData<Data>(gw.url, alice, NOTE, { n, body, mention })).addNote;
const subjects = (address: string) => mailsTo(sink, address).map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1] ?? '');

beforeAll(async () => {
  desk = await startDesk();
  ({ gw, h, sink, alice } = desk);
  await agentOfQueue(gw, 'bob@example.com');
  await agentOfQueue(gw, 'wendy@example.com');
  await gqlData(gw.url, gw.adminToken, `mutation { createQueue(input: { name: "Billing" }) { userErrors { message } } }`);
  await agentOfQueue(gw, 'carol@example.com', 'Billing');
});
afterAll(() => desk?.close());

describe('addNote with mention', () => {
  it('mails each mentioned agent once, instead of the watcher copy, never the author', async () => {
    const outcome = await h.ingest(await buildMail({ from: 'ann@customer.test', subject: 'Refund please' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;
    await gqlData(gw.url, gw.adminToken, `mutation { addTicketWatcher(number: ${n}, email: "wendy@example.com") { userErrors { message } } }`);
    await gqlData(gw.url, gw.adminToken, `mutation { addTicketWatcher(number: ${n}, email: "alice@example.com") { userErrors { message } } }`);

    expect((await note(n, 'Bob, can you approve this refund? Wendy, FYI.', ['BOB@example.com', 'wendy@example.com', 'alice@example.com'])).userErrors).toEqual([]);
    await outboxSettled(gw.databaseUrl);
    expect(subjects('bob@example.com')).toEqual([`Re: [#${n}] Refund please (you were mentioned)`]);
    expect(subjects('wendy@example.com')).toEqual([`Re: [#${n}] Refund please (you were mentioned)`]);
    expect(subjects('alice@example.com')).toEqual([]);
    const mail = await parseCaptured(mailsTo(sink, 'bob@example.com')[0]!);
    expect(mail.parsed.text).toContain('mentioned you in an internal note');
    expect(mail.parsed.text).toContain('Bob, can you approve this refund?');
    expect(mail.header('auto-submitted')).toBe('auto-generated');

    const [event] = await queryDatabase<{ detail: { mentioned: string[] } }>(
      gw.databaseUrl,
      `select e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'note'`,
      [n],
    );
    expect(event!.detail.mentioned.sort()).toEqual(['bob@example.com', 'wendy@example.com']);

    // A note without mentions: the watcher copy as before.
    expect((await note(n, 'Refund sent.', [])).userErrors).toEqual([]);
    await outboxSettled(gw.databaseUrl);
    expect(subjects('wendy@example.com')).toEqual([`Re: [#${n}] Refund please (you were mentioned)`, `Re: [#${n}] Refund please (internal note)`]);
  });

  it('refuses to mention someone who may not work the ticket, and then adds no note', async () => {
    const outcome = await h.ingest(await buildMail({ from: 'dan@customer.test', subject: 'Invoice' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;
    expect((await note(n, 'Carol?', ['bob@example.com', 'carol@example.com'])).userErrors).toEqual([
      { field: ['mention', '1'], message: `carol@example.com is not an active agent who may work ticket #${n}` },
    ]);
    expect((await note(n, 'Everyone?', Array.from({ length: 21 }, (_, i) => `x${i}@example.com`))).userErrors).toEqual([{ field: ['mention'], message: 'at most 20 people' }]);
    const notes = await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction = 'NOTE'`, [n]);
    expect(notes[0]!.n).toBe('0');
  });
});
