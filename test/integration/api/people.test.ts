/**
 * What agents see of the people on a ticket besides name and address: the language their mail is
 * written in and whether their address bounced (read only when selected, in one statement for all
 * of them), and markDeliverable for a customer who says their mailbox works again. Real gateway,
 * real ingest on real PostgreSQL, the mail read from the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData, gqlError } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { outboxOf } from '../ingest/stored-raw.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BOUNCED_AT = '2026-11-30T08:00:00.000Z';
let gw: TestApp;
let h: IngestHarness;
let agent: string;
let number: number;

const PEOPLE = `query($n: Int!) { ticket(number: $n) { requester { email language undeliverableSince } ccs { email language undeliverableSince } } }`;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', SENDER_AUTHENTICATION: 'off' });
  h = await createIngestHarness({ SUPPORT_ADDRESS: 'support@example.com', SENDER_AUTHENTICATION: 'off' }, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'alice@example.com');
  const outcome = await h.ingest(await buildMail({ from: 'Ann <ann@customer.test>', cc: 'bob@customer.test', subject: 'Printer', headers: { 'Content-Language': 'nl-BE' } }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  number = outcome.ticketNumber;
  await queryDatabase(gw.databaseUrl, `update person set undeliverable_since = $2 where email = $1`, ['bob@customer.test', BOUNCED_AT]);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('the people on a ticket', () => {
  it("show the language of their mail and since when their address bounces", async () => {
    const { ticket } = await gqlData<Data>(gw.url, agent, PEOPLE, { n: number });
    expect(ticket).toEqual({
      requester: { email: 'ann@customer.test', language: 'nl-BE', undeliverableSince: null },
      ccs: [{ email: 'bob@customer.test', language: null, undeliverableSince: BOUNCED_AT }],
    });
  });

  it('markDeliverable clears the mark for the next automatic mail, in the audit log; an unknown address is refused', async () => {
    const acknowledged = async (subject: string): Promise<string[]> => {
      const outcome = await h.ingest(await buildMail({ from: 'ann@customer.test', cc: 'bob@customer.test', subject }));
      if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      return (await outboxOf(gw.databaseUrl, outcome.ticketNumber)).find((row) => row.kind === 'acknowledgement')!.recipients;
    };
    expect(await acknowledged('Scanner')).toEqual(['ann@customer.test']); // Bob, a CC, bounced
    const cleared = await gqlData<Data>(gw.url, agent, `mutation { markDeliverable(email: " Bob@Customer.test ") { email undeliverableSince } }`);
    expect(cleared.markDeliverable).toEqual({ email: 'bob@customer.test', undeliverableSince: null });
    const [event] = await queryDatabase<{ from_value: string; to_value: string }>(gw.databaseUrl, `select from_value, to_value from ticket_event where kind = 'person-deliverable'`);
    expect(event).toEqual({ from_value: BOUNCED_AT, to_value: 'bob@customer.test' });
    expect(await acknowledged('Fax')).toEqual(['ann@customer.test', 'bob@customer.test']);

    expect(await gqlError(gw.url, agent, `mutation { markDeliverable(email: "nobody@nowhere.test") { email } }`)).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('no one with the address nobody@nowhere.test is known'),
    });
  });
});
