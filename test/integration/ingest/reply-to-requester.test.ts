/**
 * A web form's mail ("From: noreply@shop.test", "Reply-To: the customer"): the ticket is the
 * customer's, so the acknowledgement and every answer reach them instead of a mailbox nobody
 * reads, and their reply threads on. Mailing lists (automatic mail) and REPLY_TO_REQUESTER=off keep
 * the From address. One From naming a new Reply-To each time is still one sender to the
 * per-sender rate limit. Real ingest, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness({ SENDER_RATE_LIMIT: '3/10m' });
});
afterAll(() => h?.close());

const requesterOf = async (number: number) =>
  (await queryDatabase<{ email: string }>(h.ingest.databaseUrl, `select p.email from ticket t join person p on p.id = t.requester_id where t.number = $1`, [number]))[0]!.email;

function formMail(customer: string, extra: { headers?: Record<string, string>; from?: string } = {}): Promise<Buffer> {
  return buildMail({
    from: extra.from ?? 'Web shop <noreply@shop.test>',
    to: 'support@example.com',
    subject: 'Contact form: where is my order?',
    text: 'Order 5521 has not arrived.',
    headers: { 'Reply-To': customer, ...extra.headers },
  });
}

describe('Reply-To as the requester', () => {
  it("makes a web form's mail the customer's ticket: the acknowledgement reaches them, and their reply threads on", async () => {
    const outcome = await h.ingest.ingest(await formMail('Greta <greta@customer.test>'));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await requesterOf(outcome.ticketNumber)).toBe('greta@customer.test');
    const [author] = await queryDatabase<{ email: string }>(h.ingest.databaseUrl, `select p.email from message m join person p on p.id = m.author_id where m.id = $1`, [outcome.messageRowId]);
    expect(author!.email).toBe('noreply@shop.test');
    const events = await queryDatabase<{ to_value: string }>(
      h.ingest.databaseUrl,
      `select e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'requester-from-reply-to'`,
      [outcome.ticketNumber],
    );
    expect(events).toEqual([{ to_value: 'greta@customer.test' }]);

    const [ack] = await waitForMailsTo(h.sink, 'greta@customer.test', 1);
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, 'noreply@shop.test')).toEqual([]);
    const reply = await h.ingest.ingest(
      await buildMail({ from: 'Greta <greta@customer.test>', to: 'support@example.com', subject: `Re: ${ack!.parsed.subject}`, inReplyTo: ids(ack!.header('message-id'))[0], text: 'Any news?' }),
    );
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: outcome.ticketNumber });
  });

  it('keeps the From address for a mailing list and with REPLY_TO_REQUESTER=off', async () => {
    const list = await h.ingest.ingest(await formMail('The list <list@lists.test>', { from: 'ivan@customer.test', headers: { 'List-Id': '<users.lists.test>' } }));
    if (list.kind !== 'ticket') throw new Error(`expected a ticket, got ${list.kind}`);
    expect(await requesterOf(list.ticketNumber)).toBe('ivan@customer.test');

    const off = await createIngestHarness({ REPLY_TO_REQUESTER: 'off' }, h.ingest.databaseUrl);
    try {
      const outcome = await off.ingest(await formMail('hans@customer.test', { from: 'forms@other-shop.test' }));
      if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      expect(await requesterOf(outcome.ticketNumber)).toBe('forms@other-shop.test');
    } finally {
      await off.close();
    }
  });

  it('counts a sender that names a new Reply-To each time once per ticket against SENDER_RATE_LIMIT', async () => {
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await h.ingest.ingest(await formMail(`victim${i}@customer.test`, { from: 'flood@spam.test' })));
    expect(outcomes.map((o) => (o.kind === 'quarantined' ? `quarantined:${o.code}` : o.kind))).toEqual(['ticket', 'ticket', 'ticket', 'quarantined:RATE_LIMITED', 'quarantined:RATE_LIMITED']);
  });
});
