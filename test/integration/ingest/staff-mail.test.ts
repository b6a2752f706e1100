/**
 * A staff member writes to a customer from their own mail program and copies support in: the
 * ticket is the customer's (the first customer in To), the other customers are its CCs and
 * colleagues are not, the message stays the agent's as received, flagged `staff-mail`, the number
 * goes to the agent alone, and nobody waits for an answer from the desk. The customer's reply-all
 * joins that ticket. Mail to colleagues alone, and STAFF_MAIL_REQUESTER=sender, keep the ticket
 * the agent's. Real ingest, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { addStaff, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

const AGENT = 'sam.sm@staff.test';
const COLLEAGUE = 'kim.sm@staff.test';
const ANN = 'ann.sm@customer.test';
const BOB = 'bob.sm@customer.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
  await addStaff(h, AGENT, 'Sam Agent');
  await addStaff(h, COLLEAGUE, 'Kim Colleague');
});
afterAll(() => h?.close());

interface TicketRow {
  requester: string;
  subject: string;
  awaiting: Date | null;
  ccs: string[];
}

async function ticketRow(databaseUrl: string, number: number): Promise<TicketRow> {
  const [row] = await queryDatabase<TicketRow>(
    databaseUrl,
    `select r.email as requester, t.subject, t.awaiting_reply_since as awaiting,
       coalesce((select array_agg(p.email order by p.email) from ticket_cc c join person p on p.id = c.person_id where c.ticket_id = t.id), '{}') as ccs
     from ticket t join person r on r.id = t.requester_id where t.number = $1`,
    [number],
  );
  return row!;
}

describe('staff mail to a customer with support copied in (STAFF_MAIL_REQUESTER)', () => {
  it("is the customer's ticket, the number goes to the agent alone, and the customer's reply-all joins it", async () => {
    const db = h.ingest.databaseUrl;
    const agentMessageId = randomMessageId('staff.test');
    const outcome = await h.ingest.ingest(
      await buildMail({
        from: `Sam Agent <${AGENT}>`,
        to: [`Ann <${ANN}>`, `Kim Colleague <${COLLEAGUE}>`],
        cc: ['support@example.com', `Bob <${BOB}>`],
        subject: 'Re: Your VPN access',
        messageId: agentMessageId,
        text: 'Hello Ann, I have asked the network team to renew your VPN certificate. Bob, FYI.',
      }),
    );
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await ticketRow(db, outcome.ticketNumber)).toEqual({ requester: ANN, subject: 'Your VPN access', awaiting: null, ccs: [BOB] });
    const [message] = await queryDatabase<{ flags: string[]; author: string }>(db, 'select m.flags, p.email as author from message m join person p on p.id = m.author_id where m.id = $1', [outcome.messageRowId]);
    expect(message).toEqual({ flags: expect.arrayContaining(['staff-mail', 'agent-address']), author: AGENT });
    const events = await queryDatabase<{ kind: string; to_value: string }>(db, `select e.kind, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'staff-mail'`, [outcome.ticketNumber]);
    expect(events).toEqual([{ kind: 'staff-mail', to_value: ANN }]);

    const [acknowledgement] = await waitForMailsTo(h.sink, AGENT, 1);
    expect(acknowledgement!.parsed.subject).toContain(`[#${outcome.ticketNumber}]`);
    await outboxSettled(db);
    expect(mailsTo(h.sink, ANN)).toEqual([]);
    expect(mailsTo(h.sink, BOB)).toEqual([]);

    const reply = await h.ingest.ingest(
      await buildMail({ from: `Ann <${ANN}>`, to: AGENT, cc: ['support@example.com', BOB], subject: 'Re: Your VPN access', inReplyTo: agentMessageId, references: [agentMessageId], text: 'Thank you, it works again.' }),
    );
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: outcome.ticketNumber });
  });

  it("stays the agent's ticket when To names no customer", async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: AGENT, to: [COLLEAGUE], cc: ['support@example.com', BOB], subject: 'Laptop for the new hire', text: 'Kim, can you order one? Bob needs it Monday.' }));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await ticketRow(h.ingest.databaseUrl, outcome.ticketNumber)).toMatchObject({ requester: AGENT, ccs: [BOB, COLLEAGUE] });
  });

  it("stays the agent's ticket with STAFF_MAIL_REQUESTER=sender, and a customer's mail to a customer is theirs", async () => {
    const sender = await startOutboundHarness({ STAFF_MAIL_REQUESTER: 'sender' });
    try {
      await addStaff(sender, AGENT, 'Sam Agent');
      const outcome = await sender.ingest.ingest(await buildMail({ from: AGENT, to: ANN, cc: 'support@example.com', subject: 'Your VPN access' }));
      if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      expect(await ticketRow(sender.ingest.databaseUrl, outcome.ticketNumber)).toMatchObject({ requester: AGENT, ccs: [ANN] });
    } finally {
      await sender.close();
    }
    const customer = await h.ingest.ingest(await buildMail({ from: BOB, to: ANN, cc: 'support@example.com', subject: 'Shared drive is full' }));
    if (customer.kind !== 'ticket') throw new Error(`expected a ticket, got ${customer.kind}`);
    expect(await ticketRow(h.ingest.databaseUrl, customer.ticketNumber)).toMatchObject({ requester: BOB, ccs: [ANN] });
  });
});
