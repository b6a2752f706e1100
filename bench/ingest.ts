/**
 * Ingest bench (TESTPLAN D15; targets of the inbound issue), against REAL servers: the built gateway
 * (dist/src/main.js) as a child process, a private Dovecot, and the project's embedded PostgreSQL
 * with its default, durable settings.
 *
 *   npm run bench:ingest
 *
 * 1. backlog   10,000 × ~4 KB messages (1,000 senders × 10) already in the mailbox → all committed
 * 2. push      gateway idling; 200 APPENDs one at a time, APPEND done → ticket row visible; beside it
 *              Dovecot's own APPEND → EXISTS delay on a bare imapflow client (the floor)
 * 3. memory    10 messages with a 20 MiB PDF attachment each; the gateway's peak RSS (VmHWM)
 *
 * Every phase has its own database, mailbox user and gateway process, and a hard time limit;
 * servers are stopped in `finally` (and on Ctrl-C). Each figure is printed beside its target, then
 * one table. Exit code: 0 when every figure was measured (pass or not), 1 when a phase failed.
 * BENCH_BACKLOG=<n> shrinks phase 1 for a quick try; BENCH_PHASES=backlog,push,memory picks phases;
 * BENCH_PUSH_GAP_MS=<ms> sets the pause between push samples (default 700, see PUSH_GAP_MS);
 * BENCH_GATEWAY_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway processes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startDovecot, type Dovecot, type DovecotUser } from '../test/harness/dovecot.js';
import { GATEWAY_MAIN } from './lib/gateway.js';
import { attachmentMail, MaildirWriter, pdfLike, textMail } from './lib/mail.js';
import { startBenchPostgres, type BenchPostgres } from './lib/postgres.js';
import { BenchPhases, connectPg, imapClient, outcomes, section } from './lib/phases.js';
import { Report } from './lib/report.js';
import { readMachineBusySeconds, readProcCpuSeconds, readProcMemory, RssSampler } from './lib/rss.js';
import { fmt, fmtMiB, fmtMs, summarize } from './lib/stats.js';
import { Cleanup, machineSummary, now, pollUntil, sleep, TimeoutError, withTimeout } from './lib/util.js';

const MiB = 1024 * 1024;

const BACKLOG_MESSAGES = Number(process.env.BENCH_BACKLOG ?? 10_000);
const BACKLOG_SENDERS = Math.max(1, Math.ceil(BACKLOG_MESSAGES / 10));
const BACKLOG_MESSAGE_BYTES = 4096;
const BACKLOG_LIMIT_MS = 600_000;

const PUSH_SAMPLES = 200;
const BARE_SAMPLES = 50;
/**
 * Pause after each sample before the next APPEND, longer than Dovecot's 500 ms change-notice delay
 * (NOTIFY_DELAY_MSECS in its mailbox-watch.c), so each APPEND meets a quiet mailbox, as mail arriving
 * seconds apart does. With 100 ms, a sample met the timers of the one before it, differently for the
 * two clients: the bare client's delay fell to ~394 ms and the gateway's stayed at ~550 ms (both
 * ~510 / ~560 ms at 700 ms). BENCH_PUSH_GAP_MS=<ms> sets another pause.
 */
const PUSH_GAP_MS = Number(process.env.BENCH_PUSH_GAP_MS ?? 700);
const PUSH_SAMPLE_LIMIT_MS = 10_000;
const PUSH_POLL_MS = 3;
const PUSH_PHASE_LIMIT_MS = 600_000;

const MEMORY_MESSAGES = 10;
const MEMORY_ATTACHMENT_BYTES = 20 * MiB;
const MEMORY_PHASE_LIMIT_MS = 300_000;
const MEMORY_TARGET_BYTES = 300 * MiB;

const PHASES = new Set((process.env.BENCH_PHASES ?? 'backlog,push,memory').split(',').map((s) => s.trim()));

const report = new Report();
/** Everything to stop at the end or on Ctrl-C, newest first. */
const cleanup = new Cleanup();
const phases = new BenchPhases(PHASES, cleanup, report);
/** Gateway log lines at warn or above, per phase, shown after the table. */
const runId = randomBytes(3).toString('hex');

async function countReceipts(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>({ name: 'count-receipts', text: 'select count(*) as n from inbound_receipt' });
  return Number(rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// 1. Backlog throughput

async function backlogPhase(pgServer: BenchPostgres, dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`1. backlog: ${fmt(BACKLOG_MESSAGES)} × ~4 KB messages already in the mailbox`);
  const dbUrl = await pgServer.createDatabase('bench_backlog');

  let t = now();
  const writer = new MaildirWriter(join(dovecot.dir, 'home', user.name));
  const start = Date.now() - BACKLOG_MESSAGES * 1000;
  let bytes = 0;
  for (let i = 0; i < BACKLOG_MESSAGES; i++) {
    const sender = i % BACKLOG_SENDERS;
    const raw = textMail({
      from: `Customer ${sender} <customer${sender}@c${sender % 97}.customer.test>`,
      subject: `Backlog ${runId} #${i}: cannot log in since the update`,
      size: BACKLOG_MESSAGE_BYTES,
      seed: i + 1,
      date: new Date(start + i * 1000),
      eol: '\n',
    });
    bytes += raw.length;
    writer.write(raw);
  }
  console.log(`  wrote ${fmt(BACKLOG_MESSAGES)} messages (${fmtMiB(bytes)}, ${fmt(bytes / BACKLOG_MESSAGES)} B each, ${BACKLOG_SENDERS} senders) into the maildir in ${fmtMs(now() - t)}`);

  // Let Dovecot index the maildir first, as it would have for mail delivered normally; this also
  // proves the fixture is there.
  t = now();
  const indexer = imapClient(dovecot, user);
  await indexer.connect();
  const opened = await indexer.mailboxOpen('INBOX');
  await indexer.logout();
  if (opened.exists !== BACKLOG_MESSAGES) throw new Error(`Dovecot sees ${opened.exists} messages, expected ${BACKLOG_MESSAGES}`);
  console.log(`  Dovecot indexed them (EXISTS ${fmt(opened.exists)}) in ${fmtMs(now() - t)}`);

  const db = await connectPg(dbUrl);
  scope.add('pg client (backlog)', () => db.end());
  const countersBefore = await pgServer.counters();
  const gateway = await phases.gateway('backlog', scope, { databaseUrl: dbUrl, mailboxes: [{ name: 'bench', url: dovecot.imapUrl(user) }] });
  const sampler = new RssSampler(gateway.pid, 100).start();
  const cpuAtReady = readProcCpuSeconds(gateway.pid);
  const machineAtReady = readMachineBusySeconds();
  console.log(`  gateway ready (fresh database migrated) ${fmtMs(gateway.readyAt - gateway.spawnedAt)} after spawn; counting committed receipts every 100 ms`);

  const series: { t: number; n: number }[] = [];
  let count = 0;
  let lastProgress = now();
  let lastChange = now();
  let lastCount = 0;
  let timedOut = false;
  for (;;) {
    count = await countReceipts(db);
    const at = now();
    series.push({ t: at, n: count });
    if (count !== lastCount) {
      lastChange = at;
      lastCount = count;
    }
    if (count >= BACKLOG_MESSAGES) break;
    if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) with ${count} of ${BACKLOG_MESSAGES} committed`);
    if (at > deadline) {
      timedOut = true;
      break;
    }
    if (at - lastChange > 60_000) throw new Error(`stalled: no new receipt for 60 s at ${count} of ${BACKLOG_MESSAGES}`);
    if (at - lastProgress > 5000) {
      const r = await gateway.readiness();
      console.log(`  … ${fmt(count)} committed after ${((at - gateway.readyAt) / 1000).toFixed(1)} s (mailbox ${JSON.stringify(r?.mailboxes.bench ?? null)})`);
      lastProgress = at;
    }
    await sleep(100);
  }
  const memory = sampler.stop();
  const done = series[series.length - 1]!.t;
  const cpu = readProcCpuSeconds(gateway.pid) - cpuAtReady;
  // Everything else the machine did meanwhile: PostgreSQL and Dovecot, mostly (this bench only polls a count).
  const otherCpu = readMachineBusySeconds() - machineAtReady - cpu;
  const seconds = (done - gateway.readyAt) / 1000;
  const rate = count / seconds;
  const firstRow = series.find((s) => s.n > 0)?.t ?? Number.NaN;
  // Steady state: between 10% and 90% of the backlog (no start-up, no tail).
  const at10 = series.find((s) => s.n >= BACKLOG_MESSAGES * 0.1);
  const at90 = series.find((s) => s.n >= BACKLOG_MESSAGES * 0.9);
  const steady = at10 && at90 && at90.t > at10.t ? (at90.n - at10.n) / ((at90.t - at10.t) / 1000) : Number.NaN;

  const tickets = Number((await db.query<{ n: string }>('select count(*) as n from ticket')).rows[0]?.n ?? 0);
  const breakdown = await outcomes(db);
  console.log(`  receipts by outcome: ${breakdown}; ticket rows: ${fmt(tickets)}`);
  console.log(`  first commit ${fmtMs(firstRow - gateway.readyAt)} after ready; steady state (10%→90%) ${fmt(steady)} messages/s`);
  // Where the time goes: is the gateway busy (CPU) or waiting (commits, fsyncs, round trips)?
  await sleep(1200); // PostgreSQL backends flush their statistics within a second
  const countersAfter = await pgServer.counters();
  const commits = (countersAfter.commits.bench_backlog ?? 0) - (countersBefore.commits.bench_backlog ?? 0) - series.length;
  const fsyncs = countersAfter.walFsyncs - countersBefore.walFsyncs;
  const cpuShare = cpu / seconds;
  console.log(
    `  gateway CPU ${cpu.toFixed(1)} s in ${seconds.toFixed(1)} s (${fmt(cpuShare * 100)}% of one core, ${fmtMs((cpu * 1000) / Math.max(1, count))} per message); ` +
      `PostgreSQL: ${(commits / Math.max(1, count)).toFixed(1)} commits and ${(fsyncs / Math.max(1, count)).toFixed(1)} WAL fsyncs per message`,
  );
  console.log(`  the rest of the machine (PostgreSQL and Dovecot, mostly) ${fmtMs((otherCpu * 1000) / Math.max(1, count))} CPU per message`);

  const figure = `backlog: ${fmt(BACKLOG_MESSAGES)} × 4 KB, ready → all committed`;
  if (timedOut) {
    report.add(figure, `TIMED OUT: ${fmt(count)} in ${seconds.toFixed(1)} s = ${fmt(rate)} msg/s`, 'target ≥ 500/s (stretch 1,000/s)', false);
  } else {
    const stretch = rate >= 1000 ? ' (stretch met)' : '';
    report.add(figure, `${fmt(rate)} msg/s (${seconds.toFixed(1)} s)${stretch}`, 'target ≥ 500/s (stretch 1,000/s)', rate >= 500);
  }
  report.add('backlog: steady state 10%→90%', `${fmt(steady)} msg/s`, 'info', null);
  report.add('backlog: tickets created', `${fmt(tickets)} of ${fmt(BACKLOG_MESSAGES)} (${breakdown})`, `= ${fmt(BACKLOG_MESSAGES)}`, tickets === BACKLOG_MESSAGES);
  report.add('backlog: gateway CPU per message', `${fmtMs((cpu * 1000) / Math.max(1, count))} (${fmt(cpuShare * 100)}% of a core)`, 'info', null);
  report.add('backlog: CPU per message of the rest of the machine (PostgreSQL, Dovecot)', fmtMs((otherCpu * 1000) / Math.max(1, count)), 'info', null);
  report.add('backlog: PostgreSQL commits / WAL fsyncs per message', `${(commits / Math.max(1, count)).toFixed(1)} / ${(fsyncs / Math.max(1, count)).toFixed(1)}`, 'info', null);
  report.add('backlog: gateway peak RSS (VmHWM)', fmtMiB(memory.peakHwm), 'info', null);
}

// ---------------------------------------------------------------------------------------------
// 2. Push latency, beside Dovecot's own notification delay

/** APPEND → EXISTS on a bare imapflow client idling on another user's INBOX. */
async function bareNotificationDelay(dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<number[]> {
  const idler = imapClient(dovecot, user);
  const appender = imapClient(dovecot, user);
  let stopping = false;
  scope.add('bare IDLE clients', async () => {
    stopping = true;
    idler.close();
    await appender.logout().catch(() => appender.close());
  });
  await idler.connect();
  await appender.connect();
  const opened = await idler.mailboxOpen('INBOX');
  let exists = opened.exists;
  let waiter: { count: number; resolve: (t: number) => void } | null = null;
  idler.on('exists', (event: { count: number }) => {
    const t = now();
    exists = event.count;
    if (waiter && event.count >= waiter.count) {
      waiter.resolve(t);
      waiter = null;
    }
  });
  // STACK trap: imapflow's auto-IDLE waits 15 s; with auto-IDLE off we keep IDLE up ourselves.
  void (async () => {
    while (!stopping && idler.usable) {
      try {
        await idler.idle();
      } catch {
        break;
      }
    }
  })();
  await sleep(300);

  const samples: number[] = [];
  for (let i = 0; i < BARE_SAMPLES; i++) {
    if (now() > deadline) throw new TimeoutError(`bare delay: phase time limit after ${i} samples`);
    const expected = exists + 1;
    const seen = new Promise<number>((resolve) => (waiter = { count: expected, resolve }));
    await appender.append('INBOX', textMail({ from: `Probe <probe${i}@customer.test>`, subject: `probe ${i}`, size: BACKLOG_MESSAGE_BYTES, seed: 90_000 + i }));
    const appended = now();
    const at = await withTimeout(seen, PUSH_SAMPLE_LIMIT_MS, `bare delay sample ${i}: no EXISTS`);
    samples.push(Math.max(0, at - appended));
    await sleep(PUSH_GAP_MS);
  }
  return samples;
}

async function pushPhase(pgServer: BenchPostgres, dovecot: Dovecot, pushUser: DovecotUser, probeUser: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`2. push latency: ${PUSH_SAMPLES} APPENDs one at a time while the gateway idles`);
  const dbUrl = await pgServer.createDatabase('bench_push');
  const gateway = await phases.gateway('push', scope, { databaseUrl: dbUrl, mailboxes: [{ name: 'bench', url: dovecot.imapUrl(pushUser) }] });
  await gateway.waitIdle(30_000);
  console.log('  gateway ready and idling');

  let t = now();
  const bare = summarize(await bareNotificationDelay(dovecot, probeUser, scope, deadline));
  console.log(`  Dovecot APPEND → EXISTS on a bare client, ${bare.count} samples in ${((now() - t) / 1000).toFixed(1)} s: p50 ${fmtMs(bare.p50)}, p99 ${fmtMs(bare.p99)}, min ${fmtMs(bare.min)}, max ${fmtMs(bare.max)}`);

  const db = await connectPg(dbUrl);
  scope.add('pg client (push)', () => db.end());
  const appender = imapClient(dovecot, pushUser);
  scope.add('push appender', () => appender.logout().catch(() => appender.close()));
  await appender.connect();

  t = now();
  const latencies: number[] = [];
  let misses = 0;
  let consecutiveMisses = 0;
  for (let i = 0; i < PUSH_SAMPLES; i++) {
    if (now() > deadline) throw new TimeoutError(`push: phase time limit after ${i} samples`);
    if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()}) after ${i} samples`);
    const subject = `Push ${runId} #${i}: printer on floor 3 offline`;
    // One sender per message: the per-sender limit (20 new tickets / 10 min) must not quarantine them.
    const raw = textMail({ from: `Push Customer ${i} <push${i}@p${i % 13}.customer.test>`, subject, size: BACKLOG_MESSAGE_BYTES, seed: 50_000 + i });
    await appender.append('INBOX', raw);
    const appended = now();
    let committed = Number.NaN;
    while (now() - appended < PUSH_SAMPLE_LIMIT_MS) {
      const found = await db.query({ name: 'push-probe', text: 'select 1 from ticket where subject = $1', values: [subject] });
      if (found.rowCount) {
        committed = now();
        break;
      }
      await sleep(PUSH_POLL_MS);
    }
    if (Number.isNaN(committed)) {
      misses++;
      consecutiveMisses++;
      latencies.push(PUSH_SAMPLE_LIMIT_MS); // censored: counts as at least the limit
      console.log(`  sample ${i}: no ticket after ${PUSH_SAMPLE_LIMIT_MS / 1000} s (receipts: ${await outcomes(db)})`);
      if (consecutiveMisses >= 3) throw new Error(`3 pushes in a row never became tickets (receipts: ${await outcomes(db)})`);
      continue;
    }
    consecutiveMisses = 0;
    latencies.push(committed - appended);
    if ((i + 1) % 50 === 0) console.log(`  … ${i + 1} samples, last ${fmtMs(committed - appended)}`);
    await sleep(PUSH_GAP_MS);
  }
  const push = summarize(latencies);
  console.log(`  ${push.count} samples in ${((now() - t) / 1000).toFixed(1)} s; receipts by outcome: ${await outcomes(db)}`);

  const p50Target = bare.p50 + 150;
  report.add('push: APPEND → ticket committed, p50', fmtMs(push.p50), `≤ bare p50 + 150 ms = ${fmtMs(p50Target)}`, push.p50 <= p50Target);
  report.add('push: p95', fmtMs(push.p95), 'info', null);
  report.add('push: p99', fmtMs(push.p99), '≤ 1,000 ms', push.p99 <= 1000);
  report.add('push: max', fmtMs(push.max), 'info', null);
  report.add('push: samples without a ticket after 10 s', `${misses} of ${PUSH_SAMPLES}`, '0', misses === 0);
  report.add('push: gateway overhead over bare p50', fmtMs(push.p50 - bare.p50), '≤ 150 ms', push.p50 - bare.p50 <= 150);
  report.add('bare Dovecot APPEND → EXISTS, p50', fmtMs(bare.p50), `info (${bare.count} samples)`, null);
  report.add('bare Dovecot APPEND → EXISTS, p99', fmtMs(bare.p99), 'info', null);
}

// ---------------------------------------------------------------------------------------------
// 3. Memory with large attachments

async function memoryPhase(pgServer: BenchPostgres, dovecot: Dovecot, user: DovecotUser, scope: Cleanup, deadline: number): Promise<void> {
  section(`3. memory: ${MEMORY_MESSAGES} messages with a ${fmtMiB(MEMORY_ATTACHMENT_BYTES)} PDF each`);
  const dbUrl = await pgServer.createDatabase('bench_memory');
  const gateway = await phases.gateway('memory', scope, {
    databaseUrl: dbUrl,
    mailboxes: [{ name: 'bench', url: dovecot.imapUrl(user) }],
    // 20 MiB is exactly the default ATTACHMENT_MAX_MB; leave room so the files are accepted.
    env: { ATTACHMENT_MAX_MB: '25', MAX_MESSAGE_MB: '64' },
  });
  await gateway.waitIdle(30_000);
  const idle = readProcMemory(gateway.pid);
  const cpuAtIdle = readProcCpuSeconds(gateway.pid);
  const sampler = new RssSampler(gateway.pid, 20).start();
  console.log(`  gateway idling: RSS ${fmtMiB(idle?.rss ?? Number.NaN)}, VmHWM so far ${fmtMiB(idle?.hwm ?? Number.NaN)}`);

  const db = await connectPg(dbUrl);
  scope.add('pg client (memory)', () => db.end());
  const appender = imapClient(dovecot, user);
  scope.add('memory appender', () => appender.logout().catch(() => appender.close()));
  await appender.connect();

  const t = now();
  let messageBytes = 0;
  for (let i = 0; i < MEMORY_MESSAGES; i++) {
    const raw = attachmentMail({
      from: `Big Sender ${i} <big${i}@customer.test>`,
      subject: `Memory ${runId} #${i}: scanned contract`,
      filename: `contract-${i}.pdf`,
      contentType: 'application/pdf',
      content: pdfLike(MEMORY_ATTACHMENT_BYTES),
    });
    messageBytes = raw.length;
    await appender.append('INBOX', raw);
  }
  console.log(`  APPENDed ${MEMORY_MESSAGES} × ${fmtMiB(messageBytes)} in ${fmtMs(now() - t)}; waiting for the receipts`);

  let count = 0;
  try {
    count = await pollUntil(
      async () => {
        if (gateway.process.exitStatus() !== null) throw new Error(`the gateway exited (${gateway.process.exitStatus()})`);
        const n = await countReceipts(db);
        return n >= MEMORY_MESSAGES ? n : undefined;
      },
      100,
      Math.max(1000, deadline - now()),
      `memory: ${MEMORY_MESSAGES} receipts`,
    );
  } catch (error) {
    const memory = sampler.stop();
    report.add('memory: gateway peak RSS (VmHWM), 10 × 20 MiB PDF', `${fmtMiB(memory.peakHwm)} (incomplete: ${(error as Error).message})`, 'target ≤ 300 MB', false);
    throw error;
  }
  const elapsed = now() - t;
  await sleep(500); // let the last marking/cleanup settle inside the sampled window
  const memory = sampler.stop();
  const cpu = readProcCpuSeconds(gateway.pid) - cpuAtIdle;
  const attachments = (
    await db.query<{ n: string; size: string | null }>(`select count(*) as n, min(size) as size from attachment where content_type = 'application/pdf'`)
  ).rows[0];
  const stored = Number(attachments?.n ?? 0);
  console.log(`  ${count} receipts (${await outcomes(db)}) ${fmtMs(elapsed)} after the first APPEND; PDFs stored: ${stored} (smallest ${fmtMiB(Number(attachments?.size ?? Number.NaN))})`);
  console.log(`  gateway CPU ${cpu.toFixed(1)} s for the ${MEMORY_MESSAGES} messages (${fmtMs((cpu * 1000) / MEMORY_MESSAGES)} each)`);
  console.log(`  RSS: peak sampled ${fmtMiB(memory.peakSampledRss)} (${memory.samples} samples every 20 ms), final VmHWM ${fmtMiB(memory.peakHwm)}, now ${fmtMiB(memory.lastRss)}`);

  report.add('memory: gateway peak RSS (VmHWM), 10 × 20 MiB PDF', fmtMiB(memory.peakHwm), 'target ≤ 300 MB', memory.peakHwm <= MEMORY_TARGET_BYTES);
  report.add('memory: peak sampled VmRSS', fmtMiB(memory.peakSampledRss), 'info', null);
  report.add('memory: time to commit all 10 (first APPEND → last receipt)', `${(elapsed / 1000).toFixed(1)} s (gateway CPU ${cpu.toFixed(1)} s)`, 'info', null);
  report.add('memory: PDF attachments stored', `${stored} of ${MEMORY_MESSAGES}`, `= ${MEMORY_MESSAGES}`, stored === MEMORY_MESSAGES);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = now();
  cleanup.installSignalHandlers();
  let phaseFailed = false;
  try {
    if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run \`npm run build\` first (npm run bench:ingest does)`);
    console.log(`postdesk ingest bench ${runId}: ${machineSummary({ dovecot: true })}`);

    const pgServer = await startBenchPostgres();
    cleanup.add('postgres', () => pgServer.stop());
    console.log(`PostgreSQL (embedded, default settings): ${JSON.stringify(await pgServer.durability())}`);

    const password = () => randomBytes(9).toString('base64url');
    const users = ['backlog', 'push', 'probe', 'memory'].map((name) => ({ name, password: password() }));
    const dovecot = await startDovecot(users);
    cleanup.add('dovecot', () => dovecot.stop());
    const user = (name: string) => dovecot.users.find((u) => u.name === name)!;
    console.log(`Dovecot on 127.0.0.1:${dovecot.port} (${dovecot.dir})`);

    const results = [
      await phases.run('backlog', BACKLOG_LIMIT_MS, (scope, deadline) => backlogPhase(pgServer, dovecot, user('backlog'), scope, deadline)),
      await phases.run('push', PUSH_PHASE_LIMIT_MS, (scope, deadline) => pushPhase(pgServer, dovecot, user('push'), user('probe'), scope, deadline)),
      await phases.run('memory', MEMORY_PHASE_LIMIT_MS, (scope, deadline) => memoryPhase(pgServer, dovecot, user('memory'), scope, deadline)),
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
