/**
 * The outbound worker of one instance: pg-boss (its own schema `pgboss`, its own small pool, LISTEN/
 * NOTIFY so a new job is picked up in milliseconds), the two delivery queues, the auto-close cron
 * (which also discards expired uploads), the minutely run (reply reminders, snoozes that end),
 * and a sweeper that enqueues outbox rows written by a process without a worker (`postdesk ingest`).
 * Several instances share the queues safely: pg-boss hands each job to one worker at a time.
 */
import { PgBoss, type Job, type JobResult } from 'pg-boss';
import type { Config } from '../config/env.js';
import type { Orm } from '../db/orm.js';
import { isTransientDatabaseError } from '../db/transient.js';
import { throttledLog, type Logger } from '../log.js';
import { runAutoClose } from '../automation/auto-close.js';
import { runReplyReminders } from '../automation/reply-reminders.js';
import { runSnoozeWakeups } from '../automation/wake-snoozed.js';
import { discardStaleUploads } from '../tickets/uploads.js';
import { deliveryAttempts } from '../metrics.js';
import { deliver, type DeliverDeps } from './deliver.js';
import { enqueueJob, MAIL_QUEUE, registerOutboxQueue, URGENT_QUEUE } from './outbox.js';
import { createMailTransport } from './transport.js';

export const AUTO_CLOSE_QUEUE = 'postdesk-auto-close';
/** Reply reminders and snooze wake-ups, every minute: a one-hour target is then reminded at most a minute late. */
export const MINUTELY_QUEUE = 'postdesk-minutely';
const EVERY_MINUTE = '* * * * *';
const SWEEP_INTERVAL_MS = 30_000;
/** A QUEUED row older than this without a live job is enqueued by the sweeper. */
const SWEEP_AFTER_MS = 20_000;

export interface OutboundWorkerOptions {
  readonly orm: Orm;
  readonly databaseUrl: string;
  readonly config: Config;
  readonly secret: string;
  readonly log: Logger;
}

export interface OutboundWorker {
  readonly boss: PgBoss;
  /** Enqueues every QUEUED row that has no live job (normally none). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * pg-boss's errors while PostgreSQL is away: the driver's, and those of its LISTEN connection
 * ("LISTEN/NOTIFY connection ended", "… heartbeat timed out"), which it opens again by itself.
 */
export function isJobQueueOutage(error: unknown): boolean {
  return isTransientDatabaseError(error) || /^LISTEN\/NOTIFY /.test((error as Error | null)?.message ?? '');
}

/** A delivery job that threw: the database going away mid-job is an outage, not a bug (a warning); either way the job is retried. */
export function logDeliveryFailure(log: Logger, error: unknown, delivery: number): void {
  if (isTransientDatabaseError(error)) log.warn({ err: (error as Error).message, delivery }, 'delivery job interrupted: database unavailable; retrying');
  else log.error({ err: error, delivery }, 'delivery job crashed; retrying');
}

export async function startOutboundWorker(options: OutboundWorkerOptions): Promise<OutboundWorker> {
  const { orm, config, secret } = options;
  const log = options.log.child({ component: 'outbound' });
  const out = config.outbound;
  const boss = new PgBoss({ connectionString: options.databaseUrl, useListenNotify: true, max: 4, superviseIntervalSeconds: 10 });
  // While PostgreSQL is down every poll fails, several a second: one line a minute says it all,
  // as a warning (the queue carries on once the database is back); anything else is an error.
  const jobQueueOutage = throttledLog(log, 'warn', 'job queue error');
  const jobQueueError = throttledLog(log, 'error', 'job queue error');
  boss.on('error', (error: Error) => (isJobQueueOutage(error) ? jobQueueOutage : jobQueueError)({ err: error }));
  await boss.start();

  // A job stays active at most this long: longer than any SMTP exchange can take, so only a
  // crashed instance's job expires (and is retried).
  const expireInSeconds = out.smtpTimeoutSeconds * 2 + 60;
  const queueOptions = {
    retryLimit: out.retryLimit,
    retryDelay: out.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: out.retryMaxDelaySeconds,
    expireInSeconds,
    // A killed instance stops heartbeating: its active jobs are retried after ~10 s, not after expireInSeconds.
    heartbeatSeconds: 10,
    retentionSeconds: 30 * 86_400,
    deleteAfterSeconds: 86_400,
    notify: true,
  };
  for (const name of [MAIL_QUEUE, URGENT_QUEUE]) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, { ...queueOptions, policy: 'exclusive' });
    else await boss.updateQueue(name, queueOptions);
  }
  if (!(await boss.getQueue(AUTO_CLOSE_QUEUE))) await boss.createQueue(AUTO_CLOSE_QUEUE, { retryLimit: 1, expireInSeconds: 3600 });
  // A failed run is not retried: the next minute's run picks up what it left.
  if (!(await boss.getQueue(MINUTELY_QUEUE))) await boss.createQueue(MINUTELY_QUEUE, { retryLimit: 0, expireInSeconds: 600 });

  const transport = createMailTransport(config);
  const deps: DeliverDeps = { orm, config, secret, transport, log };
  const handle = async (jobs: Job<{ id: number }>[]): Promise<JobResult[]> =>
    Promise.all(
      jobs.map(async (job): Promise<JobResult> => {
        try {
          const outcome = await deliver(deps, job.data.id);
          deliveryAttempts.inc({ outcome });
          return { id: job.id, status: outcome === 'retry' ? 'failed' : 'completed', output: { outcome } };
        } catch (error) {
          logDeliveryFailure(log, error, job.data.id);
          deliveryAttempts.inc({ outcome: 'error' });
          return { id: job.id, status: 'failed', output: { error: (error as Error).message } };
        }
      }),
    );
  // NOTIFY wakes workers for new jobs only; retries become due silently, so the backstop poll stays short.
  const polling = { pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1, burstWhenBatchFull: true };
  await boss.work<{ id: number }>(MAIL_QUEUE, { batchSize: out.concurrency, perJobResults: true, ...polling }, handle);
  await boss.work<{ id: number }>(URGENT_QUEUE, { batchSize: 5, perJobResults: true, ...polling }, handle);

  await boss.schedule(AUTO_CLOSE_QUEUE, out.autoCloseCron, null, { tz: 'UTC' });
  // The same schedule also discards uploads no message took within their day.
  await boss.work(AUTO_CLOSE_QUEUE, async () => {
    const closed = await runAutoClose(orm, { config, secret }, new Date());
    if (closed.length > 0) log.info({ component: 'automation', closed: closed.length }, 'auto-close run closed tickets');
    const discarded = await discardStaleUploads(orm.em.fork());
    if (discarded > 0) log.info({ component: 'automation', discarded }, 'discarded uploads no message used');
    return { closed: closed.length, discarded };
  });
  // Scheduled even with REPLY_REMINDERS off (reminders then do nothing): the schedule lives in the
  // shared database, so one instance's setting must not unschedule the others'.
  await boss.schedule(MINUTELY_QUEUE, EVERY_MINUTE, null, { tz: 'UTC' });
  await boss.work(MINUTELY_QUEUE, async () => {
    const now = new Date();
    const reminded = await runReplyReminders(orm, { config, secret }, now);
    if (reminded.length > 0) log.info({ component: 'automation', reminded: reminded.length }, 'reminded staff of overdue replies');
    const woken = await runSnoozeWakeups(orm, { config, secret }, now);
    if (woken.length > 0) log.info({ component: 'automation', woken: woken.length }, 'snoozed tickets are back');
    return { reminded: reminded.length, woken: woken.length };
  });

  const sweep = async (): Promise<number> => {
    const em = orm.em.fork();
    const rows = await em.execute<{ id: number; kind: string }[]>(
      `select id, kind from outbound_delivery where status = 'QUEUED' and created_at < ? order by id limit 5000`,
      [new Date(Date.now() - SWEEP_AFTER_MS)],
    );
    // The exclusive policy drops the send when the row already has a queued or active job.
    for (const row of rows) await enqueueJob(null, row.id, row.kind === 'page' || row.kind === 'webhook:emergency', boss);
    return rows.length;
  };
  registerOutboxQueue(boss);
  const sweepNow = () => void sweep().catch((error: unknown) => log.warn({ err: error }, 'outbox sweep failed'));
  sweepNow();
  const timer = setInterval(sweepNow, SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    boss,
    sweep,
    async stop() {
      clearInterval(timer);
      registerOutboxQueue(null);
      await boss.stop({ graceful: true, timeout: 10_000, close: true }).catch((error: unknown) => log.warn({ err: error }, 'stopping the job queue failed'));
      transport.close();
    },
  };
}
