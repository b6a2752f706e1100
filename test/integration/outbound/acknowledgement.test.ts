import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { checkOurMessageId, messageIdDomain } from '../../../src/mail/headers.js';
import { ids, parseCaptured, startOutboundHarness, type OutboundHarness } from './outbound-harness.js';

describe('acknowledgement of a new ticket', () => {
  let h: OutboundHarness;
  beforeAll(async () => {
    h = await startOutboundHarness();
  });
  afterAll(async () => h?.close());

  it('goes to the requester and CCs, tagged, threaded, automatic, from the support address', async () => {
    const customerId = randomMessageId();
    const outcome = await h.ingest.ingest(
      await buildMail({ from: 'Alice Example <alice@customer.test>', cc: 'bob@customer.test', subject: 'Printer on fire', text: 'It smokes.', messageId: customerId }),
    );
    expect(outcome.kind).toBe('ticket');
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    const [mail] = await h.sink.waitFor(1);
    const c = await parseCaptured(mail!);
    expect([...c.envelope.to].sort()).toEqual(['alice@customer.test', 'bob@customer.test']);
    expect(c.envelope.from).toBe('support@example.com');
    expect(c.parsed.subject).toBe(`Re: [#${number}] Printer on fire`);
    expect(c.header('auto-submitted')).toBe('auto-replied');
    expect(c.header('x-auto-response-suppress')).toBe('All');
    expect(c.header('x-postdesk-loop')).toBe('example.com');
    expect(c.parsed.replyTo?.value[0]?.address).toBe('support@example.com');
    expect(ids(c.header('in-reply-to'))).toEqual([customerId]);
    expect(ids(c.header('references'))).toEqual([customerId]);
    expect(c.parsed.text).toContain('It smokes.');
    expect(c.parsed.html).toContain('It smokes.');
    const messageId = ids(c.header('message-id'))[0]!;
    expect(checkOurMessageId(h.ingest.context.secret, messageIdDomain('support@example.com'), messageId).kind).toBe('ours');
    const rows = await queryDatabase<{ status: string; message_id: string; kind: string }>(h.ingest.config.databaseUrl!, `select status, message_id, kind from outbound_delivery`);
    expect(rows).toEqual([{ status: 'SENT', message_id: messageId, kind: 'acknowledgement' }]);
  });

  it('names no Message-ID when the customer\'s message had none (a synthetic id never threads)', async () => {
    const before = h.sink.messages.length;
    const outcome = await h.ingest.ingest(await buildMail({ from: 'dave@customer.test', subject: 'No id here', text: 'Sent by an old script.', messageId: null }));
    expect(outcome.kind).toBe('ticket');
    const c = await parseCaptured((await h.sink.waitFor(before + 1)).at(-1)!);
    expect(c.parsed.subject).toBe(`Re: [#${(outcome as { ticketNumber: number }).ticketNumber}] No id here`);
    expect(c.header('in-reply-to')).toBeUndefined();
    expect(c.header('references')).toBeUndefined();
  });

  it('is not sent for automatic mail, nor to our own addresses', async () => {
    const before = h.sink.messages.length;
    // An auto-reply threaded to nothing is quarantined; one with a [#N] tag from the requester is a comment: neither is acknowledged.
    await h.ingest.ingest(await buildMail({ from: 'robot@customer.test', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }));
    const outcome = await h.ingest.ingest(await buildMail({ from: 'carol@customer.test', to: 'support@example.com', cc: 'emergency@example.com, support@example.com', subject: 'Question' }));
    expect(outcome.kind).toBe('ticket');
    const all = await h.sink.waitFor(before + 1);
    const last = all.at(-1)!;
    expect(last.to).toEqual(['carol@customer.test']);
    const rows = await queryDatabase<{ n: string }>(h.ingest.config.databaseUrl!, `select count(*)::text as n from outbound_delivery where 'robot@customer.test' = any(recipients)`);
    expect(rows[0]!.n).toBe('0');
  });
});
