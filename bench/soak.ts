/**
 * Soak (TESTPLAN F17), a run for the night, not for CI, against REAL servers: the built gateway
 * (dist/src/main.js) as a child process, a private Dovecot, an SMTP sink (`smtp-server`) and the
 * project's embedded PostgreSQL with its durable defaults, reached through the test harness's
 * fault proxy so that it can be restarted on a new port while the gateway keeps its address.
 *
 *   npm run bench:soak          (24 hours by default, as TESTPLAN F17 says)
 *
 * Customers write SOAK_RATE_PER_MINUTE (10) messages a minute, APPENDed over IMAP: new tickets
 * (some with a 300 KB PDF), replies by In-Reply-To, replies by [#N] subject tag, and auto-replies.
 * Once a minute an agent reads a page, searches, opens a ticket and replies (every fifth reply with
 * an uploaded file). Dovecot is restarted every SOAK_DOVECOT_RESTART_MINUTES (60) and PostgreSQL
 * every SOAK_PG_RESTART_MINUTES (360), fast and immediate shutdowns in turn, down for
 * SOAK_PG_DOWN_SECONDS (10) each time. Every SOAK_SAMPLE_SECONDS (60) the gateway's RSS, open file
 * handles, sockets and database connections are sampled.
 *
 * Targets (F17): RSS growth < 10 % (median of the last tenth of the run against the median of the
 * tenth after SOAK_WARMUP_MINUTES); 0 lost, 0 duplicates (every APPENDed Message-ID stored exactly
 * once, every reply on its ticket); no growth in open connections or file handles (the last tenth's
 * median at most the baseline tenth's maximum). Also printed: outbound mail queued at the end (0),
 * duplicates at the SMTP sink, API calls that failed outside database outages (0), and the
 * gateway's warnings. Exit code: 0 when every figure was measured (pass or not), 1 otherwise.
 *
 * A shorter run keeps the proportions, e.g. an hour with a restart of each every 10 and 20 minutes:
 *   SOAK_MINUTES=60 SOAK_DOVECOT_RESTART_MINUTES=10 SOAK_PG_RESTART_MINUTES=20 npm run bench:soak
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startDovecot, type Dovecot, type DovecotUser } from '../test/harness/dovecot.js';
import { startFaultProxy, type FaultProxy } from '../test/harness/fault-proxy.js';
import { startSmtpSink } from '../test/harness/smtp-sink.js';
import { upload } from '../test/harness/upload.js';
import { startGateway, type Gateway } from './lib/gateway.js';
import { gql } from './lib/graphql.js';
import { attachmentMail, pdfLike, prng, prose, textMail } from './lib/mail.js';
import { section } from './lib/phases.js';
import { embeddedServerStarter, portOf } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { readProcMemory } from './lib/rss.js';
import { fmt, fmtMiB, percentile } from './lib/stats.js';
import { Cleanup, now, pollUntil, removeDir, sleep, tempDir } from './lib/util.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

const MINUTES = setting('SOAK_MINUTES', 1440);
const RATE_PER_MINUTE = setting('SOAK_RATE_PER_MINUTE', 10);
const DOVECOT_RESTART_MINUTES = setting('SOAK_DOVECOT_RESTART_MINUTES', 60);
const PG_RESTART_MINUTES = setting('SOAK_PG_RESTART_MINUTES', 360);
const PG_DOWN_SECONDS = setting('SOAK_PG_DOWN_SECONDS', 10);
const SAMPLE_SECONDS = setting('SOAK_SAMPLE_SECONDS', 60);
const WARMUP_MINUTES = setting('SOAK_WARMUP_MINUTES', Math.min(60, Math.max(5, MINUTES / 10)));
const AGENT_EVERY_MS = 60_000;
/** After the database is back, the gateway may need one reconnect backoff (≤ 60 s) before API calls work again. */
const OUTAGE_GRACE_MS = 65_000;
/** Time the gateway gets after the last message to store everything and drain its outbox. */
const SETTLE_LIMIT_MS = 5 * 60_000;
const SENDERS = 500;
const SEARCH_WORD = 'invoice';

const runId = randomBytes(3).toString('hex');
const report = new Report();
const token = `pd_soak_${randomBytes(18).toString('base64url')}`;

type Kind = 'new' | 'attachment' | 'reply' | 'tag' | 'auto';
/** Weights of what customers send (per 20 messages). */
const MIX: readonly [Kind, number][] = [
  ['new', 8],
  ['attachment', 2],
  ['reply', 6],
  ['tag', 2],
  ['auto', 2],
];

interface Sent {
  readonly messageId: string;
  readonly kind: Kind;
  /** For replies: the Message-ID of the customer's first message, whose ticket the reply belongs on. */
  readonly target: string | null;
}

interface Sample {
  readonly atMinute: number;
  readonly rss: number;
  readonly fds: number;
  readonly sockets: number;
  readonly dbConnections: number;
}

/** Windows [from, to] (performance.now()) in which API failures are expected: the database was down. */
const outages: [number, number][] = [];

// ---------------------------------------------------------------------------------------------
// PostgreSQL that can be stopped and started again

interface RestartableDatabase {
  /** The address the gateway uses (the proxy's). */
  readonly gatewayUrl: string;
  readonly proxy: FaultProxy;
  /** The server's own address now (it changes with each start). */
  directUrl(): string;
  /** Stops the server ('fast': SIGINT; 'immediate': SIGQUIT, crash recovery on the next start), waits `downMs`, starts it again. */
  restart(mode: 'fast' | 'immediate', downMs: number): Promise<void>;
}

async function restartableDatabase(cleanup: Cleanup): Promise<RestartableDatabase> {
  const dir = tempDir('postdesk-soak-pg-');
  cleanup.add('PostgreSQL data dir', () => removeDir(dir));
  const start = await embeddedServerStarter(dir);
  let server = await start();
  cleanup.add('PostgreSQL', () => server.stop());
  const proxy = await startFaultProxy(portOf(server.url));
  cleanup.add('fault proxy', () => proxy.close());
  const gatewayUrl = new URL(server.url);
  gatewayUrl.port = String(proxy.port);
  return {
    gatewayUrl: gatewayUrl.toString(),
    proxy,
    directUrl: () => server.url,
    async restart(mode, downMs) {
      if (mode === 'fast') await server.stop();
      else await stopImmediately(join(dir, 'postgres'));
      await proxy.setMode('refuse');
      await sleep(downMs);
      server = await start();
      proxy.retarget(portOf(server.url));
      await proxy.setMode('pass');
    },
  };
}

/** Immediate shutdown (SIGQUIT to the postmaster): no checkpoint, crash recovery on the next start. */
async function stopImmediately(pgdata: string): Promise<void> {
  const pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  process.kill(pid, 'SIGQUIT');
  await pollUntil(() => !isAlive(pid), 50, 30_000, 'PostgreSQL immediate shutdown');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One short-lived connection per call: the server's address changes with each restart. */
async function query<R extends pg.QueryResultRow>(db: RestartableDatabase, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.directUrl(), application_name: 'postdesk soak' });
  client.on('error', () => undefined); // the awaited query reports it
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Customers

class Customers {
  readonly sent: Sent[] = [];
  /** First messages of tickets, to reply to: Message-ID, sender and subject. */
  private readonly opened: { messageId: string; from: string; subject: string }[] = [];
  private readonly random = prng(0x50a4);
  private seq = 0;
  appendRetries = 0;

  constructor(
    private readonly dovecot: Dovecot,
    private readonly user: DovecotUser,
    private readonly db: RestartableDatabase,
  ) {}

  /** Writes one message and APPENDs it, retrying while Dovecot restarts. */
  async sendOne(): Promise<void> {
    const n = ++this.seq;
    let kind = this.pickKind();
    const target = this.opened.length > 0 ? this.opened[Math.floor(this.random() * this.opened.length)]! : null;
    if (!target && kind !== 'attachment') kind = 'new';
    const messageId = `soak-${runId}-${n}@customer.test`;
    const sender = n % SENDERS;
    const from = `Customer ${sender} <customer${sender}@c${sender % 50}.soak.test>`;
    let raw: Buffer;
    if (kind === 'new' || kind === 'attachment' || !target) {
      const subject = `Soak ${runId} #${n}: ${prose(40, n).split('\n')[0]}`;
      raw =
        kind === 'attachment'
          ? attachmentMail({ from, subject, messageId, filename: `report-${n}.pdf`, contentType: 'application/pdf', content: pdfLike(300_000) })
          : textMail({ from, subject, messageId, seed: n, size: 2000 + (n % 7) * 1000 });
      this.opened.push({ messageId, from, subject });
    } else if (kind === 'tag') {
      const number = await this.ticketNumber(target.messageId);
      if (number === null) kind = 'reply'; // not stored yet: answer by In-Reply-To instead
      raw =
        number === null
          ? this.reply(target, messageId, n, [])
          : textMail({ from: target.from, subject: `AW: [#${number}] more details`, messageId, seed: n, size: 1500 });
    } else {
      raw = this.reply(target, messageId, n, kind === 'auto' ? ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'] : []);
    }
    await this.append(raw);
    this.sent.push({ messageId, kind, target: kind === 'new' || kind === 'attachment' ? null : target!.messageId });
  }

  private reply(target: { messageId: string; from: string; subject: string }, messageId: string, n: number, extra: string[]): Buffer {
    return textMail({
      from: target.from,
      subject: `Re: ${target.subject}`,
      messageId,
      seed: n,
      size: 1500,
      headers: [`In-Reply-To: <${target.messageId}>`, `References: <${target.messageId}>`, ...extra],
    });
  }

  private pickKind(): Kind {
    const total = MIX.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.random() * total;
    for (const [kind, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'new';
  }

  private async ticketNumber(messageId: string): Promise<number | null> {
    try {
      const rows = await query<{ number: number }>(this.db, `select t.number from message m join ticket t on t.id = m.ticket_id where m.message_id in ($1, $2) limit 1`, [messageId, `<${messageId}>`]);
      return rows[0]?.number ?? null;
    } catch {
      return null; // the database is restarting
    }
  }

  private async append(raw: Buffer): Promise<void> {
    const started = now();
    for (;;) {
      try {
        await this.dovecot.append(this.user, raw);
        return;
      } catch (error) {
        if (now() - started > 5 * 60_000) throw new Error(`APPEND failed for 5 minutes: ${(error as Error).message}`);
        this.appendRetries++;
        await sleep(2000);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// An agent working through the API

class Agent {
  calls = 0;
  failures = 0;
  /** Failures outside the database's outages (and their grace): each is a finding. */
  readonly unexpected: string[] = [];
  private rounds = 0;

  constructor(private readonly gateway: Gateway) {}

  async round(): Promise<void> {
    this.rounds++;
    const page = await this.call(`{ tickets(first: 50) { totalCount edges { node { number status queue { name } requester { email } } } } }`);
    await this.call(`query($q: String!) { tickets(filter: { search: $q }, first: 20) { edges { node { number } } } }`, { q: SEARCH_WORD });
    const edges = ((page?.tickets as { edges?: { node: { number: number } }[] } | undefined)?.edges ?? []).map((e) => e.node.number);
    if (edges.length === 0) return;
    const number = edges[this.rounds % edges.length]!;
    await this.call(`query($n: Int!) { ticket(number: $n) { number messages { id bodyText attachments { filename size url } } events { kind } } }`, { n: number });
    let attachments: string[] = [];
    if (this.rounds % 5 === 0) {
      const file = await this.attempt('upload', async () => {
        const response = await upload(this.gateway.baseUrl, token, `answer-${this.rounds}.pdf`, pdfLike(200_000));
        if (response.status !== 201 || !response.body.id) throw new Error(`upload: HTTP ${response.status} ${response.body.message ?? ''}`);
        return response.body.id;
      });
      if (file) attachments = [file];
    }
    await this.call(`mutation($n: Int!, $body: String!, $files: [ID!]) { replyToTicket(number: $n, body: $body, attachments: $files) { userErrors { message } } }`, {
      n: number,
      body: `Thanks, we are looking into it (soak round ${this.rounds}).`,
      files: attachments,
    });
  }

  private call(document: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown> | null> {
    return this.attempt('graphql', async () => (await gql(this.gateway, token, document, variables)).data ?? null);
  }

  private async attempt<T>(what: string, work: () => Promise<T>): Promise<T | null> {
    this.calls++;
    const at = now();
    try {
      return await work();
    } catch (error) {
      this.failures++;
      const expected = outages.some(([from, to]) => at >= from && at <= to);
      if (!expected) this.unexpected.push(`${what} at minute ${fmt((at - startedAt) / 60_000, 1)}: ${(error as Error).message}`);
      return null;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling the gateway

function countHandles(pid: number): { fds: number; sockets: number } {
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed between the listing and the readlink
    }
  }
  return { fds, sockets };
}

function sample(gateway: Gateway, db: RestartableDatabase): Sample | null {
  const memory = readProcMemory(gateway.pid);
  if (!memory) return null;
  return { atMinute: (now() - startedAt) / 60_000, rss: memory.rss, ...countHandles(gateway.pid), dbConnections: db.proxy.open };
}

const median = (values: number[]): number => percentile(values, 50);

/** The samples of the tenth of the run after the warm-up, and of the last tenth. */
function windows(samples: readonly Sample[]): { baseline: Sample[]; end: Sample[] } {
  const tenth = Math.max(1, MINUTES / 10);
  const baseline = samples.filter((s) => s.atMinute >= WARMUP_MINUTES && s.atMinute < WARMUP_MINUTES + tenth);
  const end = samples.filter((s) => s.atMinute >= MINUTES - tenth && s.atMinute <= MINUTES + 0.5);
  return { baseline, end };
}

// ---------------------------------------------------------------------------------------------

let startedAt = now();

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  console.log(
    `bench:soak — run ${runId}: ${fmt(MINUTES)} min at ${fmt(RATE_PER_MINUTE)} messages/min; Dovecot restarted every ${fmt(DOVECOT_RESTART_MINUTES)} min, ` +
      `PostgreSQL every ${fmt(PG_RESTART_MINUTES)} min (down ${fmt(PG_DOWN_SECONDS)} s, fast and immediate in turn); samples every ${fmt(SAMPLE_SECONDS)} s; ` +
      `baseline from minute ${fmt(WARMUP_MINUTES, 1)}`,
  );
  let gateway: Gateway | null = null;
  try {
    const dovecot = await startDovecot(1);
    cleanup.add('Dovecot', () => dovecot.stop());
    const user = dovecot.users[0]!;
    const sink = await startSmtpSink();
    cleanup.add('SMTP sink', () => sink.stop());
    const db = await restartableDatabase(cleanup);
    gateway = await startGateway({
      databaseUrl: db.gatewayUrl,
      mailboxes: [{ name: 'soak', url: dovecot.imapUrl(user) }],
      env: { ADMIN_TOKEN: token, SMTP_URL: sink.url, GRAPHQL_RATE_LIMIT: '100000', POLL_INTERVAL_MS: '30000' },
      readyTimeoutMs: 120_000,
    });
    const running = gateway;
    cleanup.add('gateway', async () => void (await running.stop()));
    await gateway.waitIdle(60_000);
    console.log(`  gateway pid ${gateway.pid} ready; PostgreSQL ${portOf(db.directUrl())} behind proxy ${db.proxy.port}; Dovecot ${dovecot.port}; SMTP sink ${sink.port}`);

    const customers = new Customers(dovecot, user, db);
    const agent = new Agent(gateway);
    const samples: Sample[] = [];
    const events: string[] = [];
    startedAt = now();
    const endAt = startedAt + MINUTES * 60_000;
    const minute = () => fmt((now() - startedAt) / 60_000, 1);

    const traffic = (async () => {
      const gap = 60_000 / RATE_PER_MINUTE;
      for (let i = 0; now() < endAt && !cleanup.aborted; i++) {
        const due = startedAt + i * gap;
        if (due > now()) await sleep(due - now());
        await customers.sendOne();
      }
    })();
    const agentLoop = (async () => {
      while (now() < endAt && !cleanup.aborted) {
        await agent.round();
        await sleep(AGENT_EVERY_MS);
      }
    })();
    const faults = (async () => {
      let dovecotRestarts = 0;
      let pgRestarts = 0;
      for (;;) {
        const nextDovecot = startedAt + (dovecotRestarts + 1) * DOVECOT_RESTART_MINUTES * 60_000;
        const nextPg = startedAt + (pgRestarts + 1) * PG_RESTART_MINUTES * 60_000;
        const next = Math.min(nextDovecot, nextPg);
        if (next >= endAt || cleanup.aborted) return;
        await sleep(Math.max(0, next - now()));
        if (nextPg <= nextDovecot) {
          const mode = pgRestarts % 2 === 0 ? 'fast' : 'immediate';
          pgRestarts++;
          const window: [number, number] = [now(), Number.POSITIVE_INFINITY];
          outages.push(window);
          await db.restart(mode, PG_DOWN_SECONDS * 1000);
          window[1] = now() + OUTAGE_GRACE_MS;
          events.push(`minute ${minute()}: PostgreSQL restarted (${mode}, down ${fmt(PG_DOWN_SECONDS)} s)`);
        } else {
          dovecotRestarts++;
          const t = now();
          await dovecot.restart();
          events.push(`minute ${minute()}: Dovecot restarted (${fmt((now() - t) / 1000, 1)} s)`);
        }
        console.log(`  ${events.at(-1)}`);
      }
    })();
    const sampler = (async () => {
      console.log('  minute |    RSS   | fds | sockets | db conns | sent | tickets | outbox queued');
      while (now() < endAt && !cleanup.aborted) {
        const s = sample(running, db);
        if (!s) throw new Error(`the gateway is gone (exit ${running.process.exitStatus()})`);
        samples.push(s);
        const counts = await query<{ tickets: string; queued: string }>(
          db,
          `select (select count(*) from ticket) as tickets, (select count(*) from outbound_delivery where status = 'QUEUED') as queued`,
        ).catch(() => [{ tickets: '?', queued: '?' }]);
        console.log(
          `  ${minute().padStart(6)} | ${fmtMiB(s.rss).padStart(8)} | ${String(s.fds).padStart(3)} | ${String(s.sockets).padStart(7)} | ${String(s.dbConnections).padStart(8)} | ${String(customers.sent.length).padStart(4)} | ${counts[0]!.tickets.padStart(7)} | ${counts[0]!.queued}`,
        );
        await sleep(SAMPLE_SECONDS * 1000);
      }
    })();
    await Promise.all([traffic, agentLoop, faults, sampler]);
    if (cleanup.aborted) return;

    section('settling: every message stored, the outbox drained');
    const ids = customers.sent.map((s) => s.messageId);
    const settled = await pollUntil(
      async () => {
        const [row] = await query<{ stored: string; queued: string }>(
          db,
          `select (select count(distinct message_id) from message where message_id = any($1) or message_id = any($2)) as stored,
                  (select count(*) from outbound_delivery where status = 'QUEUED') as queued`,
          [ids, ids.map((id) => `<${id}>`)],
        );
        return Number(row!.stored) >= ids.length && Number(row!.queued) === 0 ? now() : undefined;
      },
      2000,
      SETTLE_LIMIT_MS,
      'all messages stored and the outbox empty',
    ).catch((error: Error) => (console.log(`  ${error.message}`), null));
    console.log(`  ${settled === null ? 'not settled' : `settled ${fmt((settled - endAt) / 1000, 1)} s after the last message`}`);
    const final = sample(running, db);
    if (final) samples.push({ ...final, atMinute: Math.min(final.atMinute, MINUTES) });

    section('fault schedule');
    for (const e of events) console.log(`  ${e}`);
    if (events.length === 0) console.log('  (no restart fell inside the run)');

    section('ledger');
    await ledger(db, customers, sink.messages.map((m) => m.raw));
    section('gateway resources');
    resources(samples);
    report.add('API calls that failed outside database outages', `${agent.unexpected.length} of ${fmt(agent.calls)} (${agent.failures} failed in all)`, '0', agent.unexpected.length === 0);
    for (const u of agent.unexpected.slice(0, 10)) console.log(`    ${u}`);
    report.add('gateway stayed up for the whole run', running.process.exitStatus() === null ? 'yes' : `exited ${running.process.exitStatus()}`, 'yes', running.process.exitStatus() === null);
    report.add('APPEND retries (Dovecot restarting)', fmt(customers.appendRetries), 'info', null);

    section('gateway log (warn and above)');
    const problems = running.logProblems();
    if (problems.length === 0) console.log('  clean');
    for (const p of problems) console.log(`  ${p.count} × ${p.level}: ${p.msg}\n    e.g. ${p.example.slice(0, 600)}`);
    // Restarts the gateway rides out on its own are warnings; an error line would page an operator for nothing.
    const errorLines = problems.filter((p) => p.level === 'error' || p.level === 'fatal').reduce((sum, p) => sum + p.count, 0);
    report.add('error lines in the gateway log (every restart is ridden out)', String(errorLines), '0', errorLines === 0);
    if (running.unexpectedStderr()) console.log(`  stderr: ${running.unexpectedStderr().slice(0, 2000)}`);
  } catch (error) {
    console.error(`soak failed: ${(error as Error).stack ?? String(error)}`);
    report.missing('soak', 'completes', (error as Error).message.split('\n')[0] ?? 'error');
  } finally {
    await cleanup.runAll();
  }
  section('results');
  console.log(report.table());
  console.log(`\ntotal run time: ${fmt((now() - startedAt) / 60_000, 1)} min`);
  process.exitCode = report.rows.some((r) => r.measured.startsWith('not measured')) ? 1 : 0;
}

/** Lost, duplicated and misthreaded messages; what the outbox and the SMTP sink hold. */
async function ledger(db: RestartableDatabase, customers: Customers, delivered: Buffer[]): Promise<void> {
  const byKind = new Map<Kind, number>();
  for (const s of customers.sent) byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1);
  console.log(`  sent: ${fmt(customers.sent.length)} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  const ids = customers.sent.map((s) => s.messageId);
  const rows = await query<{ id: string; n: string; ticket: string | null }>(
    db,
    `select trim(both '<>' from message_id) as id, count(*) as n, min(ticket_id) as ticket from message where message_id = any($1) or message_id = any($2) group by 1`,
    [ids, ids.map((id) => `<${id}>`)],
  );
  const stored = new Map(rows.map((r) => [r.id, { count: Number(r.n), ticket: r.ticket }]));
  const lost = customers.sent.filter((s) => !stored.has(s.messageId));
  const duplicated = rows.filter((r) => Number(r.n) > 1);
  const misthreaded = customers.sent.filter((s) => s.target !== null && stored.has(s.messageId) && stored.get(s.messageId)!.ticket !== stored.get(s.target)?.ticket);
  const newTickets = customers.sent.filter((s) => s.target === null).length;
  const [tickets] = await query<{ n: string }>(db, `select count(*) as n from ticket where subject like $1`, [`Soak ${runId} #%`]);
  report.add('F17 lost: APPENDed messages not stored', `${lost.length} of ${fmt(customers.sent.length)}`, '0', lost.length === 0);
  report.add('F17 duplicates: messages stored more than once', String(duplicated.length), '0', duplicated.length === 0);
  report.add('F17 tickets opened by first messages', `${fmt(Number(tickets!.n))} for ${fmt(newTickets)} first messages`, `= ${fmt(newTickets)}`, Number(tickets!.n) === newTickets);
  report.add('replies on the wrong ticket (In-Reply-To, [#N], auto-replies)', `${misthreaded.length} of ${fmt(customers.sent.length - newTickets)}`, '0', misthreaded.length === 0);
  for (const s of [...lost, ...misthreaded].slice(0, 10)) console.log(`    ${s.kind} ${s.messageId}${stored.has(s.messageId) ? ' (wrong ticket)' : ' (lost)'}`);

  const [quarantined] = await query<{ n: string }>(db, `select count(*) as n from quarantined_message`);
  report.add('quarantined', quarantined!.n, '0 (nothing sent is malformed)', Number(quarantined!.n) === 0);
  const outbox = await query<{ status: string; n: string }>(db, `select status, count(*) as n from outbound_delivery group by 1 order by 1`);
  const queued = Number(outbox.find((r) => r.status === 'QUEUED')?.n ?? 0);
  report.add('outbound mail still queued at the end', `${queued} (${outbox.map((r) => `${r.status} ${r.n}`).join(', ')})`, '0', queued === 0);
  const messageIds = delivered.map((raw) => /^Message-ID:\s*(\S+)/im.exec(raw.subarray(0, 8192).toString('latin1'))?.[1] ?? '');
  const duplicatesAtSink = messageIds.length - new Set(messageIds).size;
  report.add('SMTP sink: mails received, duplicates by Message-ID', `${fmt(messageIds.length)}, ${duplicatesAtSink} duplicates`, 'info (a restart may resend mail in flight)', null);
}

/** RSS, file handles, sockets and database connections: the baseline tenth against the last tenth. */
function resources(samples: readonly Sample[]): void {
  const { baseline, end } = windows(samples);
  if (baseline.length === 0 || end.length === 0) {
    report.missing('F17 RSS growth', '< 10 %', `too few samples (baseline ${baseline.length}, end ${end.length}): run longer than the warm-up`);
    return;
  }
  const describe = (field: keyof Omit<Sample, 'atMinute'>) => ({
    baseline: median(baseline.map((s) => s[field])),
    baselineMax: Math.max(...baseline.map((s) => s[field])),
    end: median(end.map((s) => s[field])),
    max: Math.max(...samples.map((s) => s[field])),
  });
  const rss = describe('rss');
  const growth = (rss.end / rss.baseline - 1) * 100;
  report.add(
    'F17 RSS growth (median, last tenth vs the tenth after warm-up)',
    `${fmt(growth, 1)} % (${fmtMiB(rss.baseline)} → ${fmtMiB(rss.end)}; peak ${fmtMiB(rss.max)})`,
    '< 10 %',
    growth < 10,
  );
  for (const [field, label] of [
    ['fds', 'open file handles'],
    ['sockets', 'open sockets'],
    ['dbConnections', 'database connections'],
  ] as const) {
    const d = describe(field);
    report.add(`F17 ${label}: last tenth's median vs the baseline tenth`, `${fmt(d.end)} (baseline median ${fmt(d.baseline)}, max ${fmt(d.baselineMax)}; run max ${fmt(d.max)})`, `no growth (≤ ${fmt(d.baselineMax)})`, d.end <= d.baselineMax);
  }
}

await main();
