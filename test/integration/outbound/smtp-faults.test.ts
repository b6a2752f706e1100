/**
 * TESTPLAN F7, the faults failures.test.ts does not inject: a 5xx on MAIL FROM, a disconnect
 * without reply after DATA, and a final reply slower than our timeout (SMTP_TIMEOUT_SECONDS,
 * shortened to 2 s here; production waits RFC 5321's 10 minutes). The first fails at once and
 * shows on the ticket; the other two are resent with the same bytes and Message-ID, at most one
 * duplicate per injected fault (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { ids, mailsTo, outboxSettled, parseCaptured, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

type Fault = 'mail-from-5xx' | 'disconnect-after-data' | 'slow-final-reply' | null;

describe('SMTP faults (F7)', () => {
  let h: OutboundHarness;
  let fault: Fault = null;
  let injected = 0;
  const TIMEOUT_SECONDS = 2;

  beforeAll(async () => {
    h = await startOutboundHarness(
      { SMTP_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) },
      {
        onMailFrom() {
          if (fault === 'mail-from-5xx') {
            injected++;
            return { code: 553, message: 'Sender address rejected: not owned by you' };
          }
        },
        afterData() {
          // Each of these faults is injected once; the resend finds a healthy server.
          if (fault === 'disconnect-after-data') {
            fault = null;
            injected++;
            return 'disconnect';
          }
          if (fault === 'slow-final-reply') {
            fault = null;
            injected++;
            return { delayMs: (TIMEOUT_SECONDS + 2) * 1000 };
          }
        },
      },
    );
  });
  afterAll(async () => h?.close());

  const rowsTo = (address: string) =>
    queryDatabase<{ status: string; attempts: number; last_error: string | null; ticket_id: number; message_id: string }>(
      h.ingest.config.databaseUrl!,
      `select status, attempts, last_error, ticket_id, message_id from outbound_delivery where $1 = any(recipients) order by id`,
      [address],
    );

  it('5xx on MAIL FROM: failed after one attempt, shown on the ticket, the recipient not blamed', async () => {
    fault = 'mail-from-5xx';
    injected = 0;
    await h.ingest.ingest(await buildMail({ from: 'mia@customer.test', subject: 'Sender refused' }));
    const [row] = await eventually(async () => {
      const rows = await rowsTo('mia@customer.test');
      return rows[0]?.status === 'FAILED' ? rows : null;
    }, 'delivery FAILED');
    fault = null;
    expect(row!.attempts).toBe(1);
    expect(injected).toBe(1);
    expect(row!.last_error).toMatch(/^553/);
    const events = await queryDatabase<{ detail: { messageId: string } }>(h.ingest.config.databaseUrl!, `select detail from ticket_event where ticket_id = $1 and kind = 'delivery-failed'`, [row!.ticket_id]);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.messageId).toBe(row!.message_id);
    expect(mailsTo(h.sink, 'mia@customer.test')).toHaveLength(0);
    // The server refused our sender, not her address: she stays deliverable (later mail may go).
    const people = await queryDatabase<{ undeliverable_since: Date | null }>(h.ingest.config.databaseUrl!, `select undeliverable_since from person where email = 'mia@customer.test'`);
    expect(people[0]!.undeliverable_since).toBeNull();
  });

  it.each([
    ['disconnect without reply after DATA', 'disconnect-after-data', 'cut@customer.test'],
    ['final reply slower than our timeout', 'slow-final-reply', 'slow@customer.test'],
  ] as const)('%s: resent with the same Message-ID and bytes, at most one duplicate', async (what, kind, address) => {
    fault = kind;
    injected = 0;
    await h.ingest.ingest(await buildMail({ from: address, subject: what }));
    const copies = await waitForMailsTo(h.sink, address, 2);
    await outboxSettled(h.ingest.config.databaseUrl!);
    const captured = mailsTo(h.sink, address);
    const messageIds = new Set((await Promise.all(captured.map(parseCaptured))).map((c) => ids(c.header('message-id'))[0]));
    const duplicates = captured.length - messageIds.size;
    console.log(`F7 ${what}: faults injected ${injected}, copies received ${captured.length}, duplicates by Message-ID ${duplicates}`);
    expect(injected).toBe(1);
    expect(messageIds.size).toBe(1);
    expect(duplicates).toBeLessThanOrEqual(injected);
    expect(copies[1]!.envelope.raw.equals(copies[0]!.envelope.raw)).toBe(true);
    const [row] = await rowsTo(address);
    expect(row).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(messageIds.has(row!.message_id)).toBe(true);
  });
});
