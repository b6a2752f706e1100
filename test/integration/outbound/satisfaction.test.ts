/**
 * Satisfaction ratings by mail, end to end on real parts: the closing notice (through a real SMTP
 * server) carries two mailto: links; the mail a customer's client writes from one threads onto
 * the ticket and rates it without reopening it, even past the reopen window; a later rating
 * replaces the first; a rating from someone else, or inside an auto-reply, rates nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketStatus } from '../../../src/entities/enums.js';
import { changeStatus } from '../../../src/tickets/change-status.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { asAgent, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

let h: OutboundHarness;

beforeAll(async () => {
  h = await startOutboundHarness({ SUPPORT_ADDRESS: 'support@example.com', REOPEN_WINDOW_DAYS: '1' });
});
afterAll(async () => h?.close());

const ticketRow = async (number: number) =>
  (await queryDatabase<{ status: string; satisfaction: string | null; satisfaction_at: Date | null; awaiting_reply_since: Date | null }>(
    h.ingest.config.databaseUrl!,
    'select status, satisfaction, satisfaction_at, awaiting_reply_since from ticket where number = $1',
    [number],
  ))[0]!;
const events = async (number: number) =>
  queryDatabase<{ from_value: string | null; to_value: string }>(
    h.ingest.config.databaseUrl!,
    `select e.from_value, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'rated' order by e.id`,
    [number],
  );

/** What a mail client sends for a mailto: link: to its address, with its subject, and what the customer typed. */
async function mailFromLink(link: string, from: string, text = '', headers: Record<string, string> = {}): Promise<Buffer> {
  const url = new URL(link);
  expect(url.protocol).toBe('mailto:');
  return buildMail({ from, to: decodeURIComponent(url.pathname), subject: url.searchParams.get('subject') ?? '', text, headers });
}

describe('satisfaction ratings', () => {
  it('the closing notice links to a rating mail; sent, it rates the ticket and changes nothing else', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'Ann <ann@customer.test>', to: 'support@example.com', subject: 'Printer jam' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;
    await asAgent(h, 'agent@staff.test', n, (ctx, t) => changeStatus(ctx, t, TicketStatus.CLOSED));
    const mails = await waitForMailsTo(h.sink, 'ann@customer.test', 2); // the acknowledgement, the closing notice
    const closing = mails.find((m) => m.parsed.subject?.endsWith('(closed)'))!;
    const good = /Good: (mailto:\S+)/.exec(closing.parsed.text ?? '')?.[1];
    const bad = /Bad: +(mailto:\S+)/.exec(closing.parsed.text ?? '')?.[1];
    expect(good).toBe(`mailto:support@example.com?subject=${encodeURIComponent(`Re: [#${n}] Rating: good`)}`);
    expect(bad).toBe(`mailto:support@example.com?subject=${encodeURIComponent(`Re: [#${n}] Rating: bad`)}`);
    expect(closing.parsed.html).toContain(`<a href="${good}">Good</a>`);

    // A bare rating, then a changed mind with a comment: the ticket stays closed, nobody waits for an answer.
    expect(await h.ingest.ingest(await mailFromLink(good!, 'ann@customer.test'))).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect(await ticketRow(n)).toMatchObject({ status: 'CLOSED', satisfaction: 'GOOD', awaiting_reply_since: null });
    expect(await h.ingest.ingest(await mailFromLink(bad!, 'ANN@customer.test', 'The printer jams again every morning.'))).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect(await ticketRow(n)).toMatchObject({ status: 'CLOSED', satisfaction: 'BAD', awaiting_reply_since: null });
    expect(await events(n)).toEqual([
      { from_value: null, to_value: 'GOOD' },
      { from_value: 'GOOD', to_value: 'BAD' },
    ]);
    const [comment] = await queryDatabase<{ flags: string[]; body_text: string }>(
      h.ingest.config.databaseUrl!,
      `select m.flags, m.body_text from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction = 'INBOUND' order by m.id desc limit 1`,
      [n],
    );
    expect(comment).toMatchObject({ flags: expect.arrayContaining(['rating']), body_text: expect.stringContaining('jams again') });

    // Past the reopen window a rating still joins the ticket instead of opening a new one.
    await queryDatabase(h.ingest.config.databaseUrl!, `update ticket set closed_at = now() - interval '3 days' where number = $1`, [n]);
    expect(await h.ingest.ingest(await mailFromLink(good!, 'ann@customer.test', 'Fixed for good now, thanks.'))).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect(await ticketRow(n)).toMatchObject({ status: 'CLOSED', satisfaction: 'GOOD' });
  });

  it('rates nothing for anyone but the requester, nor in automatic mail', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'bea@customer.test', to: 'support@example.com', cc: 'carl@customer.test', subject: 'VPN' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;
    await asAgent(h, 'agent@staff.test', n, (ctx, t) => changeStatus(ctx, t, TicketStatus.CLOSED));
    const link = `mailto:support@example.com?subject=${encodeURIComponent(`Re: [#${n}] Rating: bad`)}`;
    // The CC's "rating" is an ordinary reply (a bare one reopens nothing); a stranger's opens a new ticket linked to it.
    expect(await h.ingest.ingest(await mailFromLink(link, 'carl@customer.test'))).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect(await h.ingest.ingest(await mailFromLink(link, 'mallory@elsewhere.test'))).toMatchObject({ kind: 'ticket' });
    // The requester's out-of-office answering the closing notice with its subject.
    expect(await h.ingest.ingest(await mailFromLink(link, 'bea@customer.test', 'I am away until Monday.', { 'Auto-Submitted': 'auto-replied' }))).toMatchObject({ kind: 'comment' });
    expect(await ticketRow(n)).toMatchObject({ status: 'CLOSED', satisfaction: null, satisfaction_at: null });
    expect(await events(n)).toEqual([]);
  });

  it('a bad rating reaches the staff responsible at once, with what the customer wrote, instead of a watcher copy; a good one does not', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'Dana <dana@customer.test>', to: 'support@example.com', subject: 'Slow laptop' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const n = outcome.ticketNumber;
    await asAgent(h, 'owner@staff.test', n, async (ctx, t) => {
      t.assignee = ctx.actor;
      t.watchers.add(ctx.actor);
      await changeStatus(ctx, t, TicketStatus.CLOSED);
    });
    const link = (word: string) => `mailto:support@example.com?subject=${encodeURIComponent(`Re: [#${n}] Rating: ${word}`)}`;
    expect(await h.ingest.ingest(await mailFromLink(link('good'), 'dana@customer.test', 'Quick, thanks.'))).toMatchObject({ kind: 'comment', ticketNumber: n });
    expect(await h.ingest.ingest(await mailFromLink(link('bad'), 'dana@customer.test', 'Actually it is slow again after a day.'))).toMatchObject({ kind: 'comment', ticketNumber: n });

    const mails = await waitForMailsTo(h.sink, 'owner@staff.test', 2);
    const alert = mails.find((m) => m.parsed.subject?.startsWith('[Bad rating]'));
    expect(alert?.parsed.subject).toBe(`[Bad rating] [#${n}] Slow laptop`);
    expect(alert?.parsed.text).toContain(`Dana <dana@customer.test> rated ticket #${n} as bad.`);
    expect(alert?.parsed.text).toContain('Actually it is slow again after a day.');
    expect(alert?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    const kinds = await queryDatabase<{ kind: string }>(
      h.ingest.config.databaseUrl!,
      `select d.kind from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and 'owner@staff.test' = any(d.recipients) order by d.id`,
      [n],
    );
    // The good rating: the usual watcher copy; the bad one: the alert alone.
    expect(kinds.map((k) => k.kind)).toEqual(['watcher-comment', 'rating-bad']);
  });
});
