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
import type { RuntimeState } from './runtime-state.js';
import { replyOverdueSql, type ReplyClock } from './tickets/reply-targets.js';

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
export function createMetricsRegistry(state: RuntimeState, replyClock: ReplyClock): Registry {
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
  sharedGauge(gauges, state, {
    name: 'postdesk_quarantine_pending_messages',
    help: 'Quarantined messages waiting for an admin (neither ingested by a retry nor dismissed), by reason code',
    labelNames: ['reason_code'],
    sql: `select reason_code, count(*)::int as n from quarantined_message where resolved_at is null and dismissed_at is null group by reason_code`,
    samples: (rows: { reason_code: string; n: number }[]) => rows.map((r) => [{ reason_code: r.reason_code }, r.n]),
  });
  sharedGauge(gauges, state, {
    name: 'postdesk_outbox_messages',
    help: 'Outbound mail and webhooks waiting to be sent (QUEUED) or given up on (FAILED)',
    labelNames: ['status'],
    sql: `select status, count(*)::int as n from outbound_delivery where status in ('QUEUED', 'FAILED') group by status`,
    samples: (rows: { status: string; n: number }[]) => ['QUEUED', 'FAILED'].map((status) => [{ status }, rows.find((r) => r.status === status)?.n ?? 0]),
  });
  const overdue = replyOverdueSql(replyClock);
  sharedGauge(gauges, state, {
    name: 'postdesk_tickets_awaiting_reply',
    help: 'Tickets whose customer waits for an answer, and (overdue="true") those waiting longer than their reply target (REPLY_TARGETS)',
    labelNames: ['overdue'],
    sql: `select count(*)::int as waiting, (count(*) filter (where ${overdue.sql}))::int as overdue from ticket t where t.awaiting_reply_since is not null`,
    params: overdue.params,
    samples: ([row]: { waiting: number; overdue: number }[]) => [
      [{ overdue: 'false' }, (row?.waiting ?? 0) - (row?.overdue ?? 0)],
      [{ overdue: 'true' }, row?.overdue ?? 0],
    ],
  });
  return Registry.merge([processRegistry, gauges]);
}

interface SharedGauge<Row> {
  name: string;
  help: string;
  labelNames: string[];
  /** A count over tables every instance shares. */
  sql: string;
  params?: readonly unknown[];
  /** The series to report from the rows. */
  samples: (rows: Row[]) => [Record<string, string>, number][];
}

/**
 * A gauge read from PostgreSQL when scraped. While the database is away it reports nothing
 * (rather than zeros), and postdesk_ready says why.
 */
function sharedGauge<Row>(registry: Registry, state: RuntimeState, gauge: SharedGauge<Row>): void {
  new Gauge({
    name: gauge.name,
    help: gauge.help,
    labelNames: gauge.labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      if (!state.orm) return;
      const rows = await state.orm.em
        .fork()
        .execute<Row[]>(gauge.sql, [...(gauge.params ?? [])])
        .catch(() => null);
      for (const [labels, value] of rows ? gauge.samples(rows) : []) this.set(labels, value);
    },
  });
}
