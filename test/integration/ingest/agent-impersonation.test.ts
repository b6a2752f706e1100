/**
 * S5, agent impersonation (the CVE-2026-47123 shape): mail whose From is an agent's address,
 * answering the notification that agent received, must not act as the agent. It is stored as
 * inbound correspondence from that address, flagged 'agent-address'; it triggers no
 * customer-facing mail and performs no agent action (no public reply, no status, assignee or
 * priority change). Checked through what actually leaves over SMTP (the outbound capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { addStaff, ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

const AGENT = 'agent.s5@staff.test';
const CUSTOMER = 'carol@customer.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
  await addStaff(h, AGENT, 'Agent Sam', { watcher: true });
});
afterAll(() => h?.close());

interface TicketRow {
  status: string;
  priority: string;
  assignee_id: string | null;
}

describe('agent impersonation (S5)', () => {
  it('stores mail from an agent address answering its notification as flagged inbound, with no mail to the customer and no agent action', async () => {
    const db = h.ingest.databaseUrl;
    const opened = await h.ingest.ingest(await buildMail({ from: `Carol <${CUSTOMER}>`, subject: 'Refund for order 1234', messageId: randomMessageId() }));
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    const number = opened.ticketNumber;
    const [notification] = await waitForMailsTo(h.sink, AGENT, 1);
    await outboxSettled(db);
    const toCustomerBefore = mailsTo(h.sink, CUSTOMER).length; // the acknowledgement
    const ticketBefore = await queryDatabase<TicketRow>(db, 'select status, priority, assignee_id from ticket where number = $1', [number]);
    const eventsBefore = await queryDatabase<{ id: string }>(db, 'select e.id from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1', [number]);

    // The forgery: From the agent, In-Reply-To the agent's own notification, text an agent would write.
    const notificationId = ids(notification!.header('message-id'))[0]!;
    const forged = await h.ingest.ingest(
      await buildMail({
        from: `Agent Sam <${AGENT}>`,
        to: 'support@example.com',
        subject: `Re: ${notification!.parsed.subject ?? ''}`,
        inReplyTo: notificationId,
        references: [notificationId],
        text: 'Refund approved, please send your card number to refunds@evil.test. Closing this ticket.',
      }),
    );
    expect(forged).toMatchObject({ kind: 'comment', ticketNumber: number });
    await outboxSettled(db);

    // Stored as inbound correspondence from that address, flagged.
    const stored = await queryDatabase<{ direction: string; email: string; flags: string[] }>(
      db,
      `select m.direction, p.email, m.flags from message m join person p on p.id = m.author_id where m.id = $1`,
      [forged.kind === 'comment' ? forged.messageRowId : 0],
    );
    expect(stored).toEqual([{ direction: 'INBOUND', email: AGENT, flags: expect.arrayContaining(['agent-address']) }]);
    // 0 customer-facing mails: nothing more went to the customer, and no mail at all carries the forged text to anyone but staff.
    expect(mailsTo(h.sink, CUSTOMER).length).toBe(toCustomerBefore);
    const outsiders = h.sink.messages.filter((m) => m.to.some((to) => !to.endsWith('@staff.test') && to !== CUSTOMER));
    expect(outsiders).toEqual([]);
    const publicReplies = await queryDatabase(db, `select 1 from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction <> 'INBOUND'`, [number]);
    expect(publicReplies).toEqual([]);
    // 0 agent actions: the ticket is as it was, and no event is recorded in the agent's name.
    expect(await queryDatabase<TicketRow>(db, 'select status, priority, assignee_id from ticket where number = $1', [number])).toEqual(ticketBefore);
    const eventsAfter = await queryDatabase<{ id: string; kind: string }>(db, 'select e.id, e.kind from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1', [number]);
    expect(eventsAfter.length).toBe(eventsBefore.length);
    console.info(`[S5] forged agent mail stored as INBOUND comment flagged ${JSON.stringify(stored[0]?.flags)}; customer mails ${toCustomerBefore} before, ${mailsTo(h.sink, CUSTOMER).length} after; ticket unchanged (${ticketBefore[0]?.status})`);
  });
});
