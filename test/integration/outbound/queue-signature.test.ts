/**
 * A queue's signature ends agents' mails about its tickets (replyToTicket, createTicket), with its
 * placeholders filled in and HTML-escaped in the HTML part; without one, the default footer
 * (the agent's name and the desk's). Real gateway, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import type { IngestHarness } from '../../harness/ingest.js';
import { startDesk, type Desk } from '../../harness/desk.js';
import { buildMail } from '../../harness/mail.js';
import type { SmtpSink } from '../../harness/smtp-sink.js';
import { waitForMailsTo } from './outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let desk: Desk;
let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let agent: string;

async function call(token: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, token, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}
const setSignature = (signature: string) =>
  call(gw.adminToken, `mutation($s: String) { updateQueue(name: "General", input: { signature: $s }) { queue { signature } userErrors { field message } } }`, { s: signature });
const reply = (number: number, body: string) => call(agent, `mutation($n: Int!, $b: String!) { replyToTicket(number: $n, body: $b) { userErrors { message } } }`, { n: number, b: body });

beforeAll(async () => {
  desk = await startDesk();
  ({ gw, h, sink, alice: agent } = desk);
  await call(gw.adminToken, `mutation { updateAgent(email: "alice@example.com", input: { name: "Alice Liddell" }) { userErrors { message } } }`);
});
afterAll(() => desk?.close());

describe('queue signature', () => {
  it('ends replies with the default footer, then with the queue signature, placeholders filled and HTML escaped', async () => {
    const outcome = await h.ingest(await buildMail({ from: 'ann@customer.test', subject: 'Printer jam' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;

    await reply(n, 'First answer.');
    const [, first] = await waitForMailsTo(sink, 'ann@customer.test', 2); // the acknowledgement, the reply
    expect(first!.parsed.text).toContain('First answer.\n\n-- \nAlice Liddell, Support\n');

    const set = await setSignature('  Kind regards,\r\n{{actor.name}} <{{actor.email}}>\n{{support.name}} & Co, ticket {{ticket.number}}  ');
    expect(set.updateQueue).toEqual({ queue: { signature: 'Kind regards,\n{{actor.name}} <{{actor.email}}>\n{{support.name}} & Co, ticket {{ticket.number}}' }, userErrors: [] });
    await reply(n, 'Second answer.');
    const [, , second] = await waitForMailsTo(sink, 'ann@customer.test', 3);
    expect(second!.parsed.text).toContain(`Second answer.\n\n-- \nKind regards,\nAlice Liddell <alice@example.com>\nSupport & Co, ticket ${n}\n`);
    expect(second!.parsed.html).toContain(`Kind regards,\nAlice Liddell &lt;alice@example.com&gt;\nSupport &amp; Co, ticket ${n}`);

    // The ticket itself shows the queue's signature; "" goes back to the default.
    const shown = await call(agent, `query($n: Int!) { ticket(number: $n) { queue { signature } } }`, { n });
    expect(shown.ticket.queue.signature).toMatch(/^Kind regards,/);
    expect((await setSignature('  ')).updateQueue.queue.signature).toBeNull();
    await reply(n, 'Third answer.');
    const [, , , third] = await waitForMailsTo(sink, 'ann@customer.test', 4);
    expect(third!.parsed.text).toContain('Third answer.\n\n-- \nAlice Liddell, Support\n');
  });

  it('refuses a signature too long or with control characters, naming the field; the change is an admin event', async () => {
    for (const bad of ['x'.repeat(2001), 'bell\u0007']) {
      const refused = await setSignature(bad);
      expect(refused.updateQueue.userErrors[0].field).toEqual(['input', 'signature']);
    }
    const events = await call(gw.adminToken, `{ adminEvents(filter: { kind: ["queue-signature"] }) { totalCount } }`);
    expect(events.adminEvents.totalCount).toBe(2); // set, then back to the default
  });
});
