/**
 * Issue 6 item 5, the details: WAITING_FOR_CUSTOMER tickets close M days "without an answer",
 * counted from when we asked (the status event to WAITING_FOR_CUSTOMER, or a later public reply),
 * not from updated_at — a note is our own activity and must not keep the ticket open; an
 * out-of-office auto-reply is no answer either. And the cron: two instances, one schedule, and a
 * real occurrence runs once.
 *
 * Clock: the agent's commands (changeStatus, addNote, replyToTicket) write real timestamps, so the
 * test moves a ticket's history back two days ("it has been waiting for 2 days") and then hands
 * runAutoClose days-later instants, as the pg-boss job would with the real time.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { runAutoClose } from '../../../src/automation/auto-close.js';
import type { Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { createLogger } from '../../../src/log.js';
import { AUTO_CLOSE_QUEUE, startOutboundWorker, type OutboundWorker } from '../../../src/outbound/worker.js';
import { changeStatus } from '../../../src/tickets/change-status.js';
import { addNote, replyToTicket } from '../../../src/tickets/reply-to-ticket.js';
import type { TicketCommandContext } from '../../../src/tickets/ticket-command.js';
import { asAgent, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const DAY = 86_400_000;

/** Moves everything a ticket has recorded `days` into the past. */
async function age(url: string, number: number, days: number): Promise<void> {
  const shift = `make_interval(days => ${days})`;
  const [t] = await queryDatabase<{ id: number }>(url, `update ticket set created_at = created_at - ${shift}, updated_at = updated_at - ${shift} where number = $1 returning id`, [number]);
  await queryDatabase(url, `update ticket_event set created_at = created_at - ${shift} where ticket_id = $1`, [t!.id]);
  await queryDatabase(url, `update message set created_at = created_at - ${shift} where ticket_id = $1`, [t!.id]);
}

describe('auto-close of WAITING_FOR_CUSTOMER tickets: M days without an answer', () => {
  let h: OutboundHarness;
  beforeAll(async () => {
    h = await startOutboundHarness({ AUTO_CLOSE_DAYS: '30', AUTO_CLOSE_WAITING_DAYS: '3' });
  });
  afterAll(async () => h?.close());

  const asAdmin = (work: (ctx: TicketCommandContext, ticket: Ticket) => Promise<unknown>, number: number) => asAgent(h, 'agent@staff.test', number, work);

  async function waitingTicket(from: string, subject: string): Promise<number> {
    const outcome = await h.ingest.ingest(await buildMail({ from, subject }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    await asAdmin((ctx, t) => changeStatus(ctx, t, TicketStatus.WAITING_FOR_CUSTOMER), outcome.ticketNumber);
    return outcome.ticketNumber;
  }

  it('a note does not reset the clock, an auto-reply is no answer, a new public reply asks again', async () => {
    const url = h.ingest.config.databaseUrl!;
    const noted = await waitingTicket('nora@customer.test', 'Printer jam');
    const autoReplied = await waitingTicket('otto@customer.test', 'Screen flickers');
    const askedAgain = await waitingTicket('rita@customer.test', 'Mouse broken');
    for (const n of [noted, autoReplied, askedAgain]) await age(url, n, 2); // waiting for 2 days now

    // Today: a note on one, an out-of-office auto-reply on another, a new public question on the third.
    await asAdmin((ctx) => addNote(ctx, noted, { body: 'Called the printer vendor, no news.' }), noted);
    const ooo = await h.ingest.ingest(
      await buildMail({ from: 'otto@customer.test', subject: `Out of office: Re: [#${autoReplied}] Screen flickers`, headers: { 'Auto-Submitted': 'auto-replied' }, text: 'I am away until Monday.' }),
    );
    expect(ooo).toMatchObject({ kind: 'comment', ticketNumber: autoReplied });
    await asAdmin((ctx) => replyToTicket(ctx, askedAgain, { body: 'Could you send a photo of the mouse?' }), askedAgain);
    const [{ updated_at: touched }] = (await queryDatabase<{ updated_at: Date }>(url, `select updated_at from ticket where number = $1`, [noted])) as [{ updated_at: Date }];
    const statuses = await queryDatabase<{ number: number; status: string }>(url, `select number, status from ticket where number = any($1) order by number`, [[noted, autoReplied, askedAgain]]);
    expect(statuses.every((s) => s.status === 'WAITING_FOR_CUSTOMER')).toBe(true);

    const ctx = { config: h.ingest.config, secret: h.ingest.context.secret };
    const today = touched.getTime();
    // 2.5 days of waiting: nothing yet.
    expect(await runAutoClose(h.ingest.orm, ctx, new Date(today + 0.5 * DAY))).toEqual([]);
    // 3.5 days since we asked (1.5 since the note and the auto-reply): both close; the one asked again today does not.
    expect(await runAutoClose(h.ingest.orm, ctx, new Date(today + 1.5 * DAY))).toEqual([
      { number: noted, reason: 'waiting' },
      { number: autoReplied, reason: 'waiting' },
    ]);
    // 3.5 days after the new question.
    expect(await runAutoClose(h.ingest.orm, ctx, new Date(today + 3.5 * DAY))).toEqual([{ number: askedAgain, reason: 'waiting' }]);
    const events = await queryDatabase<{ number: number; n: string }>(
      url,
      `select t.number, count(*)::text as n from ticket_event e join ticket t on t.id = e.ticket_id where e.actor_label = 'automation:auto-close' group by t.number order by t.number`,
    );
    expect(events).toEqual([noted, autoReplied, askedAgain].sort((a, b) => a - b).map((number) => ({ number, n: '1' })));
    const [, , closedMail] = await waitForMailsTo(h.sink, 'nora@customer.test', 3); // acknowledgement, waiting, closed
    expect(closedMail!.parsed.text).toContain('after 3 days without an answer');
  });
});

describe('auto-close on the pg-boss cron with two instances', () => {
  let h: OutboundHarness;
  let second: IngestHarness;
  let secondWorker: OutboundWorker;
  beforeAll(async () => {
    const env = { AUTO_CLOSE_DAYS: '7', AUTO_CLOSE_CRON: '* * * * *' };
    h = await startOutboundHarness(env);
    second = await createIngestHarness({ ...env, SMTP_URL: h.sink.url }, h.ingest.databaseUrl);
    secondWorker = await startOutboundWorker({
      orm: second.orm,
      databaseUrl: second.databaseUrl,
      config: second.config,
      secret: second.context.secret,
      log: createLogger('warn', new PassThrough()),
    });
  });
  afterAll(async () => {
    await secondWorker?.stop();
    await second?.close();
    await h?.close();
  });

  it('one schedule row; a real occurrence creates one job, and the overdue ticket is closed once', async () => {
    const url = h.ingest.config.databaseUrl!;
    const schedules = await queryDatabase<{ name: string; cron: string }>(url, `select name, cron from pgboss.schedule where name = $1`, [AUTO_CLOSE_QUEUE]);
    expect(schedules).toEqual([{ name: AUTO_CLOSE_QUEUE, cron: '* * * * *' }]);

    const outcome = await h.ingest.ingest(await buildMail({ from: 'old@customer.test', subject: 'Old ticket' }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    await age(url, outcome.ticketNumber, 8);
    // The next minute's occurrence (up to ~60 s, plus pg-boss's 30 s cron pass): the real handler, with the real time.
    const statusOf = async () => (await queryDatabase<{ status: string }>(url, `select status from ticket where number = $1`, [outcome.ticketNumber]))[0]!.status;
    for (const end = Date.now() + 120_000; (await statusOf()) !== 'CLOSED'; await new Promise((r) => setTimeout(r, 250))) {
      if (Date.now() > end) throw new Error('no cron occurrence closed the ticket within 120 s');
    }
    // Both instances' cron passes saw that occurrence; pg-boss files it under one key: one job per minute.
    const jobs = await queryDatabase<{ minute: Date; n: string }>(
      url,
      `select date_trunc('minute', created_on) as minute, count(*)::text as n from pgboss.job where name = $1 group by 1 order by 1`,
      [AUTO_CLOSE_QUEUE],
    );
    expect(jobs.length).toBeGreaterThan(0);
    for (const j of jobs) expect(j.n).toBe('1');
    const events = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from ticket_event where actor_label = 'automation:auto-close'`);
    expect(events[0]!.n).toBe('1');
    await waitForMailsTo(h.sink, 'old@customer.test', 2); // acknowledgement, closed
  }, 150_000);
});
