/**
 * Reply reminders: once a waiting customer's reply is overdue (REPLY_TARGETS), staff get one mail —
 * the assignee, else the queue's agents, else the admins — once per wait, over real SMTP.
 *
 * Clock: runReplyReminders(now) is what the pg-boss job calls with the real time; here the test
 * hands it instants after the ticket's wait began. The last test lets the real schedule run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { runReplyReminders } from '../../../src/automation/reply-reminders.js';
import { Person, Queue, Ticket } from '../../../src/entities/index.js';
import { Priority, Role } from '../../../src/entities/enums.js';
import { MINUTELY_QUEUE } from '../../../src/outbound/worker.js';
import { applyQueueHours, AROUND_THE_CLOCK } from '../../../src/queues/queue-hours.js';
import { replyToTicket } from '../../../src/tickets/reply-to-ticket.js';
import { asAgent, ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('reply reminders', () => {
  let h: OutboundHarness;
  let url: string;
  const ctx = () => ({ config: h.ingest.config, secret: h.ingest.context.secret });
  const at = (since: Date, ms: number) => new Date(since.getTime() + ms);

  beforeAll(async () => {
    h = await startOutboundHarness({ REPLY_TARGETS: 'URGENT=1h,NORMAL=1d,LOW=off' });
    url = h.ingest.config.databaseUrl!;
    // Billing has two active agents and one who left; its tickets are unassigned unless a test assigns them.
    const em = h.ingest.orm.em.fork();
    const staff = (email: string, role: Role, active = true) => {
      const p = new Person(email, email.split('@')[0]!);
      p.role = role;
      p.active = active;
      return p;
    };
    const billing = new Queue('Billing');
    billing.agents.add(staff('alice@staff.test', Role.AGENT), staff('bob@staff.test', Role.AGENT), staff('gone@staff.test', Role.AGENT, false));
    em.persist([billing, staff('root@staff.test', Role.ADMIN)]);
    await em.flush();
  });
  afterAll(async () => h?.close());

  /** A new ticket from `from`, put in `queue` (by name, null: left where routing put it) with `priority` and `assignee`. */
  async function ticket(from: string, options: { queue?: string | null; priority?: Priority; assignee?: string } = {}): Promise<{ number: number; since: Date }> {
    const outcome = await h.ingest.ingest(await buildMail({ from, subject: `Help ${from}`, text: `Please help, ${from} here.` }));
    if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
    const em = h.ingest.orm.em.fork();
    const t = await em.findOneOrFail(Ticket, { number: outcome.ticketNumber });
    if (options.queue) t.queue = await em.findOneOrFail(Queue, { name: options.queue });
    if (options.priority) t.priority = options.priority;
    if (options.assignee) t.assignee = await em.findOneOrFail(Person, { email: options.assignee });
    await em.flush();
    return { number: t.number, since: t.awaitingReplySince! };
  }

  const events = (number: number) =>
    queryDatabase<{ to_value: string; actor_label: string; detail: { dueAt: string; target: string } }>(
      url,
      `select e.to_value, e.actor_label, e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'reply-overdue' order by e.id`,
      [number],
    );
  const reminderMails = (address: string) => mailsTo(h.sink, address).filter((m) => m.raw.toString('latin1').includes('Subject: [Overdue]'));

  it('remind the assignee once the target has passed, once per wait, and not before; the ticket is not touched', async () => {
    const assigned = await ticket('ann@customer.test', { queue: 'Billing', assignee: 'alice@staff.test' });
    const [before] = await queryDatabase<{ updated_at: Date }>(url, 'select updated_at from ticket where number = $1', [assigned.number]);

    expect(await runReplyReminders(h.ingest.orm, ctx(), at(assigned.since, 23 * HOUR))).toEqual([]);
    // Two instances' runs at once: one reminder.
    const [a, b] = await Promise.all([runReplyReminders(h.ingest.orm, ctx(), at(assigned.since, 25 * HOUR)), runReplyReminders(h.ingest.orm, ctx(), at(assigned.since, 25 * HOUR))]);
    expect([...a!, ...b!]).toEqual([{ number: assigned.number, dueAt: at(assigned.since, DAY) }]);
    expect(await runReplyReminders(h.ingest.orm, ctx(), at(assigned.since, 3 * DAY))).toEqual([]);

    expect(await events(assigned.number)).toEqual([
      { to_value: 'alice@staff.test', actor_label: 'automation:reply-reminders', detail: { dueAt: at(assigned.since, DAY).toISOString(), target: '1 day' } },
    ]);
    const [mail] = await waitForMailsTo(h.sink, 'alice@staff.test', 1);
    expect(mail!.parsed.subject).toBe(`[Overdue] [#${assigned.number}] Help ann@customer.test`);
    expect(mail!.parsed.text).toContain(`since ${assigned.since.toISOString()}`);
    expect(mail!.parsed.text).toContain(`due at ${at(assigned.since, DAY).toISOString()} (1 day for NORMAL priority)`);
    expect(mail!.parsed.text).toContain('Please help, ann@customer.test here.');
    expect(mail!.header('auto-submitted')).toBe('auto-generated');
    // In the ticket's thread: answering the customer's message.
    const [{ message_id: customerMessageId }] = (await queryDatabase<{ message_id: string }>(
      url,
      `select m.message_id from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction = 'INBOUND'`,
      [assigned.number],
    )) as [{ message_id: string }];
    expect(ids(mail!.header('in-reply-to'))).toEqual([customerMessageId]);
    // Nobody else was reminded of it, and the reminder changed nothing on the ticket.
    await outboxSettled(url);
    for (const other of ['bob@staff.test', 'root@staff.test', 'ann@customer.test']) expect(reminderMails(other), other).toHaveLength(0);
    const [after] = await queryDatabase<{ updated_at: Date }>(url, 'select updated_at from ticket where number = $1', [assigned.number]);
    expect(after!.updated_at).toEqual(before!.updated_at);
  });

  it('remind the active agents of the queue when nobody is assigned, else the admins; never for a priority without a target', async () => {
    const queued = await ticket('ben@customer.test', { queue: 'Billing', priority: Priority.URGENT });
    const unrouted = await ticket('cat@customer.test', { priority: Priority.URGENT });
    const low = await ticket('dan@customer.test', { queue: 'Billing', priority: Priority.LOW });
    const admins = (await queryDatabase<{ email: string }>(url, `select email from person where role = 'ADMIN' and active order by id`)).map((r) => r.email);
    expect(admins).toContain('root@staff.test');

    const reminded = await runReplyReminders(h.ingest.orm, ctx(), at(low.since, 30 * DAY));
    expect(reminded.map((r) => r.number).sort()).toEqual([queued.number, unrouted.number].sort());
    expect(reminded.find((r) => r.number === queued.number)!.dueAt).toEqual(at(queued.since, HOUR));
    expect((await events(queued.number)).map((e) => [e.to_value, e.detail.target])).toEqual([['alice@staff.test, bob@staff.test', '1 hour']]);
    expect((await events(unrouted.number)).map((e) => e.to_value)).toEqual([admins.join(', ')]);
    expect(await events(low.number)).toEqual([]);
    await waitForMailsTo(h.sink, 'bob@staff.test', 1);
    await waitForMailsTo(h.sink, 'root@staff.test', 1);
    await outboxSettled(url);
    expect(reminderMails('gone@staff.test')).toHaveLength(0);
  });

  it('remind again only for a new wait: the customer writes again after being answered', async () => {
    const t = await ticket('eve@customer.test', { queue: 'Billing', assignee: 'bob@staff.test' });
    expect(await runReplyReminders(h.ingest.orm, ctx(), at(t.since, 2 * DAY))).toEqual([{ number: t.number, dueAt: at(t.since, DAY) }]);
    await asAgent(h, 'bob@staff.test', t.number, (c) => replyToTicket(c, t.number, { body: 'Looking into it now.' }));
    expect(await runReplyReminders(h.ingest.orm, ctx(), at(t.since, 4 * DAY))).toEqual([]); // answered: nobody waits

    const again = await h.ingest.ingest(await buildMail({ from: 'eve@customer.test', subject: `Re: [#${t.number}] Help`, text: 'It broke again.' }));
    expect(again).toMatchObject({ kind: 'comment', ticketNumber: t.number });
    const [{ awaiting_reply_since: since }] = (await queryDatabase<{ awaiting_reply_since: Date }>(url, 'select awaiting_reply_since from ticket where number = $1', [t.number])) as [
      { awaiting_reply_since: Date },
    ];
    expect(await runReplyReminders(h.ingest.orm, ctx(), at(since, 12 * HOUR))).toEqual([]);
    expect(await runReplyReminders(h.ingest.orm, ctx(), at(since, 25 * HOUR))).toEqual([{ number: t.number, dueAt: at(since, DAY) }]);
    expect(await events(t.number)).toHaveLength(2);
    const mails = await waitForMailsTo(h.sink, 'bob@staff.test', 3); // the queued ticket's, and this ticket's two
    expect(mails.filter((m) => m.parsed.subject?.startsWith(`[Overdue] [#${t.number}]`)).map((m) => m.parsed.text?.includes('It broke again.'))).toEqual([false, true]);
  });

  it('remind nobody with REPLY_REMINDERS=false', async () => {
    const t = await ticket('fay@customer.test', { queue: 'Billing' });
    const off = { ...ctx(), config: { ...h.ingest.config, outbound: { ...h.ingest.config.outbound, replyReminders: false } } };
    expect(await runReplyReminders(h.ingest.orm, off, at(t.since, 2 * DAY))).toEqual([]);
    expect(await events(t.number)).toEqual([]);
  });

  it('count opening time only with BUSINESS_HOURS: a Friday-evening wait is due on Monday, and the mail says so', async () => {
    const businessHours = { timezone: 'UTC', windows: [1, 2, 3, 4, 5].map((day) => ({ day, start: 9 * 60, end: 17 * 60 })), holidays: [] };
    const config = { ...h.ingest.config, businessHours, replyTargets: { ...h.ingest.config.replyTargets, NORMAL: 4 * 3600 } };
    const open = { ...ctx(), config };
    const t = await ticket('hal@customer.test', { queue: 'Billing', assignee: 'bob@staff.test' });
    // Friday 3 January 2020, 16:00: long before every other test's tickets, so only this one can be due.
    await queryDatabase(url, `update ticket set awaiting_reply_since = '2020-01-03T16:00:00Z' where number = $1`, [t.number]);
    expect(await runReplyReminders(h.ingest.orm, open, new Date('2020-01-04T12:00:00Z'))).toEqual([]); // Saturday
    expect(await runReplyReminders(h.ingest.orm, open, new Date('2020-01-06T11:59:00Z'))).toEqual([]); // Monday, 3 h 59 min in
    const due = new Date('2020-01-06T12:00:00Z');
    expect(await runReplyReminders(h.ingest.orm, open, new Date('2020-01-06T12:01:00Z'))).toEqual([{ number: t.number, dueAt: due }]);
    expect((await events(t.number)).map((e) => e.detail)).toEqual([{ dueAt: due.toISOString(), target: '4 hours of opening time' }]);
    const mails = await waitForMailsTo(h.sink, 'bob@staff.test', 1);
    const mail = mails.find((m) => m.parsed.subject?.startsWith(`[Overdue] [#${t.number}]`));
    expect(mail?.parsed.text).toContain(`due at ${due.toISOString()} (4 hours of opening time for NORMAL priority)`);
  });

  it("count in the queue's own opening times: a team in Tokyo is reminded on its Monday, a queue open always around the clock", async () => {
    const em = h.ingest.orm.em.fork();
    const tokyo = new Queue('Tokyo desk');
    applyQueueHours(tokyo, { businessHours: 'Mon-Fri 09:00-17:00', businessTimezone: 'Asia/Tokyo' }, () => {});
    tokyo.agents.add(await em.findOneOrFail(Person, { email: 'alice@staff.test' }));
    await em.persist(tokyo).flush();
    const config = { ...h.ingest.config, replyTargets: { ...h.ingest.config.replyTargets, NORMAL: 4 * 3600 } };
    const t = await ticket('ida@customer.test', { queue: 'Tokyo desk' });
    // Friday 10 January 2020, 16:00 in Tokyo (07:00Z); the desk itself keeps no BUSINESS_HOURS.
    await queryDatabase(url, `update ticket set awaiting_reply_since = '2020-01-10T07:00:00Z' where number = $1`, [t.number]);
    expect(await runReplyReminders(h.ingest.orm, { ...ctx(), config }, new Date('2020-01-11T12:00:00Z'))).toEqual([]); // Saturday
    const due = new Date('2020-01-13T03:00:00Z'); // Monday 12:00 in Tokyo
    expect(await runReplyReminders(h.ingest.orm, { ...ctx(), config }, new Date('2020-01-13T03:01:00Z'))).toEqual([{ number: t.number, dueAt: due }]);
    expect((await events(t.number)).map((e) => e.detail)).toEqual([{ dueAt: due.toISOString(), target: '4 hours of opening time' }]);

    // A queue working around the clock while the desk keeps hours: due four hours after, "4 hours".
    const always = new Queue('Always open');
    applyQueueHours(always, { businessHours: AROUND_THE_CLOCK }, () => {});
    await em.persist(always).flush();
    const weekdays = { timezone: 'UTC', windows: [1, 2, 3, 4, 5].map((day) => ({ day, start: 9 * 60, end: 17 * 60 })), holidays: [] };
    const u = await ticket('jo@customer.test', { queue: 'Always open' });
    await queryDatabase(url, `update ticket set awaiting_reply_since = '2020-01-18T10:00:00Z' where number = $1`, [u.number]); // a Saturday
    expect(await runReplyReminders(h.ingest.orm, { ...ctx(), config: { ...config, businessHours: weekdays } }, new Date('2020-01-18T14:01:00Z'))).toEqual([
      { number: u.number, dueAt: new Date('2020-01-18T14:00:00Z') },
    ]);
    expect((await events(u.number)).map((e) => e.detail.target)).toEqual(['4 hours']);
  });

  it('run on the pg-boss schedule every minute with the real time', async () => {
    const schedules = await queryDatabase<{ cron: string }>(url, `select cron from pgboss.schedule where name = $1`, [MINUTELY_QUEUE]);
    expect(schedules).toEqual([{ cron: '* * * * *' }]);
    const t = await ticket('gus@customer.test', { queue: 'Billing', priority: Priority.URGENT });
    await queryDatabase(url, `update ticket set awaiting_reply_since = now() - interval '2 hours' where number = $1`, [t.number]);
    // The next minute's occurrence (up to ~60 s, plus pg-boss's 30 s cron pass).
    for (const end = Date.now() + 120_000; (await events(t.number)).length === 0; await new Promise((r) => setTimeout(r, 250))) {
      if (Date.now() > end) throw new Error('no scheduled run reminded of the overdue ticket within 120 s');
    }
    expect((await events(t.number)).map((e) => e.to_value)).toEqual(['alice@staff.test, bob@staff.test']);
  }, 150_000);
});
