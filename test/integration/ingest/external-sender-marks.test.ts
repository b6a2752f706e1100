/**
 * What the desk's own mail system writes into mail from outside: a tag in front of the subject
 * (SUBJECT_TAGS: a Microsoft 365 or Google Workspace transport rule's "[EXTERNAL]") and a warning
 * banner above the text (EXTERNAL_BANNERS). Left in, every ticket would be called "[EXTERNAL] …",
 * start with the warning, and carry both back to the customer in every answer. With the defaults
 * the ticket, its message, the acknowledgement and the agent's reply carry the customer's subject
 * and words; an agent's forward of a customer's tagged mail too; and the same mail read again
 * under another setting is still recognised as the same mail. Real ingest on real PostgreSQL, the
 * real outbound worker, an SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { DEFAULT_EXTERNAL_BANNERS } from '../../../src/config/env.js';
import { replyToTicket } from '../../../src/tickets/reply-to-ticket.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { addStaff, asAgent, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

const AGENT = 'tess@staff.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
  await addStaff(h, AGENT, 'Tess Agent');
});
afterAll(() => h?.close());

async function subjects(number: number): Promise<{ ticket: string; messages: string[] }> {
  const [row] = await queryDatabase<{ ticket: string; messages: string[] }>(
    h.ingest.databaseUrl,
    `select t.subject as ticket, array(select m.subject from message m where m.ticket_id = t.id order by m.id) as messages from ticket t where t.number = $1`,
    [number],
  );
  return row!;
}

describe('subjects tagged and texts bannered by the mail system in front of postdesk (SUBJECT_TAGS, EXTERNAL_BANNERS)', () => {
  it('a tagged customer mail is a ticket with the subject the customer wrote, acknowledged under it, and its tagged reply threads', async () => {
    const opened = await h.ingest.ingest(await buildMail({ from: 'Uma <uma@customer.test>', subject: '[EXTERNAL] Printer jams on tray 2' }));
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    const [ack] = await waitForMailsTo(h.sink, 'uma@customer.test', 1);
    expect(ack!.parsed.subject).toBe(`Re: [#${opened.ticketNumber}] Printer jams on tray 2`);

    const reply = await h.ingest.ingest(
      await buildMail({ from: 'Uma <uma@customer.test>', subject: `[External] RE: [#${opened.ticketNumber}] Printer jams on tray 2`, text: 'It happens on tray 1 too.' }),
    );
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: opened.ticketNumber });
    expect(await subjects(opened.ticketNumber)).toEqual({
      ticket: 'Printer jams on tray 2',
      messages: ['Printer jams on tray 2', `RE: [#${opened.ticketNumber}] Printer jams on tray 2`],
    });
  });

  it("an agent's forward of a customer's tagged mail is the customer's ticket under her subject", async () => {
    const forward = await buildMail({
      from: `Tess Agent <${AGENT}>`,
      subject: 'Fwd: [EXTERNAL] Badge reader rejects cards',
      text: [
        'Can someone take this one?',
        '',
        '---------- Forwarded message ---------',
        'From: Vera Customer <vera@customer.test>',
        'Date: Mon, Nov 30, 2026 at 9:12 AM',
        'Subject: [EXTERNAL] Badge reader rejects cards',
        `To: Tess Agent <${AGENT}>`,
        '',
        'The badge reader at the side door rejects every card.',
      ].join('\n'),
    });
    const outcome = await h.ingest.ingest(forward);
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    expect((await subjects(outcome.ticketNumber)).ticket).toBe('Badge reader rejects cards');
  });

  it('leaves subjects alone with SUBJECT_TAGS=off, and a mail read again under another setting is the same mail', async () => {
    const raw = await buildMail({ from: 'Wim <wim@customer.test>', subject: '[EXTERNAL] VPN drops every hour' });
    const first = await h.ingest.ingest(raw);
    if (first.kind !== 'ticket') throw new Error(`expected a ticket, got ${first.kind}`);
    const untagged = await createIngestHarness({ SUBJECT_TAGS: 'off' }, h.ingest.databaseUrl);
    try {
      // The same mail from another mailbox (support@ and a colleague's alias): one message.
      expect(await untagged.ingest(raw)).toMatchObject({ kind: 'duplicate', ticketNumber: first.ticketNumber });
      const other = await untagged.ingest(await buildMail({ from: 'Wim <wim@customer.test>', subject: '[EXTERNAL] Laptop will not boot' }));
      if (other.kind !== 'ticket') throw new Error(`expected a ticket, got ${other.kind}`);
      expect((await subjects(other.ticketNumber)).ticket).toBe('[EXTERNAL] Laptop will not boot');
    } finally {
      await untagged.close();
    }
    expect((await subjects(first.ticketNumber)).messages).toEqual(['VPN drops every hour']);
  });

  it("a bannered customer mail is stored without the banner, and the agent's answer does not quote it back", async () => {
    const banner = DEFAULT_EXTERNAL_BANNERS[0]!;
    const opened = await h.ingest.ingest(
      await buildMail({
        from: 'Xena <xena@customer.test>',
        subject: '[EXTERNAL] Scanner sends blank pages',
        text: `${banner}\n\nThe scanner on floor 2 sends blank pages.`,
        html: `<table><tr><td style="background:#FFEB9C"><b>CAUTION:</b> ${banner.slice('CAUTION: '.length)}</td></tr></table><p>The scanner on floor 2 sends blank pages.</p>`,
      }),
    );
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    const [stored] = await queryDatabase<{ body_text: string; visible_text: string; body_html: string }>(
      h.ingest.databaseUrl,
      `select m.body_text, m.visible_text, m.body_html from message m join ticket t on t.id = m.ticket_id where t.number = $1`,
      [opened.ticketNumber],
    );
    expect(stored).toEqual({
      body_text: 'The scanner on floor 2 sends blank pages.',
      visible_text: 'The scanner on floor 2 sends blank pages.',
      body_html: expect.not.stringContaining('originated'),
    });
    expect(stored!.body_html).toContain('<p>The scanner on floor 2 sends blank pages.</p>');

    await asAgent(h, AGENT, opened.ticketNumber, (ctx) => replyToTicket(ctx, opened.ticketNumber, { body: 'We are sending someone up.' }));
    const [ack, answer] = await waitForMailsTo(h.sink, 'xena@customer.test', 2);
    expect(ack!.parsed.subject).toBe(`Re: [#${opened.ticketNumber}] Scanner sends blank pages`);
    expect(answer!.parsed.text).toContain('wrote:\n> The scanner on floor 2 sends blank pages.');
    expect(answer!.parsed.text).not.toContain('originated');
  });
});
