/**
 * Read receipts (RFC 8098) through the real pipeline on real PostgreSQL: Outlook's, which names
 * the mail it answers only inside the report, lands on that mail's ticket as an automatic answer
 * (flagged `read-receipt`) and changes nothing there; its report part is no refused file; a
 * receipt for a mail postdesk does not know, or naming a forged postdesk Message-ID, is
 * quarantined as AUTOMATIC_UNTHREADED instead of opening a "Read: …" ticket. A receipt saying an
 * agent's reply was displayed sets that message's `readAt` (over the real GraphQL API); one saying
 * it was deleted unread does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, TicketStatus } from '../../../src/entities/enums.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gqlData } from '../../harness/graphql-client.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, buildReadReceipt, randomMessageId } from '../../harness/mail.js';
import { eventsOf, expectKind, headerOf, outboxOf } from './stored-raw.js';

let gw: TestApp;
let h: IngestHarness;
beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({ SENDER_AUTHENTICATION: 'off' }, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

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

  it("marks an agent's reply read when a receipt says it was displayed, not when it was deleted unread", async () => {
    const first = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from: 'cy@customer.test', subject: 'Scanner', messageId: first })), 'ticket');
    // Two replies of ours (as replyToTicket stores them: OUTBOUND, with the Message-ID they went out with).
    const em = h.orm.em.fork();
    const ticket = await em.findOneOrFail(Ticket, { number: opened.ticketNumber });
    const replies = ['reply-1@example.com', 'reply-2@example.com'].map((messageId) => {
      const reply = new Message(ticket, MessageDirection.OUTBOUND);
      reply.messageId = messageId;
      reply.bodyText = 'Try turning it off and on again.';
      return reply;
    });
    await em.persist(replies).flush();
    // Thunderbird's receipts: In-Reply-To the customer's own mail here, the report naming our reply.
    for (const [originalMessageId, disposition] of [['reply-1@example.com', 'displayed'], ['reply-2@example.com', 'deleted']] as const) {
      expectKind(await h.ingest(buildReadReceipt({ from: 'cy@customer.test', originalMessageId, inReplyTo: first, disposition })), 'comment');
    }
    const data = await gqlData<{ ticket: { messages: { direction: string; messageId: string; readAt: string | null }[] } }>(
      gw.url,
      gw.adminToken,
      `query($n: Int!) { ticket(number: $n) { messages { direction messageId readAt } } }`,
      { n: opened.ticketNumber },
    );
    const outbound = data.ticket.messages.filter((m) => m.direction === 'OUTBOUND').map((m) => [m.messageId, m.readAt === null ? null : 'read']);
    expect(outbound).toEqual([
      ['reply-1@example.com', 'read'],
      ['reply-2@example.com', null],
    ]);
  });
});
