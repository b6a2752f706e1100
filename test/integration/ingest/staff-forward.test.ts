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
import { fileBytes, MAGIC } from '../../unit/ingest/build-eml.js';
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

/** Outlook's "Forward as attachment": the customer's mail (with a PDF) travels whole as a .eml. */
async function forwardAsAttachment(from: string, subject: string, customer: string): Promise<Buffer> {
  const original = await buildMail({
    from: `Carol Customer <${customer}>`,
    to: `Sam Agent <${AGENT}>`,
    cc: 'Dan <dan@customer.test>',
    subject,
    text: 'The badge reader at the side door rejects every card.',
    attachments: [{ filename: 'reader.pdf', content: fileBytes(MAGIC.pdf, 2048), contentType: 'application/pdf' }],
  });
  return buildMail({
    from,
    to: 'support@example.com',
    subject: `FW: ${subject}`,
    text: 'Forwarding this one; please answer her.',
    // nodemailer would mark it inline (shown in the text, as Apple Mail does); Outlook and Gmail attach it.
    attachments: [{ filename: `${subject}.eml`, content: original, contentType: 'message/rfc822', contentDisposition: 'attachment' }],
  });
}

/** Kinds and details of a ticket's events of the given kinds. */
function eventsOf(number: number, kinds: string[]): Promise<{ kind: string; to_value: string | null; actor: string | null; detail: unknown }[]> {
  return queryDatabase(
    h.ingest.databaseUrl,
    `select e.kind, e.to_value, p.email as actor, e.detail from ticket_event e join ticket t on t.id = e.ticket_id left join person p on p.id = e.actor_id
      where t.number = $1 and e.kind = any($2) order by e.id`,
    [number, kinds],
  );
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
    expect(await eventsOf(outcome.ticketNumber, ['forwarded'])).toEqual([{ kind: 'forwarded', to_value: 'carol@customer.test', actor: AGENT, detail: null }]);

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

  it("forwarded as an attachment, becomes the customer's ticket with her words and files; the .eml is no refused file", async () => {
    await outboxSettled(h.ingest.databaseUrl);
    const before = mailsTo(h.sink, AGENT).length;
    const outcome = await h.ingest.ingest(await forwardAsAttachment(`Sam Agent <${AGENT}>`, 'Badge reader rejects cards', 'carol.badge@customer.test'));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await ticketView(outcome.ticketNumber)).toEqual({
      subject: 'Badge reader rejects cards',
      requester: 'carol.badge@customer.test',
      ccs: ['dan@customer.test'],
      author: AGENT,
      flags: expect.arrayContaining(['forwarded', 'agent-address']),
    });
    const [message] = await queryDatabase<{ body_text: string; visible_text: string; files: string[] }>(
      h.ingest.databaseUrl,
      `select m.body_text, m.visible_text, array(select a.filename from attachment a where a.message_id = m.id order by a.id) as files
         from message m join ticket t on t.id = m.ticket_id where t.number = $1`,
      [outcome.ticketNumber],
    );
    expect(message!.body_text).toMatch(/^Forwarding this one; please answer her\.\n\n---------- Forwarded message ---------\nFrom: Carol Customer <carol\.badge@customer\.test>\n/);
    for (const text of [message!.body_text, message!.visible_text]) expect(text).toContain('The badge reader at the side door rejects every card.');
    expect(message!.files).toEqual(['reader.pdf']);
    expect(await eventsOf(outcome.ticketNumber, ['forwarded', 'attachments-refused'])).toEqual([{ kind: 'forwarded', to_value: 'carol.badge@customer.test', actor: AGENT, detail: null }]);

    // One mail to the agent, the acknowledgement; no refusal notice; nothing to the customer yet.
    const ack = (await waitForMailsTo(h.sink, AGENT, before + 1)).at(-1);
    expect(ack!.parsed.subject).toBe(`Re: [#${outcome.ticketNumber}] Badge reader rejects cards`);
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, AGENT)).toHaveLength(before + 1);
    expect(mailsTo(h.sink, 'carol.badge@customer.test')).toEqual([]);
  });

  it('forwarded as an attachment by a customer, stays their ticket, the .eml refused as a file', async () => {
    const sender = 'gina@customer.test';
    const outcome = await h.ingest.ingest(await forwardAsAttachment(sender, 'Door for gina', 'hal@customer.test'));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect(await ticketView(outcome.ticketNumber)).toMatchObject({ subject: 'FW: Door for gina', requester: sender, author: sender });
    const events = await eventsOf(outcome.ticketNumber, ['forwarded', 'attachments-refused']);
    expect(events.map((e) => [e.kind, e.detail])).toEqual([
      ['attachments-refused', { refused: [expect.objectContaining({ filename: 'Door for gina.eml', reason: 'type .eml is not allowed' })] }],
    ]);
  });
});
