/**
 * A queue's note in the acknowledgement of its new tickets (updateQueue acknowledgementNote): after
 * the first paragraph, in the text and HTML-escaped in the HTML part; none, and no gap, without
 * one. Real gateway, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { waitForMailsTo } from './outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;

async function call(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}
const setNote = async (note: string) =>
  (await call(`mutation($n: String) { updateQueue(name: "General", input: { acknowledgementNote: $n }) { queue { acknowledgementNote } userErrors { field message } } }`, { n: note }))
    .updateQueue;

/** The acknowledgement `from` gets for a new ticket with `subject`. */
async function acknowledgement(from: string, subject: string): Promise<{ text: string; html: string }> {
  const outcome = await h.ingest(await buildMail({ from, subject }));
  if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
  const [mail] = await waitForMailsTo(sink, from, 1);
  return { text: mail!.parsed.text ?? '', html: String(mail!.parsed.html) };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', SMTP_URL: sink.url });
  h = await createIngestHarness({}, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
  await sink?.stop();
});

describe("a queue's acknowledgement note", () => {
  it('is absent, leaving no gap, until set; then follows the first paragraph, escaped in HTML; "" removes it', async () => {
    const plain = await acknowledgement('ann@customer.test', 'Printer jam');
    expect(plain.text).toContain('or simply reply to this mail.\n\nSubject: Printer jam');

    const set = await setNote('  Billing answers on working days, 09:00-17:00.\r\nSend <b>invoice</b> numbers & dates.  ');
    expect(set).toEqual({ queue: { acknowledgementNote: 'Billing answers on working days, 09:00-17:00.\nSend <b>invoice</b> numbers & dates.' }, userErrors: [] });
    const noted = await acknowledgement('bo@customer.test', 'Invoice wrong');
    expect(noted.text).toContain('or simply reply to this mail.\n\nBilling answers on working days, 09:00-17:00.\nSend <b>invoice</b> numbers & dates.\n\nSubject: Invoice wrong');
    expect(noted.html).toContain('Send &lt;b&gt;invoice&lt;/b&gt; numbers &amp; dates.');
    expect(noted.html).not.toContain('<b>invoice</b>');

    expect((await setNote('')).queue.acknowledgementNote).toBeNull();
    expect((await acknowledgement('cy@customer.test', 'Printer jam again')).text).toContain('or simply reply to this mail.\n\nSubject: Printer jam again');
  });

  it('refuses control characters and more than 2,000 characters, naming the field; each change is an admin event', async () => {
    for (const bad of ['x'.repeat(2001), 'bell\u0007']) expect((await setNote(bad)).userErrors[0].field).toEqual(['input', 'acknowledgementNote']);
    const events = await call(`{ adminEvents(filter: { kind: ["queue-acknowledgementNote"] }) { edges { node { from to } } } }`);
    expect(events.adminEvents.edges.map((e: Data) => e.node.to)).toEqual([null, expect.stringMatching(/^Billing answers/)]); // newest first: removed, set
  });
});
