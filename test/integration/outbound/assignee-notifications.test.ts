/**
 * The assignee hears of their tickets: a mail when someone else gives them one (with what the
 * customer last wrote), and the customer's replies and colleagues' notes as if they watched it.
 * Taking a ticket yourself sends nothing. Real ingest, the real command, a real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateTicket } from '../../../src/tickets/update-ticket.js';
import { buildMail } from '../../harness/mail.js';
import { addStaff, asAgent, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const AMY = 'amy@staff.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness({ SUPPORT_ADDRESS: 'support@example.com' });
  await addStaff(h, AMY, 'Amy Agent'); // an agent of the queue, not a watcher
});
afterAll(() => h?.close());

async function newTicket(subject: string, text: string): Promise<number> {
  const outcome = await h.ingest.ingest(await buildMail({ from: 'Nora <nora@customer.test>', to: 'support@example.com', subject, text }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  return outcome.ticketNumber;
}

describe('the assignee', () => {
  it('is told when someone else assigns a ticket to them, then hears of the customer\'s replies', async () => {
    const n = await newTicket('Laptop will not boot', 'It shows a black screen since this morning.');
    await asAgent(h, 'lead@staff.test', n, (ctx) => updateTicket(ctx, n, { assignee: AMY }));
    const [assigned] = await waitForMailsTo(h.sink, AMY, 1);
    expect(assigned!.parsed.subject).toBe(`[Assigned to you] [#${n}] Laptop will not boot`);
    expect(assigned!.parsed.text).toContain(`Agent Smith assigned ticket #${n} to you.`);
    expect(assigned!.parsed.text).toContain('It shows a black screen since this morning.');
    expect(assigned!.parsed.headers.get('auto-submitted')).toBe('auto-generated');

    await h.ingest.ingest(await buildMail({ from: 'nora@customer.test', to: 'support@example.com', subject: `Re: [#${n}] Laptop will not boot`, text: 'Now it beeps three times.' }));
    const mails = await waitForMailsTo(h.sink, AMY, 2);
    expect(mails.map((m) => m.parsed.text ?? '').some((text) => text.includes('Now it beeps three times.'))).toBe(true);
  });

  it('gets no mail for a ticket they take themselves', async () => {
    const n = await newTicket('Mouse broken', 'The left button sticks.');
    const before = mailsTo(h.sink, AMY).length;
    await asAgent(h, AMY, n, (ctx) => updateTicket(ctx, n, { assignee: AMY }));
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, AMY)).toHaveLength(before);
  });
});
