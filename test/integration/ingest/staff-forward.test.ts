/**
 * A customer wrote to an agent directly, and the agent forwards the mail to support: the ticket is
 * the customer's (requester, subject and CCs of the original), the message stays the agent's as
 * received, flagged `forwarded`, and the acknowledgement with the number goes to the agent alone —
 * the customer hears from us when the agent answers. The same mail from a customer, or from a
 * deactivated agent, is an ordinary new ticket of its sender. Real ingest, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { addStaff, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

const AGENT = 'sam.fw@staff.test';
const RETIRED = 'old.fw@staff.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
  await addStaff(h, AGENT, 'Sam Agent');
  await addStaff(h, RETIRED, 'Old Agent', { active: false, agent: false });
});
afterAll(() => h?.close());

/** Gmail's way of forwarding, with the agent's words on top. */
function gmailForward(from: string, subject: string, customer: string): Promise<Buffer> {
  return buildMail({
    from,
    to: 'support@example.com',
    subject: `Fwd: ${subject}`,
    text: [
      'Can someone take this one? She wrote to me directly.',
      '',
      '---------- Forwarded message ---------',
      `From: Carol Customer <${customer}>`,
      'Date: Mon, Nov 30, 2026 at 9:12 AM',
      `Subject: ${subject}`,
      `To: Sam Agent <${AGENT}>`,
      'Cc: Dan <dan@customer.test>',
      '',
      'The printer on floor 3 shows error 50.',
    ].join('\n'),
  });
}

interface TicketView {
  subject: string;
  requester: string;
  ccs: string[];
  author: string;
  flags: string[];
}
async function ticketView(number: number): Promise<TicketView> {
  const [row] = await queryDatabase<TicketView>(
    h.ingest.databaseUrl,
    `select t.subject, r.email as requester, a.email as author, m.flags,
            array(select p.email from ticket_cc c join person p on p.id = c.person_id where c.ticket_id = t.id order by p.email) as ccs
       from ticket t join person r on r.id = t.requester_id join message m on m.ticket_id = t.id join person a on a.id = m.author_id
      where t.number = $1`,
    [number],
  );
  return row!;
}

describe('mail an agent forwards', () => {
  it("becomes the customer's ticket; the acknowledgement goes to the agent alone", async () => {
    const outcome = await h.ingest.ingest(await gmailForward(`Sam Agent <${AGENT}>`, 'Printer on floor 3 is broken', 'carol@customer.test'));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await ticketView(outcome.ticketNumber)).toEqual({
      subject: 'Printer on floor 3 is broken',
      requester: 'carol@customer.test',
      ccs: ['dan@customer.test'],
      author: AGENT,
      flags: expect.arrayContaining(['forwarded', 'agent-address']),
    });
    const events = await queryDatabase<{ kind: string; to_value: string | null; actor: string | null }>(
      h.ingest.databaseUrl,
      `select e.kind, e.to_value, p.email as actor from ticket_event e join ticket t on t.id = e.ticket_id left join person p on p.id = e.actor_id where t.number = $1 and e.kind = 'forwarded'`,
      [outcome.ticketNumber],
    );
    expect(events).toEqual([{ kind: 'forwarded', to_value: 'carol@customer.test', actor: AGENT }]);

    const [ack] = await waitForMailsTo(h.sink, AGENT, 1);
    expect(ack!.parsed.subject).toBe(`Re: [#${outcome.ticketNumber}] Printer on floor 3 is broken`);
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, 'carol@customer.test')).toEqual([]);
    expect(mailsTo(h.sink, 'dan@customer.test')).toEqual([]);
  });

  it('is an ordinary ticket of its sender when a customer or a deactivated agent forwards it', async () => {
    for (const sender of ['erin@customer.test', RETIRED]) {
      const outcome = await h.ingest.ingest(await gmailForward(sender, `Scanner for ${sender}`, 'frank@customer.test'));
      if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      const view = await ticketView(outcome.ticketNumber);
      expect(view).toMatchObject({ subject: `Fwd: Scanner for ${sender}`, requester: sender, author: sender });
      expect(view.flags).not.toContain('forwarded');
    }
  });
});
