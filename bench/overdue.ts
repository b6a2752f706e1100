/**
 * Reply-target bench: the overdue count (`ticketCounts { replyOverdue }`, the overdue filter, the
 * metric, reminders: all the same SQL, tickets/reply-targets.ts) over many waiting customers:
 *
 *   npm run bench:overdue
 *
 * 20,000 tickets wait (BENCH_OVERDUE_WAITING), since a random instant in the last 60 days, NORMAL
 * priority (a 1-day target), on the project's embedded PostgreSQL. The count is timed around the
 * clock, with BUSINESS_HOURS (Mon-Fri 09:00-17:00 Europe/Berlin), and with a tenth of the tickets
 * in a queue that keeps its own opening times (Asia/Tokyo), with and without BUSINESS_HOURS.
 * The issues set no target for it: the figures are for the README and to catch a regression.
 */
import 'reflect-metadata';
import pg from 'pg';
import type { BusinessHours } from '../src/config/business-hours.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { replyOverdueSql, type ReplyClock } from '../src/tickets/reply-targets.js';
import { startBenchPostgres } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { fmt, summarize } from './lib/stats.js';
import { Cleanup, now } from './lib/util.js';

const WAITING = Number(process.env.BENCH_OVERDUE_WAITING ?? 20_000);
const RUNS = 15;
const TARGETS = { URGENT: 3600, HIGH: 14_400, NORMAL: 86_400, LOW: 259_200 };
const DESK: BusinessHours = { timezone: 'Europe/Berlin', windows: [1, 2, 3, 4, 5].map((day) => ({ day, start: 540, end: 1020 })), holidays: ['2026-12-25'] };

const report = new Report();
const cleanup = new Cleanup();

/** `?` placeholders (MikroORM's) as pg's `$n`. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

async function timeCount(client: pg.Client, label: string, clock: ReplyClock): Promise<void> {
  const { sql, params } = replyOverdueSql(clock);
  const query = `select count(*)::int as n from ticket t where ${numbered(sql)}`;
  const samples: number[] = [];
  let overdue = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = now();
    overdue = (await client.query<{ n: number }>(query, params)).rows[0]!.n;
    samples.push(now() - start);
  }
  const s = summarize(samples.slice(3)); // the first runs warm the cache
  report.add(`${label} (${fmt(overdue)} overdue)`, `median ${fmt(s.p50, 1)} ms, p95 ${fmt(s.p95, 1)} ms`, 'info', null);
}

async function main(): Promise<void> {
  cleanup.installSignalHandlers();
  try {
    const server = await startBenchPostgres();
    cleanup.add('PostgreSQL', () => server.stop());
    const url = await server.createDatabase('bench_overdue');
    const orm = await openOrm(url);
    await migrate(orm);
    await orm.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add('client', () => client.end());

    console.log(`seeding ${fmt(WAITING)} waiting tickets (NORMAL, waiting since a random instant in the last 60 days)`);
    await client.query(`insert into person (email, name, active, watch_opt_out, created_at) values ('waiting@customer.test', 'Waiting', true, false, now())`);
    await client.query(`insert into queue (name, keywords, created_at, updated_at) values ('General', '{}', now(), now()), ('Tokyo', '{}', now(), now())`);
    await client.query(
      `insert into ticket (subject, requester_id, queue_id, priority, created_at, updated_at, awaiting_reply_since)
       select 'waiting ' || i, (select id from person), (select id from queue where name = 'General'), 'NORMAL', now(), now(),
              now() - make_interval(secs => (random() * 60 * 86400)::int)
         from generate_series(1, $1::int) i`,
      [WAITING],
    );
    await client.query('analyze');

    await timeCount(client, 'around the clock', { replyTargets: TARGETS, businessHours: null });
    await timeCount(client, 'BUSINESS_HOURS Mon-Fri 09:00-17:00', { replyTargets: TARGETS, businessHours: DESK });

    // A tenth of the tickets move to a queue with opening times of its own.
    await client.query(
      `update queue set business_hours = 'Mon-Fri 09:00-17:00', business_timezone = 'Asia/Tokyo',
              business_days = '{1,2,3,4,5}', business_starts = '{540,540,540,540,540}', business_ends = '{1020,1020,1020,1020,1020}' where name = 'Tokyo'`,
    );
    await client.query(`update ticket set queue_id = (select id from queue where name = 'Tokyo') where id % 10 = 0`);
    await client.query('analyze');
    await timeCount(client, 'around the clock, a tenth in a queue with its own hours', { replyTargets: TARGETS, businessHours: null });
    await timeCount(client, 'BUSINESS_HOURS, a tenth in a queue with its own hours', { replyTargets: TARGETS, businessHours: DESK });
  } finally {
    await cleanup.runAll();
  }
  console.log(`\n${report.table()}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await cleanup.runAll();
  process.exit(1);
});
