/**
 * Message.delivery and retryDelivery, over real HTTP with a real outbox worker and a real SMTP
 * server: an agent sees that their reply was refused and why, and once the cause is mended sends
 * the same mail again (same Message-ID, fresh attempts), with an event saying who did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../harness/app.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gqlData, gqlError } from '../../harness/graphql-client.js';
import type { IngestHarness } from '../../harness/ingest.js';
import { startDesk, type Desk } from '../../harness/desk.js';
import { buildMail } from '../../harness/mail.js';
import type { SmtpSink } from '../../harness/smtp-sink.js';
import { ids, waitForMailsTo } from './outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ANN = 'ann@customer.test';
let desk: Desk;
let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let alice: string;
/** While true, the relay refuses Ann's address for good, as a server with her mailbox full would. */
let refusing = false;

const RETRY = `mutation($m: ID!) { retryDelivery(message: $m) { ticket { number } userErrors { field message } } }`;
const messagesOf = async (n: number): Promise<Data[]> =>
  (await gqlData<Data>(gw.url, alice, `{ ticket(number: ${n}) { messages { id direction messageId delivery { status recipients attempts lastError sentAt } } } }`)).ticket.messages;

beforeAll(async () => {
  desk = await startDesk({}, { onRcpt: (address) => (refusing && address === ANN ? { code: 552, message: 'Mailbox full' } : undefined) });
  ({ gw, h, sink, alice } = desk);
});
afterAll(() => desk?.close());

describe('a reply the relay refused', () => {
  it('shows FAILED with the reason, and retryDelivery sends the same mail again once the cause is mended', async () => {
    const outcome = await h.ingest(await buildMail({ from: ANN, subject: 'Invoice missing' }));
    if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
    const n = outcome.ticketNumber;
    await waitForMailsTo(sink, ANN, 1); // the acknowledgement
    expect((await messagesOf(n))[0]!.delivery).toBeNull(); // her own mail: no mail of ours carried it

    refusing = true;
    await gqlData(gw.url, alice, `mutation { replyToTicket(number: ${n}, body: "Attached is the invoice.") { userErrors { message } } }`);
    const failed = await eventually(async () => {
      const reply = (await messagesOf(n)).find((m) => m.direction === 'OUTBOUND');
      return reply?.delivery?.status === 'FAILED' ? reply : null;
    }, 'the reply FAILED');
    expect(failed.delivery).toEqual({ status: 'FAILED', recipients: [ANN], attempts: 1, lastError: expect.stringContaining('Mailbox full'), sentAt: null });
    expect((await gql(RETRY, { m: failed.id })).userErrors).toEqual([]);
    // Still refused: it fails again, and can be retried again.
    await eventually(async () => (await messagesOf(n)).find((m) => m.id === failed.id)?.delivery.status === 'FAILED', 'failed again');

    refusing = false;
    expect(await gql(RETRY, { m: failed.id })).toEqual({ ticket: { number: n }, userErrors: [] });
    const [, resent] = await waitForMailsTo(sink, ANN, 2);
    expect(ids(resent!.header('message-id'))).toEqual([failed.messageId]);
    expect(resent!.parsed.text).toContain('Attached is the invoice.');
    const sent = await eventually(async () => {
      const reply = (await messagesOf(n)).find((m) => m.id === failed.id);
      return reply?.delivery.status === 'SENT' ? reply : null;
    }, 'the reply SENT');
    expect(sent.delivery).toMatchObject({ status: 'SENT', attempts: 1, lastError: null });
    expect(sent.delivery.sentAt).not.toBeNull();

    const events = await queryDatabase<{ kind: string; email: string; to_value: string }>(
      gw.databaseUrl,
      `select e.kind, p.email, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id join person p on p.id = e.actor_id where t.number = $1 and e.kind = 'delivery-retried' order by e.id`,
      [n],
    );
    expect(events).toEqual([1, 2].map(() => ({ kind: 'delivery-retried', email: 'alice@example.com', to_value: ANN })));

    expect((await gql(RETRY, { m: failed.id })).userErrors).toEqual([{ field: ['message'], message: `the mail of message ${failed.id} was sent: only a FAILED one is sent again` }]);
    const inbound = (await messagesOf(n))[0]!;
    expect((await gql(RETRY, { m: inbound.id })).userErrors).toEqual([
      { field: ['message'], message: `no mail of postdesk carried message ${inbound.id}: only agents' replies, tickets opened for customers and forwards are mailed` },
    ]);
  });

  it("refuses an agent a message that does not exist or is not on their queues' tickets alike; an admin gets a userError", async () => {
    expect(await gqlError(gw.url, alice, RETRY, { m: '999999' })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await gqlData<Data>(gw.url, gw.adminToken, RETRY, { m: '999999' })).retryDelivery.userErrors).toEqual([{ field: ['message'], message: 'no message 999999' }]);
  });
});

async function gql(query: string, variables: Record<string, unknown>): Promise<Data> {
  return (await gqlData<Data>(gw.url, alice, query, variables)).retryDelivery;
}
