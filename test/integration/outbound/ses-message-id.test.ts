/**
 * Amazon SES as the relay: it replaces every outgoing mail's Message-ID with its own and names the
 * new one only in its reply to DATA ("250 Ok <id>"). Customers' mail programs answer that ID, so
 * postdesk records it with the mail (outbound_delivery.relay_message_id) and threading and bounce
 * matching look it up: a colleague the customer copied in, answering without the [#N] tag, joins
 * the ticket, and a bounce of the relayed mail lands on its ticket. The sink answers as SES does;
 * SES_MESSAGE_ID_DOMAIN stands for what an SES endpoint's name would give. Real ingest, the real
 * outbound worker, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { buildDeliveryFailure, buildMail } from '../../harness/mail.js';
import { outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const SES_ID = '0102018c6f3b2c1a-5e2b1c3d-1234-4abc-8def-0123456789ab-000000';
const WIRE_ID = `${SES_ID}@eu-west-1.amazonses.com`;

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness({ SES_MESSAGE_ID_DOMAIN: 'eu-west-1.amazonses.com', SENDER_AUTHENTICATION: 'off' }, { reply: () => `Ok ${SES_ID}` });
});
afterAll(() => h?.close());

describe('the Message-IDs Amazon SES writes in place of ours', () => {
  it('are recorded with the mail, and replies and bounces naming them find its ticket', async () => {
    const opened = await h.ingest.ingest(await buildMail({ from: 'Ida <ida@customer.test>', cc: 'Jon <jon@customer.test>', subject: 'Badge reader broken' }));
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    await waitForMailsTo(h.sink, 'ida@customer.test', 1);
    await outboxSettled(h.ingest.databaseUrl);
    const [sent] = await queryDatabase<{ relay_message_id: string | null }>(h.ingest.databaseUrl, `select relay_message_id from outbound_delivery where kind = 'acknowledgement'`);
    expect(sent).toEqual({ relay_message_id: WIRE_ID });

    // A colleague of Ida's, on none of the ticket's lists, answers what SES delivered, without the tag.
    const reply = await h.ingest.ingest(await buildMail({ from: 'Kim <kim@customer.test>', subject: 'Re: Badge reader broken', text: 'Ours is broken too.', inReplyTo: WIRE_ID, references: [WIRE_ID] }));
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: opened.ticketNumber });

    const bounce = await h.ingest.ingest(buildDeliveryFailure(WIRE_ID, 'ida@customer.test'));
    expect(bounce).toMatchObject({ kind: 'note', ticketNumber: opened.ticketNumber });
  });
});
