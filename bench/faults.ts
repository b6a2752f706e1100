/**
 * Fault bench (TESTPLAN F3, F5, F14, M9, D16), against REAL servers: the built gateway
 * (dist/src/main.js) as a child process, a private Dovecot, the project's embedded PostgreSQL with
 * its default, durable settings, and the TCP fault proxy of the test harness.
 *
 *   npm run bench:faults
 *
 * 1. reconnect  the gateway polls a mailbox through a fault proxy that then accepts and at once cuts
 *               every connection (an IMAP server that cannot be reached); for up to
 *               BENCH_RECONNECT_SECONDS (170) the proxy timestamps each connection attempt: first
 *               retry, every delay between attempts beside the gateway's own logged retryInMs, the
 *               largest delay (cap) and the spread of delay / 2^k s (jitter)
 * 2. resume     a PostgreSQL server of the phase's own, behind a fault proxy, is stopped for real
 *               (fast shutdown; the proxy refuses meanwhile, as a stopped server would) for each of
 *               BENCH_DB_OUTAGES seconds (10,60); messages are APPENDed while it is down; from
 *               "database back" (server started, proxy passing) to the first of them committed
 * 3. failover   two gateways on one mailbox (MAILBOX_LEASE on, the default): SIGKILL the leader,
 *               APPEND a message at once, time until the follower has committed it;
 *               BENCH_FAILOVER_ROUNDS (3) rounds, a fresh follower started for each
 * 4. linkdos    link-detection DoS bodies (chains of `xn--` labels, 198 bytes and 1 MiB) through the
 *               project's parser (dist/src/ingest/parse.js, our settings), mailparser's defaults for
 *               comparison (in a worker that is terminated after 20 s), and the real IMAP ingest
 * 5. diskfull   (D16; needs root to mount a tmpfs, skipped with a note otherwise) PostgreSQL's data
 *               directory on a tmpfs with 24 MiB to spare once the gateway idles; 60 messages with a
 *               600 KiB PDF each are APPENDed until ingest stalls; the gateway is frozen (SIGSTOP),
 *               the tmpfs enlarged (PostgreSQL restarted if it went down), and the messages marked
 *               on the server are compared with the ledger's records; then the gateway goes on and
 *               every message must be one ticket, none lost, none twice, all marked
 *
 * Every phase has its own database, mailbox user and gateway processes, and a hard time limit;
 * servers are stopped in `finally` (and on Ctrl-C). Each figure is printed beside its target, then
 * one table. Exit code: 0 when every figure was measured (pass or not), 1 when a phase failed.
 * BENCH_PHASES=reconnect,resume,failover,linkdos,diskfull picks phases.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { startDovecot, type Dovecot, type DovecotUser } from '../test/harness/dovecot.js';
import { startFaultProxy, type FaultProxy } from '../test/harness/fault-proxy.js';
import { mountFailure, mountTmpfs, resizeTmpfs, unmountTmpfs, usedBytes } from '../test/harness/tmpfs.js';
import { PROCESSED_KEYWORD } from '../src/ingest/doors/imap-poller.js';
import { GATEWAY_MAIN, type Gateway } from './lib/gateway.js';
import { attachmentMail, pdfLike, textMail } from './lib/mail.js';
import { distModule, embeddedServerStarter, portOf, startBenchPostgres, type BenchPostgres } from './lib/postgres.js';
import { BenchPhases, connectPg, imapClient, outcomes, section } from './lib/phases.js';
import { Report } from './lib/report.js';
import { fmt, fmtMiB, fmtMs, summarize } from './lib/stats.js';
import { Cleanup, machineSummary, now, pollUntil, removeDir, ROOT, sleep, tempDir, TimeoutError } from './lib/util.js';

const PHASES = new Set((process.env.BENCH_PHASES ?? 'reconnect,resume,failover,linkdos,diskfull').split(',').map((s) => s.trim()));

const RECONNECT_WINDOW_MS = Number(process.env.BENCH_RECONNECT_SECONDS ?? 170) * 1000;
const RECONNECT_PHASE_LIMIT_MS = RECONNECT_WINDOW_MS + 40_000;
/** Delays between attempts to observe: the 7th is the first whose uncapped base (2^7 s) is above 60 s. */
const RECONNECT_GAPS_WANTED = 7;
const BACKOFF_CAP_MS = 60_000;

const OUTAGES_S = (process.env.BENCH_DB_OUTAGES ?? '10,60').split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n >= 0);
const RESUME_MESSAGES = 3;
const RESUME_LIMIT_MS = 120_000;
const RESUME_TARGET_MS = 30_000;
const RESUME_PHASE_LIMIT_MS = OUTAGES_S.reduce((sum, s) => sum + s * 1000 + RESUME_LIMIT_MS, 90_000);

const FAILOVER_ROUNDS = Math.max(1, Number(process.env.BENCH_FAILOVER_ROUNDS ?? 3));
const FAILOVER_LIMIT_MS = 90_000;
const FAILOVER_PHASE_LIMIT_MS = 60_000 + FAILOVER_ROUNDS * 60_000;
const IDLE_FAILOVER_TARGET_MS = 30_000;

const LINKDOS_RUNS = 5;
const LINKDOS_TARGET_MS = 1000;
const LINKDOS_DEFAULTS_LIMIT_MS = 20_000;
const LINKDOS_INGEST_LIMIT_MS = 30_000;
const LINKDOS_PHASE_LIMIT_MS = 180_000;

const DISKFULL_MESSAGES = 60;
const DISKFULL_ATTACHMENT_BYTES = 600 * 1024;
/** Room left on the tmpfs once the gateway idles: a few messages fit, then PostgreSQL meets a full disk. */
const DISKFULL_HEADROOM_BYTES = 24 * 1024 * 1024;
const DISKFULL_STALL_MS = 20_000;
const DISKFULL_RESUME_LIMIT_MS = 180_000;
const DISKFULL_PHASE_LIMIT_MS = 420_000;

const report = new Report();
/** Everything to stop at the end or on Ctrl-C, newest first. */
const cleanup = new Cleanup();
const phases = new BenchPhases(PHASES, cleanup, report);
/** Gateway log lines at warn or above, per gateway, shown after the table. */
const runId = randomBytes(3).toString('hex');

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The mailbox URL of a user, pointed at a fault proxy in front of Dovecot. */
function imapUrlVia(dovecot: Dovecot, user: DovecotUser, proxy: FaultProxy): string {
  const url = new URL(dovecot.imapUrl(user));
  url.port = String(proxy.port);
  return url.toString();
}

async function ticketCount(db: pg.Client, subjectLike: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>({ name: 'ticket-count', text: 'select count(*) as n from ticket where subject like $1', values: [subjectLike] });
  return Number(rows[0]?.n ?? 0);
}

/** Polls until a ticket with this subject exists; resolves with the time it was first seen. */
async function waitForTicket(db: pg.Client, subject: string, limitMs: number, gateway?: Gateway): Promise<number> {
  return pollUntil(
    async () => {
      if (gateway && gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()})`);
      const found = await db.query({ name: 'ticket-probe', text: 'select 1 from ticket where subject = $1', values: [subject] });
      return found.rowCount ? now() : undefined;
    },
    10,
    limitMs,
    `ticket "${subject}"`,
  );
}

/** JSON log lines of a gateway with a given msg. */
function logEntries(gateway: Gateway, msg: string): Record<string, unknown>[] {
  return gateway.process.stdoutLines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.msg === msg ? [entry] : [];
    } catch {
      return [];
    }
  });
}

const RECONNECT_LOG = 'mailbox session ended; reconnecting';

// ---------------------------------------------------------------------------------------------
// 1. Reconnect behaviour (F3)

/** Timestamps (performance.now()) of the connections a fault proxy accepts, sampled every 2 ms. */
function watchAccepts(proxy: FaultProxy): { times: number[]; stop(): void } {
  const times: number[] = [];
  let seen = proxy.accepted;
  const timer = setInterval(() => {
    const accepted = proxy.accepted;
    if (accepted === seen) return;
    const t = now();
    for (; seen < accepted; seen++) times.push(t);
  }, 2);
  return { times, stop: () => clearInterval(timer) };
}

/** The gateway's nominal delay before attempt n (src/ingest/doors/imap-poller.ts): 2^(n-1) s, capped, before jitter. */
const nominalDelay = (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), BACKOFF_CAP_MS);

async function reconnectPhase(pgServer: BenchPostgres, dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`1. reconnect (F3): IMAP unreachable for up to ${RECONNECT_WINDOW_MS / 1000} s, attempts counted at a fault proxy`);
  const dbUrl = await pgServer.createDatabase('bench_reconnect');
  const proxy = await startFaultProxy(dovecot.port);
  scope.add('fault proxy (reconnect)', () => proxy.close());
  const gateway = await phases.gateway('reconnect', scope, { databaseUrl: dbUrl, mailboxes: [{ name: 'bench', url: imapUrlVia(dovecot, user, proxy) }] });
  await gateway.waitIdle(30_000);
  console.log(`  gateway idling through the proxy (${proxy.accepted} connection so far); proxy now accepts and at once closes every connection`);

  const watcher = watchAccepts(proxy);
  scope.add('accept watcher', () => watcher.stop());
  const cutWall = Date.now();
  const cutAt = now();
  await proxy.setMode('cut');
  let lastPrinted = 0;
  let capWindowOver = false;
  for (;;) {
    const retries = watcher.times.length;
    if (retries > RECONNECT_GAPS_WANTED) break;
    if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) after ${retries} reconnect attempts`);
    if (now() - cutAt > RECONNECT_WINDOW_MS || now() > deadline) {
      capWindowOver = true;
      break;
    }
    if (retries !== lastPrinted) {
      lastPrinted = retries;
      console.log(`  … attempt ${retries} at +${seconds(watcher.times[retries - 1]! - cutAt)}`);
    }
    await sleep(50);
  }
  watcher.stop();
  const observedMs = now() - cutAt;
  const times = [...watcher.times];
  if (times.length === 0) throw new Error(`no reconnect attempt reached the proxy within ${seconds(observedMs)}`);

  // The gateway's own account: one log line per failed session, with the delay it then sleeps.
  const logged = logEntries(gateway, RECONNECT_LOG)
    .filter((e) => Date.parse(String(e.time)) >= cutWall - 50)
    .map((e) => ({ attempt: Number(e.attempt), retryInMs: Number(e.retryInMs), reason: String(e.reason) }));

  const firstRetry = times[0]! - cutAt;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  console.log(`  ${times.length} attempts in ${seconds(observedMs)}; first retry ${fmtMs(firstRetry)} after the cut (gateway logged attempt 1: retry in ${logged[0] ? fmtMs(logged[0].retryInMs) : '?'}, reason "${logged[0]?.reason ?? '?'}")`);
  console.log('  attempt   delay before it   gateway logged   nominal 2^(n-1) s   delay / nominal');
  const factors: number[] = [];
  const overheads: number[] = [];
  const series = [firstRetry, ...gaps];
  for (const [i, delay] of series.entries()) {
    const attempt = i + 1;
    const nominal = nominalDelay(attempt);
    const log = logged.find((l) => l.attempt === attempt);
    const factor = delay / nominal;
    factors.push(factor);
    if (log && i > 0) overheads.push(delay - log.retryInMs);
    console.log(
      `  ${String(attempt).padStart(7)}   ${fmtMs(delay).padStart(15)}   ${(log ? fmtMs(log.retryInMs) : '?').padStart(14)}   ${seconds(nominal).padStart(17)}   ${factor.toFixed(3).padStart(15)}`,
    );
  }
  const overhead = summarize(overheads);
  if (overheads.length > 0) console.log(`  measured delay − logged retryInMs (lease query + failed connect): median ${fmtMs(overhead.p50)}, max ${fmtMs(overhead.max)}`);

  const maxGap = Math.max(...series);
  // The cap shows once an attempt whose uncapped delay would exceed 60 s even at the lowest jitter
  // (attempt 8: 2^7 s × 0.5 = 64 s) was observed.
  const capLevelSeen = series.length >= RECONNECT_GAPS_WANTED + 1;
  const tolerance = Math.max(250, overhead.max || 0);
  const capPass = maxGap <= BACKOFF_CAP_MS + tolerance;
  // Jitter: the delays are not a fixed multiple of 2^(n-1) s. Their factors spread, and they are
  // not all (within 2%) whole powers of two seconds.
  const spread = Math.max(...factors) - Math.min(...factors);
  const powersOfTwo = series.filter((d) => {
    const nearest = 1000 * 2 ** Math.round(Math.log2(Math.max(1, d) / 1000));
    return Math.abs(d - nearest) / nearest <= 0.02;
  }).length;
  const jitterPass = series.length >= 3 && spread >= 0.05 && powersOfTwo < series.length;

  report.add('F3 reconnect: first retry after the server became unreachable', fmtMs(firstRetry), '≤ 5 s', firstRetry <= 5000);
  const capNote = capLevelSeen
    ? `cap level reached: attempt 8 (uncapped ≥ 64 s) waited ${seconds(series[RECONNECT_GAPS_WANTED]!)}`
    : `cap level NOT reached in ${seconds(observedMs)}: only ${series.length} attempts observed, attempt 8 (uncapped ≥ 64 s) needs up to ~183 s`;
  report.add(
    'F3 reconnect: largest delay between attempts',
    `${seconds(maxGap)} (${capNote})`,
    `≤ 60 s (+${fmtMs(tolerance)} lease query and failed connect)`,
    capLevelSeen ? capPass : capPass ? null : false,
  );
  report.add(
    'F3 reconnect: jitter, delay / nominal 2^(n-1) s',
    `${factors.map((f) => f.toFixed(2)).join(', ')} (spread ${spread.toFixed(2)}; ${powersOfTwo} of ${series.length} delays within 2% of a power of two seconds)`,
    'present: factors vary (spread ≥ 0.05), delays not powers of two',
    jitterPass,
  );
  report.add('F3 reconnect: attempts observed', `${times.length} in ${seconds(observedMs)}${capWindowOver ? ' (window over)' : ''}`, 'info', null);
}

// ---------------------------------------------------------------------------------------------
// 2. Resume after PostgreSQL returns (F5)


/** A phase's own PostgreSQL server behind a fault proxy, and a gateway that reaches it only through the proxy. */
interface OwnDatabase {
  readonly gateway: Gateway;
  readonly proxy: FaultProxy;
  /** The server's own address (not the proxy's). */
  url(): string;
  stop(): Promise<void>;
  /** Starts the server again (a new port) and points the proxy at it: the gateway keeps its address. */
  restart(): Promise<void>;
}

/** Starts both in `dir` (default, durable settings: stopping it leaves the other phases' server alone) and waits until the gateway idles. */
async function gatewayOnOwnDatabase(label: string, dir: string, dovecot: Dovecot, user: DovecotUser, scope: Cleanup): Promise<OwnDatabase> {
  const start = await embeddedServerStarter(dir);
  let server = await start();
  scope.add(`PostgreSQL (${label})`, () => server.stop());
  const proxy = await startFaultProxy(portOf(server.url));
  scope.add(`fault proxy (${label})`, () => proxy.close());
  const viaProxy = new URL(server.url);
  viaProxy.port = String(proxy.port);
  const gateway = await phases.gateway(label, scope, { databaseUrl: viaProxy.toString(), mailboxes: [{ name: 'bench', url: dovecot.imapUrl(user) }] });
  await gateway.waitIdle(30_000);
  return {
    gateway,
    proxy,
    url: () => server.url,
    stop: () => server.stop(),
    async restart() {
      server = await start();
      proxy.retarget(portOf(server.url));
    },
  };
}

async function resumePhase(dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`2. resume (F5): PostgreSQL stopped for ${OUTAGES_S.map((s) => `${s} s`).join(', then ')}; mail arrives meanwhile`);
  const dir = tempDir('postdesk-bench-f5-');
  scope.add('PostgreSQL data dir (resume)', () => removeDir(dir));
  const own = await gatewayOnOwnDatabase('resume', dir, dovecot, user, scope);
  const { gateway, proxy } = own;
  let db = await connectPg(own.url());
  scope.add('pg client (resume)', () => db.end().catch(() => undefined));
  const appender = imapClient(dovecot, user);
  scope.add('resume appender', () => appender.logout().catch(() => appender.close()));
  await appender.connect();

  // One message first: the pipeline works end to end before anything is stopped.
  const warmSubject = `Resume ${runId} warm-up`;
  await appender.append('INBOX', textMail({ from: `Warm <warm@r.customer.test>`, subject: warmSubject, seed: 7 }));
  await waitForTicket(db, warmSubject, 30_000, gateway);
  console.log(`  gateway idling, PostgreSQL ${portOf(own.url())} behind proxy ${proxy.port}; warm-up message committed`);

  let appended = 0;
  for (const [round, outageS] of OUTAGES_S.entries()) {
    if (now() > deadline) throw new TimeoutError(`resume: phase time limit before the ${outageS} s outage`);
    const like = `Resume ${runId} outage ${round} #%`;
    await db.end().catch(() => undefined);
    const downAt = now();
    const downWall = Date.now();
    await own.stop();
    await proxy.setMode('refuse');
    const stoppedIn = now() - downAt;
    for (let i = 0; i < RESUME_MESSAGES; i++) {
      await appender.append('INBOX', textMail({ from: `Waiting Customer ${round}-${i} <wait${round}-${i}@r${i}.customer.test>`, subject: `Resume ${runId} outage ${round} #${i}: VPN down`, seed: 100 + round * 10 + i }));
    }
    appended += RESUME_MESSAGES;
    console.log(`  outage ${round + 1}: PostgreSQL stopped (fast shutdown, ${fmtMs(stoppedIn)}); ${RESUME_MESSAGES} messages APPENDed; waiting ${outageS} s`);
    let notReadyAt = Number.NaN;
    while (now() - downAt < outageS * 1000) {
      if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) while PostgreSQL was down`);
      if (Number.isNaN(notReadyAt) && (await gateway.readiness())?.ready === false) notReadyAt = now();
      await sleep(200);
    }

    // Database back: the server accepts connections again at the address the gateway knows.
    const restart = now();
    await own.restart();
    await proxy.setMode('pass');
    const backAt = now();
    const backWall = Date.now();
    db = await connectPg(own.url());
    const failedSessions = logEntries(gateway, RECONNECT_LOG).filter((e) => {
      const at = Date.parse(String(e.time));
      return at >= downWall && at <= backWall;
    });
    const pending = failedSessions.at(-1);
    // The poller's next try was scheduled by its backoff before the database returned: it sets the resume time.
    const nextTryIn = pending ? Date.parse(String(pending.time)) + Number(pending.retryInMs) - backWall : Number.NaN;
    const pendingNote = pending
      ? `its last failed attempt (${String(pending.attempt)}) was logged ${seconds(backWall - Date.parse(String(pending.time)))} before, with a backoff of ${seconds(Number(pending.retryInMs))}: next try due ${seconds(nextTryIn)} after the database returned`
      : 'no failed attempt logged while down';
    console.log(
      `  database back after ${seconds(backAt - downAt)} (server start ${fmtMs(backAt - restart)}); /readyz went 503 ${Number.isNaN(notReadyAt) ? 'never (not seen)' : `${seconds(notReadyAt - downAt)} after the stop`}; ` +
        `${failedSessions.length} failed mailbox sessions while down, ${pendingNote}`,
    );

    let firstAt = Number.NaN;
    let readyAt = Number.NaN;
    let allAt = Number.NaN;
    while (now() - backAt < RESUME_LIMIT_MS) {
      if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) after PostgreSQL returned`);
      const n = await ticketCount(db, like);
      const t = now();
      if (n > 0 && Number.isNaN(firstAt)) firstAt = t;
      if (Number.isNaN(readyAt) && (await gateway.readiness())?.ready) readyAt = now();
      if (n >= RESUME_MESSAGES) {
        allAt = t;
        break;
      }
      await sleep(25);
    }
    const label = `F5 resume: database back → first new ticket, after a ${outageS} s outage`;
    if (Number.isNaN(firstAt)) {
      report.add(label, `none within ${RESUME_LIMIT_MS / 1000} s (receipts: ${await outcomes(db)})`, `≤ ${RESUME_TARGET_MS / 1000} s`, false);
      continue;
    }
    const first = firstAt - backAt;
    console.log(
      `  first ticket ${seconds(first)} after the database was back; all ${RESUME_MESSAGES} ${Number.isNaN(allAt) ? 'NOT within the limit' : `after ${seconds(allAt - backAt)}`}; /readyz 200 after ${Number.isNaN(readyAt) ? '?' : seconds(readyAt - backAt)}`,
    );
    report.add(label, seconds(first), `≤ ${RESUME_TARGET_MS / 1000} s`, first <= RESUME_TARGET_MS);
    report.add(
      `F5 resume: the poller's next try was due, after the ${outageS} s outage`,
      pending ? `${seconds(nextTryIn)} after the database returned (attempt ${String(pending.attempt)}, backoff ${seconds(Number(pending.retryInMs))})` : 'no failed attempt logged',
      'info',
      null,
    );
    report.add(`F5 resume: /readyz 200 again, after the ${outageS} s outage`, Number.isNaN(readyAt) ? 'not seen' : seconds(readyAt - backAt), 'info', null);
  }

  const total = await ticketCount(db, `Resume ${runId} outage %`);
  const duplicates = (await db.query(`select subject from ticket where subject like $1 group by subject having count(*) > 1`, [`Resume ${runId} %`])).rowCount ?? 0;
  report.add('F5 resume: messages APPENDed while down, ingested', `${total} of ${appended}, ${duplicates} duplicates`, `= ${appended}, 0 duplicates`, total === appended && duplicates === 0);
  // Not measured: what the design allows. While PostgreSQL is down each mailbox session fails and
  // sleeps, so the database returning is noticed at the next try; a session that failed on the
  // database waits at most STORAGE_RETRY_MAX_MS (5 s), however long the outage (imap-poller.ts).
  report.add('F5 resume: bound set by the storage retry (not measured)', 'up to 5 s after the database returns, whatever the length of the outage', '≤ 30 s', null);
}

// ---------------------------------------------------------------------------------------------
// 3. Failover (F14)

/** LEASE_RETRY_MS as built into dist (a constant, not a variable): how often a follower tries the lease. */
function leaseRetryMs(): number {
  try {
    const source = readFileSync(join(ROOT, 'dist', 'src', 'ingest', 'doors', 'imap-poller.js'), 'utf8');
    return Number(/LEASE_RETRY_MS\s*=\s*([\d_]+)/.exec(source)?.[1]?.replaceAll('_', '') ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

async function mailboxState(gateway: Gateway): Promise<string> {
  return (await gateway.readiness())?.mailboxes.bench?.state ?? 'unknown';
}

async function failoverPhase(pgServer: BenchPostgres, dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`3. failover (F14): SIGKILL the leader of two gateways on one mailbox, ${FAILOVER_ROUNDS} rounds`);
  const dbUrl = await pgServer.createDatabase('bench_failover');
  const options = { databaseUrl: dbUrl, mailboxes: [{ name: 'bench', url: dovecot.imapUrl(user) }] };
  const pollInterval = 60_000; // startGateway's POLL_INTERVAL_MS, the README's default
  const retry = leaseRetryMs();
  console.log(
    `  settings: MAILBOX_LEASE=on (default), POLL_INTERVAL_MS=${pollInterval} (default), IMAP_SOCKET_TIMEOUT_MS=60000 (default); ` +
      `built in: a follower tries the lease every LEASE_RETRY_MS=${fmt(retry)} ms; Dovecot offers IDLE`,
  );
  const db = await connectPg(dbUrl);
  scope.add('pg client (failover)', () => db.end());
  const appender = imapClient(dovecot, user);
  scope.add('failover appender', () => appender.logout().catch(() => appender.close()));

  let leader = await phases.gateway('failover gateway 1', scope, options, 'SIGKILL');
  await leader.waitIdle(60_000);
  await appender.connect();
  const failovers: number[] = [];
  const takeovers: number[] = [];
  for (let round = 1; round <= FAILOVER_ROUNDS; round++) {
    if (now() > deadline) throw new TimeoutError(`failover: phase time limit before round ${round}`);
    const follower = await phases.gateway(`failover gateway ${round + 1}`, scope, options, round < FAILOVER_ROUNDS ? 'SIGKILL' : undefined);
    await pollUntil(async () => (await mailboxState(follower)) === 'standby', 50, 30_000, `round ${round}: the new gateway in standby`);
    const leaderState = await mailboxState(leader);
    if (leaderState !== 'connected') throw new Error(`round ${round}: the leader's mailbox is ${leaderState}, not connected`);

    // The new gateway just failed its first lease try; kill at a random moment of its retry period
    // (right away would always be the worst case: a whole LEASE_RETRY_MS until its next try).
    const offset = Math.round(Math.random() * (Number.isFinite(retry) ? retry : 5000));
    await sleep(offset);
    const subject = `Failover ${runId} round ${round}: payroll export stuck`;
    const killedAt = now();
    leader.process.child.kill('SIGKILL');
    await appender.append('INBOX', textMail({ from: `Failover Customer ${round} <failover${round}@f.customer.test>`, subject, seed: 300 + round }));
    const appendedIn = now() - killedAt;
    let connectedAt = Number.NaN;
    const committedAt = await pollUntil(
      async () => {
        if (follower.process.exitStatus() !== null) throw new Error(`the follower exited (${follower.process.exitStatus()})`);
        if (Number.isNaN(connectedAt) && (await mailboxState(follower)) === 'connected') connectedAt = now();
        const found = await db.query({ name: 'failover-probe', text: 'select 1 from ticket where subject = $1', values: [subject] });
        return found.rowCount ? now() : undefined;
      },
      10,
      Math.min(FAILOVER_LIMIT_MS, Math.max(1000, deadline - now())),
      `round ${round}: the follower commits the new message`,
    );
    const failover = committedAt - killedAt;
    failovers.push(failover);
    if (!Number.isNaN(connectedAt)) takeovers.push(connectedAt - killedAt);
    console.log(
      `  round ${round}: leader (pid ${leader.pid}) SIGKILLed ${seconds(offset)} after the follower went standby; APPEND done ${fmtMs(appendedIn)} later; follower (pid ${follower.pid}) connected after ${Number.isNaN(connectedAt) ? '?' : seconds(connectedAt - killedAt)}, ` +
        `committed the new message ${seconds(failover)} after the kill`,
    );
    await leader.process.exited;
    leader = follower;
  }
  const summary = summarize(failovers);
  const target = `≤ ${IDLE_FAILOVER_TARGET_MS / 1000} s with IDLE (2 poll intervals = ${(2 * pollInterval) / 1000} s without)`;
  report.add(`F14 failover: leader SIGKILLed → follower commits a new message, worst of ${failovers.length}`, `${seconds(summary.max)} (median ${seconds(summary.p50)})`, target, summary.max <= IDLE_FAILOVER_TARGET_MS);
  report.add('F14 failover: leader SIGKILLed → follower connected, worst', takeovers.length ? seconds(Math.max(...takeovers)) : 'not seen', `info (lease retry every ${fmt(retry)} ms)`, null);
  report.add('F14 failover: receipts', await outcomes(db), 'info', null);
}

// ---------------------------------------------------------------------------------------------
// 4. Link-detection DoS (M9)

/** The slice of dist/src/ingest/parse.js this phase uses. */
interface ParseModule {
  parseMessage(raw: Buffer, policy: unknown): Promise<{ text: string }>;
  DEFAULT_ATTACHMENT_POLICY: unknown;
}

interface Crafted {
  readonly label: string;
  readonly body: string;
}

function craftedBodies(): Crafted[] {
  const MiB = 1024 * 1024;
  const chain = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
  return [
    { label: '198 B "xn--a." chain', body: chain('xn--a.', 198) },
    { label: '198 B "a.xn--" chain (ends in a bare xn--)', body: 'a.xn--'.repeat(33) },
    { label: '1 MiB "xn--a." chain, one line', body: chain('xn--a.', MiB) },
    { label: '1 MiB "a.xn--" chain, one line', body: chain('a.xn--', MiB) },
  ];
}

function craftedMail(subject: string, sender: number, body: string): Buffer {
  const head = [
    `From: Crafted Sender ${sender} <crafted${sender}@l${sender}.customer.test>`,
    'To: Support <support@example.com>',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(10).toString('hex')}@customer.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8');
}

function mailparserVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'mailparser', 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/** mailparser's simpleParser with its defaults (link detection on), in a worker that is terminated when it overruns. */
function parseWithDefaults(raw: Buffer, limitMs: number): Promise<number | null> {
  const mailparser = createRequire(join(ROOT, 'package.json')).resolve('mailparser');
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { simpleParser } = require(workerData.mailparser);
     const raw = Buffer.from(workerData.raw);
     const started = performance.now();
     simpleParser(raw).then(() => parentPort.postMessage(performance.now() - started), (error) => parentPort.postMessage(String(error)));`,
    { eval: true, workerData: { mailparser, raw: new Uint8Array(raw) } },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(null);
    }, limitMs);
    worker.once('message', (value: number | string) => {
      clearTimeout(timer);
      void worker.terminate();
      if (typeof value === 'number') resolve(value);
      else reject(new Error(`mailparser defaults: ${value}`));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function linkdosPhase(pgServer: BenchPostgres, dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section('4. link-detection DoS (M9): chains of xn-- labels, 198 B and 1 MiB bodies');
  const { parseMessage, DEFAULT_ATTACHMENT_POLICY } = await distModule<ParseModule>('src/ingest/parse.js');
  const bodies = craftedBodies();
  const worst = new Map<string, number>();
  let worstDefaults: number | null = 0;
  for (const [i, crafted] of bodies.entries()) {
    const raw = craftedMail(`Link DoS ${runId} parse ${i}`, i, crafted.body);
    const times: number[] = [];
    let textLength = 0;
    for (let run = 0; run < LINKDOS_RUNS; run++) {
      const started = now();
      const parsed = await parseMessage(raw, DEFAULT_ATTACHMENT_POLICY);
      times.push(now() - started);
      textLength = parsed.text.length;
    }
    const s = summarize(times);
    const size = crafted.body.length < 1024 ? '198 B' : '1 MiB';
    worst.set(size, Math.max(worst.get(size) ?? 0, s.max));
    const defaults = await parseWithDefaults(raw, LINKDOS_DEFAULTS_LIMIT_MS);
    console.log(
      `  ${crafted.label} (${fmt(raw.length)} B message): parseMessage ${LINKDOS_RUNS} runs, first ${fmtMs(times[0]!)}, median ${fmtMs(s.p50)}, max ${fmtMs(s.max)}; text ${fmt(textLength)} chars; ` +
        `mailparser defaults (link detection on): ${defaults === null ? `> ${LINKDOS_DEFAULTS_LIMIT_MS / 1000} s, worker terminated` : fmtMs(defaults)}`,
    );
    worstDefaults = defaults === null || worstDefaults === null ? null : Math.max(worstDefaults, defaults);
  }
  for (const [size, max] of worst) report.add(`M9 parse time per message, our settings, ${size} crafted bodies (worst of ${LINKDOS_RUNS} runs × 2 shapes)`, fmtMs(max), `≤ ${fmtMs(LINKDOS_TARGET_MS)}`, max <= LINKDOS_TARGET_MS);
  report.add(
    `M9 for comparison: mailparser ${mailparserVersion()} defaults (link detection on), worst of the 4 bodies`,
    worstDefaults === null ? `> ${LINKDOS_DEFAULTS_LIMIT_MS / 1000} s (terminated)` : fmtMs(worstDefaults),
    'info',
    null,
  );

  // The same messages through the real IMAP door, one at a time.
  const dbUrl = await pgServer.createDatabase('bench_linkdos');
  const gateway = await phases.gateway('linkdos', scope, { databaseUrl: dbUrl, mailboxes: [{ name: 'bench', url: dovecot.imapUrl(user) }] });
  await gateway.waitIdle(30_000);
  const db = await connectPg(dbUrl);
  scope.add('pg client (linkdos)', () => db.end());
  const appender = imapClient(dovecot, user);
  scope.add('linkdos appender', () => appender.logout().catch(() => appender.close()));
  await appender.connect();
  const latencies: string[] = [];
  let worstIngest = 0;
  for (const [i, crafted] of bodies.entries()) {
    if (now() > deadline) throw new TimeoutError(`linkdos: phase time limit before message ${i}`);
    const subject = `Link DoS ${runId} ingest ${i}`;
    await appender.append('INBOX', craftedMail(subject, 10 + i, crafted.body));
    const appended = now();
    const committed = await waitForTicket(db, subject, LINKDOS_INGEST_LIMIT_MS, gateway);
    worstIngest = Math.max(worstIngest, committed - appended);
    latencies.push(`${crafted.label} ${fmtMs(committed - appended)}`);
    console.log(`  IMAP ingest, ${crafted.label}: APPEND → ticket committed ${fmtMs(committed - appended)}`);
  }
  const breakdown = await outcomes(db);
  console.log(`  receipts by outcome: ${breakdown}`);
  report.add('M9 through the IMAP door: APPEND → ticket, worst of 4 (incl. Dovecot\'s ~0.4 s notice)', fmtMs(worstIngest), 'info (all 4 became tickets)', null);
}

// ---------------------------------------------------------------------------------------------
// 5. Disk full (D16)

/** A query on a fresh connection, or null when the server cannot be reached (it may be down). */
async function queryOrNull<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[] | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<R>(text, values)).rows;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function diskFullPhase(dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`5. disk full (D16): PostgreSQL's data on a tmpfs that fills while ${DISKFULL_MESSAGES} messages with attachments arrive, then is enlarged`);
  const dir = tempDir('postdesk-bench-d16-');
  scope.add('data dir (disk full)', () => removeDir(dir));
  try {
    mountTmpfs(dir, 1024 ** 3);
  } catch (error) {
    console.log(`  SKIPPED: cannot mount a tmpfs here (${mountFailure(error)}); this phase needs root`);
    report.add('D16 disk full', 'not run: mounting a tmpfs needs root', 'n/a', null);
    return;
  }
  scope.add('tmpfs (disk full)', () => unmountTmpfs(dir));
  // Behind a proxy: a server restarted after the disk filled gets a new port, the gateway keeps its address.
  const own = await gatewayOnOwnDatabase('diskfull', dir, dovecot, user, scope);
  const { gateway } = own;
  const limit = usedBytes(dir) + DISKFULL_HEADROOM_BYTES;
  resizeTmpfs(dir, limit);
  console.log(`  data directory on a tmpfs of ${fmtMiB(limit)}: what start-up and migrations used, plus ${fmtMiB(DISKFULL_HEADROOM_BYTES)}`);

  const appender = imapClient(dovecot, user);
  scope.add('disk-full appender', () => appender.logout().catch(() => appender.close()));
  await appender.connect();
  const like = `Disk ${runId} #%`;
  for (let i = 0; i < DISKFULL_MESSAGES; i++) {
    const content = pdfLike(DISKFULL_ATTACHMENT_BYTES);
    await appender.append('INBOX', attachmentMail({ from: `Scanner ${i} <scan${i}@d${i}.customer.test>`, subject: `Disk ${runId} #${i}`, filename: `scan${i}.pdf`, contentType: 'application/pdf', content }));
  }
  const appendedAt = now();
  console.log(`  ${DISKFULL_MESSAGES} messages with a ${fmtMiB(DISKFULL_ATTACHMENT_BYTES)} PDF each APPENDed`);

  // Until the count stops moving: the disk is full (or, if the headroom was too big, all are in).
  const countSql = 'select count(*)::int as n from ticket where subject like $1';
  let committed = -1;
  let movedAt = now();
  while (now() - movedAt < DISKFULL_STALL_MS) {
    if (now() > deadline) throw new TimeoutError('disk full: phase time limit while the disk filled');
    if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) while the disk filled`);
    const n = (await queryOrNull<{ n: number }>(own.url(), countSql, [like]))?.[0]?.n ?? committed;
    if (n !== committed) [committed, movedAt] = [n, now()];
    if (committed === DISKFULL_MESSAGES) break;
    await sleep(500);
  }
  const serverUp = (await queryOrNull(own.url(), 'select 1')) !== null;
  const readiness = await gateway.readiness();
  const namesTheDisk = (text: string) => /no space left|disk full|could not (extend|write)/i.test(text);
  const spaceError = gateway.logProblems().map((p) => p.example).find(namesTheDisk);
  const readyzReason = readiness?.mailboxes.bench?.lastError?.reason ?? '(none)';
  console.log(
    `  stalled at ${committed} of ${DISKFULL_MESSAGES} committed (${fmtMiB(usedBytes(dir))} of ${fmtMiB(limit)} used); PostgreSQL ${serverUp ? 'up' : 'down'}; ` +
      `/readyz ${readiness?.ready ? 'ready' : `not ready: ${JSON.stringify(readiness?.reasons ?? 'no answer')}`}, the mailbox's last error: ${readyzReason}`,
  );
  console.log(`  the gateway's log: ${spaceError ? spaceError.slice(0, 600) : '(no line names the disk)'}`);

  // Freeze the gateway, free space, and compare the server's marks with the database's records.
  process.kill(gateway.pid, 'SIGSTOP');
  let frozen = true;
  const thaw = () => {
    if (frozen) process.kill(gateway.pid, 'SIGCONT');
    frozen = false;
  };
  scope.add('thaw gateway (disk full)', thaw);
  resizeTmpfs(dir, 1024 ** 3);
  if (!serverUp || (await queryOrNull(own.url(), 'select 1')) === null) {
    await own.stop().catch(() => undefined);
    await own.restart();
    console.log('  PostgreSQL restarted after the space was freed');
  }
  const recorded = new Set(((await queryOrNull<{ uid: string }>(own.url(), `select uid from inbound_receipt where mailbox = 'bench'`)) ?? []).map((r) => Number(r.uid)));
  const checker = imapClient(dovecot, user);
  scope.add('disk-full checker', () => checker.logout().catch(() => checker.close()));
  await checker.connect();
  await checker.mailboxOpen('INBOX', { readOnly: true });
  const marked = (await checker.search({ keyword: PROCESSED_KEYWORD }, { uid: true })) || [];
  const markedWithoutRecord = marked.filter((uid) => !recorded.has(uid));
  report.add('D16 disk full: marked on the server without a record', `${fmt(markedWithoutRecord.length)} (of ${fmt(marked.length)} marked, ${fmt(recorded.size)} recorded)`, '0', markedWithoutRecord.length === 0);
  report.add(
    'D16 disk full: ingest stops with a clear error',
    `after ${committed} of ${DISKFULL_MESSAGES}; the log ${spaceError ? 'names' : 'does not name'} the disk; /readyz: "${readyzReason.slice(0, 100)}"`,
    'stops; the log and /readyz name the disk',
    committed < DISKFULL_MESSAGES && spaceError !== undefined && namesTheDisk(readyzReason),
  );

  thaw();
  const freedAt = now();
  let all = committed;
  while (all < DISKFULL_MESSAGES && now() - freedAt < DISKFULL_RESUME_LIMIT_MS) {
    if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) after space was freed`);
    all = (await queryOrNull<{ n: number }>(own.url(), countSql, [like]))?.[0]?.n ?? all;
    await sleep(250);
  }
  const [totals] = (await queryOrNull<{ tickets: number; distinct: number }>(own.url(), 'select count(*)::int as tickets, count(distinct subject)::int as distinct from ticket where subject like $1', [like])) ?? [];
  const lost = DISKFULL_MESSAGES - (totals?.distinct ?? 0);
  const duplicates = (totals?.tickets ?? 0) - (totals?.distinct ?? 0);
  const markedAtEnd = await pollUntil(
    async () => {
      const uids = (await checker.search({ keyword: PROCESSED_KEYWORD }, { uid: true })) || [];
      return uids.length >= DISKFULL_MESSAGES ? uids.length : undefined;
    },
    250,
    30_000,
    'every message marked on the server',
  ).catch(() => Number.NaN);
  report.add(
    'D16 disk full: after space is freed, lost / duplicates',
    `${fmt(lost)} / ${fmt(duplicates)}; all ${fmt(totals?.distinct ?? 0)} in ${seconds(now() - freedAt)} after the space was freed (${seconds(freedAt - appendedAt)} after the APPENDs), ${Number.isNaN(markedAtEnd) ? 'not all' : 'all'} marked`,
    '0 / 0',
    lost === 0 && duplicates === 0 && !Number.isNaN(markedAtEnd),
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = now();
  cleanup.installSignalHandlers();
  let phaseFailed = false;
  try {
    if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run \`npm run build\` first (npm run bench:faults does)`);
    console.log(`postdesk fault bench ${runId}: ${machineSummary({ dovecot: true })}`);
    console.log(`phases: ${[...PHASES].join(', ')}`);

    const pgServer = await startBenchPostgres();
    cleanup.add('postgres', () => pgServer.stop());
    console.log(`PostgreSQL (embedded, default settings): ${JSON.stringify(await pgServer.durability())}`);

    const password = () => randomBytes(9).toString('base64url');
    const users = ['reconnect', 'resume', 'failover', 'linkdos', 'diskfull'].map((name) => ({ name, password: password() }));
    const dovecot = await startDovecot(users);
    cleanup.add('dovecot', () => dovecot.stop());
    const user = (name: string) => dovecot.users.find((u) => u.name === name)!;
    console.log(`Dovecot on 127.0.0.1:${dovecot.port} (${dovecot.dir})`);

    const results = [
      await phases.run('reconnect', RECONNECT_PHASE_LIMIT_MS, (scope, deadline) => reconnectPhase(pgServer, dovecot, user('reconnect'), scope, deadline)),
      await phases.run('resume', RESUME_PHASE_LIMIT_MS, (scope, deadline) => resumePhase(dovecot, user('resume'), scope, deadline)),
      await phases.run('failover', FAILOVER_PHASE_LIMIT_MS, (scope, deadline) => failoverPhase(pgServer, dovecot, user('failover'), scope, deadline)),
      await phases.run('linkdos', LINKDOS_PHASE_LIMIT_MS, (scope, deadline) => linkdosPhase(pgServer, dovecot, user('linkdos'), scope, deadline)),
      await phases.run('diskfull', DISKFULL_PHASE_LIMIT_MS, (scope, deadline) => diskFullPhase(dovecot, user('diskfull'), scope, deadline)),
    ];
    phaseFailed = results.includes(false);
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    phaseFailed = true;
  } finally {
    await cleanup.runAll();
  }

  phases.printClosing(started);
  return phaseFailed ? 1 : 0;
}

const code = await main();
// Exit explicitly: a library handle left open (an IMAP socket closing) must not keep a finished bench alive.
process.exit(code);
