/**
 * Read receipts (RFC 8098) through the real pipeline on real PostgreSQL: Outlook's, which names
 * the mail it answers only inside the report, lands on that mail's ticket as an automatic answer
 * (flagged `read-receipt`) and changes nothing there; its report part is no refused file; a
 * receipt for a mail postdesk does not know, or naming a forged postdesk Message-ID, is
 * quarantined as AUTOMATIC_UNTHREADED instead of opening a "Read: …" ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, buildReadReceipt } from '../../harness/mail.js';
import { eventsOf, expectKind, headerOf, outboxOf } from './stored-raw.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness({ SENDER_AUTHENTICATION: 'off' });
});
afterAll(() => h?.close());

describe('read receipts', () => {
  it("Outlook's receipt for our acknowledgement lands on the ticket, flagged, and leaves it waiting", async () => {
    const opened = expectKind(await h.ingest(await buildMail({ from: 'ann@customer.test', subject: 'Printer broken' })), 'ticket');
    const [acknowledgement] = (await outboxOf(h.databaseUrl, opened.ticketNumber)).filter((row) => row.kind === 'acknowledgement');
    await h.orm.em.fork().nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.WAITING_FOR_CUSTOMER });

    const receipt = expectKind(await h.ingest(buildReadReceipt({ from: 'ann@customer.test', subject: 'Read: Printer broken', originalMessageId: headerOf(acknowledgement!.raw, 'Message-ID')!.replace(/[<>]/g, '') })), 'comment');
    expect(receipt.ticketNumber).toBe(opened.ticketNumber);
    const [message] = await queryDatabase<{ flags: string[] }>(h.databaseUrl, `select flags from message where id = $1`, [receipt.messageRowId]);
    expect(message!.flags).toEqual(expect.arrayContaining(['automatic', 'read-receipt']));
    const [ticket] = await queryDatabase<{ status: string }>(h.databaseUrl, `select status from ticket where number = $1`, [opened.ticketNumber]);
    expect(ticket!.status).toBe('WAITING_FOR_CUSTOMER');
    expect(await eventsOf(h.databaseUrl, opened.ticketNumber, 'attachments-refused')).toEqual([]);
  });

  it('a receipt for a mail postdesk does not know, or naming a forged postdesk Message-ID, is quarantined, not a ticket', async () => {
    for (const originalMessageId of ['unknown@customer.test', 'pd.1.1.0000000000000000deadbeef@example.com', null]) {
      const outcome = await h.ingest(buildReadReceipt({ from: 'bob@customer.test', subject: 'Read: something', originalMessageId }));
      expect(outcome, String(originalMessageId)).toMatchObject({ kind: 'quarantined', code: 'AUTOMATIC_UNTHREADED' });
    }
  });
});
