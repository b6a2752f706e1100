/**
 * Prometheus metrics, served at GET /metrics (http/server.ts): what an operator graphs and alerts
 * on. Two kinds:
 *
 * - counters of this process since it started (messages ingested, delivery attempts), kept in
 *   one registry for the process, since ingest and the outbound worker count without knowing
 *   which gateway object they run under;
 * - gauges read when scraped: this instance's mailboxes from the runtime state, and from
 *   PostgreSQL what every instance shares (quarantine, outbox), so any instance answers for them.
 *
 * Names follow Prometheus' conventions (`postdesk_` prefix, `_total` counters, base units).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ReplyTargets } from './config/env.js';
import type { RuntimeState } from './runtime-state.js';
import { replyDueSql } from './tickets/reply-targets.js';

const processRegistry = new Registry();

export const ingestedMessages = new Counter({
  name: 'postdesk_ingested_messages_total',
  help: 'Messages committed by ingest, by door and outcome (ticket, comment, duplicate, note, quarantined, already-ingested)',
  labelNames: ['door', 'outcome'] as const,
  registers: [processRegistry],
});

export const deliveryAttempts = new Counter({
  name: 'postdesk_delivery_attempts_total',
  help: 'Outbound mail and webhook delivery attempts, by outcome (sent, failed for good, retry, skipped, error)',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

let defaultMetricsOn = false;

/** The registry one gateway serves: the process's counters and memory figures, and its gauges. */
export function createMetricsRegistry(state: RuntimeState, replyTargets: ReplyTargets): Registry {
  if (!defaultMetricsOn) {
    // Resident memory, heap, event-loop delay, GC: once per process, at the first gateway.
    collectDefaultMetrics({ register: processRegistry, prefix: 'postdesk_' });
    defaultMetricsOn = true;
  }
  const gauges = new Registry();
  new Gauge({
    name: 'postdesk_ready',
    help: '1 when /readyz would answer 200 (database reachable, migrated and durable)',
    registers: [gauges],
    async collect() {
      this.set((await state.readiness()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'postdesk_mailbox_state',
    help: "1 for each mailbox's current state in this instance (connected, connecting, reconnecting, standby: another instance holds it, disabled)",
    labelNames: ['mailbox', 'state'] as const,
    registers: [gauges],
    collect() {
      this.reset();
      for (const [mailbox, health] of state.mailboxes) this.set({ mailbox, state: health.state }, 1);
    },
  });
  new Gauge({
    name: 'postdesk_mailbox_backlog_messages',
    help: 'Messages in the mailbox not yet processed, as its poller last counted (only where this instance polls it)',
    labelNames: ['mailbox'] as const,
    registers: [gauges],
    collect() {
      this.reset();
      for (const [mailbox, health] of state.mailboxes) if (health.backlog !== null) this.set({ mailbox }, health.backlog);
    },
  });
  new Gauge({
    name: 'postdesk_mailbox_oldest_unprocessed_age_seconds',
    help: 'Age of the oldest message not yet processed (absent when nothing waits)',
    labelNames: ['mailbox'] as const,
    registers: [gauges],
    collect() {
      this.reset();
      const now = Date.now();
      for (const [mailbox, health] of state.mailboxes) {
        if (health.backlog && health.oldestUnprocessedAt) this.set({ mailbox }, Math.max(0, (now - health.oldestUnprocessedAt.getTime()) / 1000));
      }
    },
  });
  new Gauge({
    name: 'postdesk_quarantine_pending_messages',
    help: 'Quarantined messages waiting for an admin (neither ingested by a retry nor dismissed), by reason code',
    labelNames: ['reason_code'] as const,
    registers: [gauges],
    async collect() {
      this.reset();
      const rows = await sharedCounts<{ reason_code: string; n: number }>(
        state,
        `select reason_code, count(*)::int as n from quarantined_message where resolved_at is null and dismissed_at is null group by reason_code`,
      );
      for (const row of rows ?? []) this.set({ reason_code: row.reason_code }, row.n);
    },
  });
  new Gauge({
    name: 'postdesk_outbox_messages',
    help: 'Outbound mail and webhooks waiting to be sent (QUEUED) or given up on (FAILED)',
    labelNames: ['status'] as const,
    registers: [gauges],
    async collect() {
      this.reset();
      const rows = await sharedCounts<{ status: string; n: number }>(
        state,
        `select status, count(*)::int as n from outbound_delivery where status in ('QUEUED', 'FAILED') group by status`,
      );
      if (rows) for (const status of ['QUEUED', 'FAILED']) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  const due = replyDueSql(replyTargets);
  new Gauge({
    name: 'postdesk_tickets_awaiting_reply',
    help: 'Tickets whose customer waits for an answer, and (overdue="true") those waiting longer than their reply target (REPLY_TARGETS)',
    labelNames: ['overdue'] as const,
    registers: [gauges],
    async collect() {
      this.reset();
      const rows = await sharedCounts<{ waiting: number; overdue: number }>(
        state,
        `select count(*)::int as waiting, (count(*) filter (where ${due.sql} < now()))::int as overdue from ticket t where t.awaiting_reply_since is not null`,
        due.params,
      );
      if (rows?.[0]) {
        this.set({ overdue: 'false' }, rows[0].waiting - rows[0].overdue);
        this.set({ overdue: 'true' }, rows[0].overdue);
      }
    },
  });
  return Registry.merge([processRegistry, gauges]);
}

/** Rows of a count over shared tables; null while the database is away (postdesk_ready says so). */
async function sharedCounts<T>(state: RuntimeState, sql: string, params: readonly unknown[] = []): Promise<T[] | null> {
  if (!state.orm) return null;
  try {
    return await state.orm.em.fork().execute<T[]>(sql, [...params]);
  } catch {
    return null;
  }
}
