/**
 * Auto-close on a controllable clock: runAutoClose(now) is what the pg-boss cron job calls with
 * the real time; here the test hands it days-later instants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { runAutoClose } from '../../../src/automation/auto-close.js';
import { Queue, Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const DAY = 86_400_000;

describe('auto-close', () => {
  let h: OutboundHarness;
  let created: Date;
  beforeAll(async () => {
    h = await startOutboundHarness({ AUTO_CLOSE_DAYS: '7', AUTO_CLOSE_WAITING_DAYS: '3' });
  });
  afterAll(async () => h?.close());

  async function ticket(from: string, subject: string): Promise<number> {
    const outcome = await h.ingest.ingest(await buildMail({ from, subject }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    return outcome.ticketNumber;
  }

  it('closes after N days (queue setting first, 0 disables), and WAITING_FOR_CUSTOMER after M quiet days; records and mails each closure once', async () => {
    const normal = await ticket('ana@customer.test', 'Normal ticket');
    const waiting = await ticket('ben@customer.test', 'Waiting ticket');
    const never = await ticket('cat@customer.test', 'Never close me');
    const em = h.ingest.orm.em.fork();
    const keep = new Queue('Keep forever');
    keep.autoCloseDays = 0;
    em.persist(keep);
    const t3 = await em.findOneOrFail(Ticket, { number: never });
    t3.queue = keep;
    const t2 = await em.findOneOrFail(Ticket, { number: waiting });
    t2.status = TicketStatus.WAITING_FOR_CUSTOMER;
    await em.flush();
    created = (await em.findOneOrFail(Ticket, { number: normal })).createdAt;
    const ctx = { config: h.ingest.config, secret: h.ingest.context.secret };

    expect(await runAutoClose(h.ingest.orm, ctx, new Date(created.getTime() + 2 * DAY))).toEqual([]);
    // Day 4: only the waiting ticket (3 quiet days), concurrently from two "instances": closed once.
    const [a, b] = await Promise.all([
      runAutoClose(h.ingest.orm, ctx, new Date(created.getTime() + 4 * DAY)),
      runAutoClose(h.ingest.orm, ctx, new Date(created.getTime() + 4 * DAY)),
    ]);
    expect([...a!, ...b!]).toEqual([{ number: waiting, reason: 'waiting' }]);
    // Day 8: the normal ticket; the Keep-forever queue's ticket stays open.
    expect(await runAutoClose(h.ingest.orm, ctx, new Date(created.getTime() + 8 * DAY))).toEqual([{ number: normal, reason: 'age' }]);
    expect(await runAutoClose(h.ingest.orm, ctx, new Date(created.getTime() + 30 * DAY))).toEqual([]);

    const url = h.ingest.config.databaseUrl!;
    const statuses = await queryDatabase<{ number: number; status: string; closed_at: Date | null }>(url, `select number, status, closed_at from ticket where number = any($1) order by number`, [[normal, waiting, never]]);
    expect(statuses.map((s) => [s.number, s.status])).toEqual([
      [normal, 'CLOSED'],
      [waiting, 'CLOSED'],
      [never, 'OPEN'],
    ]);
    expect(statuses[0]!.closed_at!.getTime()).toBe(created.getTime() + 8 * DAY);
    const events = await queryDatabase<{ number: number; actor_label: string; from_value: string; to_value: string }>(
      url,
      `select t.number, e.actor_label, e.from_value, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where e.actor_label = 'automation:auto-close' order by t.number`,
    );
    expect(events).toEqual([
      { number: normal, actor_label: 'automation:auto-close', from_value: 'OPEN', to_value: 'CLOSED' },
      { number: waiting, actor_label: 'automation:auto-close', from_value: 'WAITING_FOR_CUSTOMER', to_value: 'CLOSED' },
    ]);
    // The acknowledgement and the closure mail may be delivered in either order (parallel workers).
    const closure = (mails: Awaited<ReturnType<typeof waitForMailsTo>>) => mails.find((m) => m.parsed.subject?.endsWith('(closed)'));
    const closedMail = closure(await waitForMailsTo(h.sink, 'ana@customer.test', 2));
    expect(closedMail!.parsed.subject).toBe(`Re: [#${normal}] Normal ticket (closed)`);
    expect(closedMail!.parsed.text).toContain('closed automatically 7 days after it was opened');
    expect(closedMail!.header('auto-submitted')).toBe('auto-generated');
    const waitingMail = closure(await waitForMailsTo(h.sink, 'ben@customer.test', 2));
    expect(waitingMail!.parsed.text).toContain('after 3 days without an answer');
    await outboxSettled(url);
    expect(h.sink.messages.filter((m) => m.to.includes('ben@customer.test'))).toHaveLength(2);
    expect(h.sink.messages.filter((m) => m.to.includes('cat@customer.test'))).toHaveLength(1);
  });
});
