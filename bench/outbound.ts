/**
 * Outbound bench (issue 6 targets; TESTPLAN D13, F6), against REAL servers: the built gateway
 * (dist/src/main.js) as a child process doing the sending, the project's embedded PostgreSQL with
 * its durable defaults, and an SMTP sink from the `smtp-server` package.
 *
 *   npm run bench:outbound
 *
 * The bench process plays the part of GraphQL mutations: it calls notify() (status changes of
 * seeded tickets) inside transactions, with its own pg-boss client registered so the jobs are
 * enqueued in the same transaction. The gateway's worker delivers them.
 *
 * 1. throughput  2,000 notifications: half enqueued while the gateway delivers (end to end, bounded by
 *                notify()), half queued while it is down, then delivered at ≥ 200 mails/s
 * 2. outage      1,000 mails; the SMTP sink is stopped for 60 s mid-run, then started again on the
 *                same port: all 1,000 delivered, 0 duplicates by Message-ID
 * 3. crash       1,000 mails; the gateway is SIGKILLed mid-run and restarted: 0 lost, duplicates
 *                printed (at most the mails in flight at the kill), resent copies byte-identical
 *
 * 4. page        (TESTPLAN L16) 1,000 notifications queued in one transaction, the SMTP sink slow
 *                (50 ms before each final reply), the gateway at its default OUTBOUND_CONCURRENCY (10);
 *                an emergency message is APPENDed to the gateway's Dovecot mailbox → time until the
 *                on-call webhook POST arrives (≤ 5 s), and where the page mail lands among the bulk
 *
 * 5. attachments  agents' files: 10 rounds of POST /uploads with a 20 MB PDF and a replyToTicket naming
 *                it, over HTTP with the production defaults: upload rate, reply time, upload → mail
 *                at the sink, every file byte-identical in the customer's mail, gateway peak RSS
 *                (≤ 400 MB, issue 5's figure for the gateway under load)
 *
 * BENCH_OUTAGE_SECONDS shortens phase 2's outage for a quick try; BENCH_PHASES=throughput,outage,crash,page,attachments picks phases.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { PgBoss } from 'pg-boss';
import { loadConfig, type Config } from '../src/config/env.js';
import { openOrm, type Orm } from '../src/db/orm.js';
import { Person, Ticket } from '../src/entities/index.js';
import { TicketStatus } from '../src/entities/enums.js';
import { resolveSecret } from '../src/ingest/secret.js';
import { notify } from '../src/outbound/notify.js';
import { registerOutboxQueue } from '../src/outbound/outbox.js';
import { startSmtpSink, type CapturedMail, type SmtpSink } from '../test/harness/smtp-sink.js';
import { DOVECOT_SKIP_REASON, startDovecot } from '../test/harness/dovecot.js';
import { buildMail } from '../test/harness/mail.js';
import { freePort, startGateway, type Gateway } from './lib/gateway.js';
import { startBenchPostgres, type BenchPostgres } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { gql } from './lib/graphql.js';
import { pdfLike } from './lib/mail.js';
import { RssSampler } from './lib/rss.js';
import { fmt, fmtMiB, fmtMs, summarize } from './lib/stats.js';
import { Cleanup, now, pollUntil, sleep } from './lib/util.js';

const THROUGHPUT_MAILS = 2000;
const FAULT_MAILS = 1000;
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 60);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'throughput,outage,crash,page,attachments').split(',').map((s) => s.trim()));
const FILE_ROUNDS = 10;
const FILE_BYTES = 20 * 1024 * 1024;
const RSS_TARGET_BYTES = 400 * 1000 * 1000;
const PAGE_BACKLOG = 1000;
const PAGE_SINK_DELAY_MS = 50;
const PAGE_TARGET_MS = 5000;
const BATCH = 100;
const PRODUCERS = 4;

const report = new Report();
const cleanup = new Cleanup();
const runId = randomBytes(3).toString('hex');

/** Gateway settings for the bench: production defaults except quicker retries, a short SMTP wait and no hourly limit. */
function gatewayEnv(smtpPort: number): Record<string, string> {
  return {
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SUPPORT_ADDRESS: 'support@example.com',
    AUTOMATIC_MAIL_LIMIT: '1000000',
    OUTBOUND_CONCURRENCY: '20',
    OUTBOUND_RETRY_DELAY_SECONDS: '1',
    OUTBOUND_RETRY_MAX_DELAY_SECONDS: '5',
    SMTP_TIMEOUT_SECONDS: '5',
    AUTO_CLOSE_DAYS: '0',
  };
}

function section(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`);
}

interface Producer {
  orm: Orm;
  config: Config;
  secret: string;
  boss: PgBoss;
  close(): Promise<void>;
}

/** The "mutation" side: an ORM and a pg-boss client registered for same-transaction enqueue. */
async function startProducer(databaseUrl: string): Promise<Producer> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, SUPPORT_ADDRESS: 'support@example.com', AUTOMATIC_MAIL_LIMIT: '1000000', LOG_LEVEL: 'warn' });
  const orm = await openOrm(databaseUrl);
  const secret = await resolveSecret(config, orm.em.fork());
  const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false, max: 8 });
  boss.on('error', (error: Error) => console.error(`  [bench] pg-boss: ${error.message}`));
  await boss.start();
  registerOutboxQueue(boss);
  return {
    orm,
    config,
    secret,
    boss,
    async close() {
      registerOutboxQueue(null);
      await boss.stop({ graceful: false, close: true });
      await orm.close();
    },
  };
}

/** Tickets with one distinct requester each. */
async function seedTickets(p: Producer, count: number, tag: string): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < count; start += 250) {
    await p.orm.em.fork().transactional(async (em) => {
      for (let i = start; i < Math.min(count, start + 250); i++) {
        const person = new Person(`${tag}-${i}@customer.test`, `Customer ${i}`);
        const ticket = new Ticket(`Bench ticket ${tag} ${i}`, person);
        em.persist([person, ticket]);
      }
      await em.flush();
    });
  }
  const rows = await p.orm.em.fork().execute<{ id: number }[]>(`select t.id from ticket t join person p on p.id = t.requester_id where p.email like ? order by t.id`, [`${tag}-%`]);
  for (const r of rows) ids.push(r.id);
  return ids;
}

/** One status-change notification per ticket, BATCH per transaction, PRODUCERS transactions at a time (mutations arrive concurrently). */
async function enqueue(p: Producer, ticketIds: number[]): Promise<void> {
  const starts: number[] = [];
  for (let start = 0; start < ticketIds.length; start += BATCH) starts.push(start);
  await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    for (let start = starts.shift(); start !== undefined; start = starts.shift()) await enqueueBatch(p, ticketIds, start);
  }));
}

async function enqueueBatch(p: Producer, ticketIds: number[], start: number): Promise<void> {
  {
    await p.orm.em.fork().transactional(async (em) => {
      const tickets = await em.find(Ticket, { id: { $in: ticketIds.slice(start, start + BATCH) } }, { populate: ['requester'] });
      for (const ticket of tickets) {
        const from = ticket.status;
        ticket.status = TicketStatus.IN_PROGRESS;
        await notify(em, { kind: 'status-changed', ticket, from, to: TicketStatus.IN_PROGRESS, actor: null }, { config: p.config, secret: p.secret });
      }
    });
  }
}

function messageIdOf(mail: CapturedMail): string {
  return /^Message-ID:\s*<([^>]+)>/im.exec(mail.raw.toString('latin1'))?.[1] ?? '(none)';
}

/** Unique and duplicate counts by Message-ID over mails whose subject carries `marker`; byte-identical duplicates. */
function tally(mails: readonly CapturedMail[], marker: string): { unique: number; duplicates: number; identical: number } {
  const byId = new Map<string, Buffer[]>();
  for (const m of mails) {
    if (!m.raw.includes(marker)) continue;
    const id = messageIdOf(m);
    byId.set(id, [...(byId.get(id) ?? []), m.raw]);
  }
  let duplicates = 0;
  let identical = 0;
  for (const copies of byId.values()) {
    duplicates += copies.length - 1;
    for (const c of copies.slice(1)) if (c.equals(copies[0]!)) identical++;
  }
  return { unique: byId.size, duplicates, identical };
}

async function throughput(pgs: BenchPostgres): Promise<void> {
  section(`1. throughput: ${THROUGHPUT_MAILS} notifications`);
  const db = await pgs.createDatabase(`outbound_tp_${runId}`);
  const sink = await startSmtpSink();
  cleanup.add('sink', () => sink.stop());
  let gateway: Gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(sink.port) });
  const stopFirst = cleanup.add('gateway', async () => void (await gateway.stop()));
  const producer = await startProducer(db);
  cleanup.add('producer', () => producer.close());

  // a) end to end: notify() in concurrent transactions while the gateway delivers.
  const half = THROUGHPUT_MAILS / 2;
  const ids = await seedTickets(producer, THROUGHPUT_MAILS, `tp${runId}`);
  let t0 = now();
  await enqueue(producer, ids.slice(0, half));
  const enqueued = now();
  await sink.waitFor(half, 300_000);
  let done = now();
  report.add('enqueue: notify() in 4 concurrent transactions of 100', `${fmt(half / ((enqueued - t0) / 1000))} notifications/s`, 'info', null);
  report.add(`end to end: ${half} notifications, first notify → last mail at the sink`, `${fmt(half / ((done - t0) / 1000))} mails/s`, 'info (bounded by the enqueue rate)', null);

  // b) delivery: the other half queued while the gateway is down, then the gateway starts.
  await gateway.stop();
  stopFirst();
  await enqueue(producer, ids.slice(half));
  t0 = now();
  gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(sink.port) });
  cleanup.add('gateway (delivery run)', async () => void (await gateway.stop()));
  const ready = now();
  await sink.waitFor(THROUGHPUT_MAILS, 300_000);
  done = now();
  const rate = half / ((done - ready) / 1000);
  report.add(`delivery: ${half} queued notifications, gateway ready → last mail at the sink`, `${fmt(rate)} mails/s (${fmt((done - ready) / 1000, 1)} s; start-up ${fmt((ready - t0) / 1000, 1)} s)`, '≥ 200 mails/s', rate >= 200);
  const t = tally(sink.messages, `tp${runId}`);
  report.add(`throughput: ${THROUGHPUT_MAILS} notifications delivered, duplicates by Message-ID`, `${t.unique} delivered, ${t.duplicates} duplicates`, `${THROUGHPUT_MAILS}, 0`, t.unique === THROUGHPUT_MAILS && t.duplicates === 0);
  await producer.close();
  await gateway.stop();
  await sink.stop();
}

async function outage(pgs: BenchPostgres): Promise<void> {
  section(`2. outage: SMTP sink stopped ${OUTAGE_SECONDS} s during a ${FAULT_MAILS}-mail run`);
  const db = await pgs.createDatabase(`outbound_out_${runId}`);
  const port = await freePort();
  const sinks: SmtpSink[] = [await startSmtpSink({ port })];
  cleanup.add('sinks', () => Promise.all(sinks.map((s) => s.stop())).then(() => undefined));
  const gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(port) });
  cleanup.add('gateway', async () => void (await gateway.stop()));
  const producer = await startProducer(db);
  cleanup.add('producer', () => producer.close());
  const ids = await seedTickets(producer, FAULT_MAILS, `out${runId}`);
  const enqueuing = enqueue(producer, ids);
  await pollUntil(() => sinks[0]!.messages.length >= FAULT_MAILS * 0.3, 10, 120_000, '30 % delivered');
  await sinks[0]!.stop();
  const atStop = sinks[0]!.messages.length;
  console.log(`  sink stopped after ${atStop} mails; waiting ${OUTAGE_SECONDS} s`);
  await enqueuing;
  await sleep(OUTAGE_SECONDS * 1000);
  sinks.push(await startSmtpSink({ port }));
  const all = () => sinks.flatMap((s) => s.messages);
  const started = now();
  await pollUntil(() => tally(all(), `out${runId}`).unique >= FAULT_MAILS, 50, 300_000, 'all delivered after the outage');
  // A little longer, so a late duplicate would be seen.
  await sleep(3000);
  const t = tally(all(), `out${runId}`);
  report.add('outage: delivered (unique Message-IDs)', `${t.unique} / ${FAULT_MAILS} (${fmt((now() - started) / 1000, 1)} s after the sink came back)`, `${FAULT_MAILS}`, t.unique === FAULT_MAILS);
  report.add('outage: duplicates by Message-ID', String(t.duplicates), '0', t.duplicates === 0);
  await producer.close();
  await gateway.stop();
}

async function crash(pgs: BenchPostgres): Promise<void> {
  section(`3. crash: gateway SIGKILLed during a ${FAULT_MAILS}-mail run, then restarted`);
  const db = await pgs.createDatabase(`outbound_kill_${runId}`);
  const sink = await startSmtpSink();
  cleanup.add('sink', () => sink.stop());
  // The first start creates the queues; the run itself starts with all 1,000 queued, so the kill lands mid-delivery.
  await (await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(sink.port) })).stop();
  const producer = await startProducer(db);
  cleanup.add('producer', () => producer.close());
  const ids = await seedTickets(producer, FAULT_MAILS, `kill${runId}`);
  await enqueue(producer, ids);
  let gateway: Gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(sink.port) });
  const stopGateway = cleanup.add('gateway', async () => void (await gateway.stop()));
  await pollUntil(() => sink.messages.length >= FAULT_MAILS * 0.4, 5, 120_000, '40 % delivered');
  await gateway.process.stop('SIGKILL');
  const atKill = sink.messages.length;
  const inflight = await producer.orm.em.fork().execute<{ n: string }[]>(`select count(*)::text as n from outbound_delivery where status = 'QUEUED' and attempts > 0`);
  console.log(`  SIGKILL after ${atKill} mails; ${inflight[0]!.n} mails were claimed and not recorded (in flight)`);
  stopGateway();
  const restartedAt = now();
  gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: gatewayEnv(sink.port) });
  cleanup.add('gateway (restarted)', async () => void (await gateway.stop()));
  await pollUntil(() => tally(sink.messages, `kill${runId}`).unique >= FAULT_MAILS, 50, 400_000, 'all delivered after the restart');
  await sleep(3000);
  const t = tally(sink.messages, `kill${runId}`);
  const flight = Number(inflight[0]!.n);
  report.add('crash: delivered (unique Message-IDs)', `${t.unique} / ${FAULT_MAILS} (${fmt((now() - restartedAt) / 1000, 1)} s after the restart)`, `${FAULT_MAILS} (0 lost)`, t.unique === FAULT_MAILS);
  report.add('crash: duplicates by Message-ID', `${t.duplicates} (in flight at the kill: ${flight})`, '≤ mails in flight at the kill', t.duplicates <= flight);
  report.add('crash: resent copies byte-identical (same Message-ID, same Date)', `${t.identical} / ${t.duplicates}`, '100 %', t.identical === t.duplicates);
  await producer.close();
  await gateway.stop();
}

/** One status-change notification per ticket, all in ONE transaction: the whole backlog becomes visible at once. */
async function enqueueAtOnce(p: Producer, ticketIds: number[]): Promise<void> {
  await p.orm.em.fork().transactional(async (em) => {
    for (const ticket of await em.find(Ticket, { id: { $in: ticketIds } }, { populate: ['requester'] })) {
      const from = ticket.status;
      ticket.status = TicketStatus.IN_PROGRESS;
      await notify(em, { kind: 'status-changed', ticket, from, to: TicketStatus.IN_PROGRESS, actor: null }, { config: p.config, secret: p.secret });
    }
  });
}

async function page(pgs: BenchPostgres): Promise<void> {
  section(`4. page latency (L16): emergency APPENDed behind ${fmt(PAGE_BACKLOG)} queued notifications, SMTP sink ${PAGE_SINK_DELAY_MS} ms per mail, 10 concurrent sends`);
  if (DOVECOT_SKIP_REASON) {
    report.missing('page: webhook POST after the APPEND', `≤ ${PAGE_TARGET_MS / 1000} s`, DOVECOT_SKIP_REASON);
    return;
  }
  const db = await pgs.createDatabase(`outbound_page_${runId}`);
  const dovecot = await startDovecot(1);
  cleanup.add('dovecot', () => dovecot.stop());
  const user = dovecot.users[0]!;
  const sink = await startSmtpSink({ afterData: () => ({ delayMs: PAGE_SINK_DELAY_MS }) });
  cleanup.add('sink', () => sink.stop());
  const posts: number[] = [];
  const hooks = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/page') posts.push(now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  cleanup.add('webhook receiver', () => new Promise<void>((r) => hooks.close(() => r())));
  const env = {
    ...gatewayEnv(sink.port),
    OUTBOUND_CONCURRENCY: '10', // the production default, not the other phases' 20
    EMERGENCY_ADDRESS: 'emergency@example.com',
    ONCALL_ADDRESSES: 'oncall@ops.test',
    ONCALL_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/page`,
  };
  const gateway = await startGateway({ databaseUrl: db, mailboxes: [{ name: 'support', url: dovecot.imapUrl(user) }], env });
  cleanup.add('gateway', async () => void (await gateway.stop()));
  await gateway.waitIdle(60_000); // connected and idling on the mailbox, so the APPEND is pushed to it
  const producer = await startProducer(db);
  cleanup.add('producer', () => producer.close());
  const ids = await seedTickets(producer, PAGE_BACKLOG, `page${runId}`);
  await enqueueAtOnce(producer, ids);
  const bulkBefore = tally(sink.messages, `page${runId}`).unique;

  const raw = await buildMail({ from: 'Reporter <reporter@customer.test>', to: 'emergency@example.com', subject: `Production database down ${runId}` });
  const appendStart = now();
  await dovecot.append(user, raw);
  const appended = now();
  const posted = await pollUntil(() => posts[0], 5, 60_000, 'on-call webhook POST');
  const isPage = (m: CapturedMail) => m.to.includes('oncall@ops.test');
  await pollUntil(() => sink.messages.some(isPage), 10, 120_000, 'page mail at the sink');
  const pageIndex = sink.messages.findIndex(isPage);
  const bulkAheadOfPage = tally(sink.messages.slice(0, pageIndex), `page${runId}`).unique;
  await pollUntil(() => tally(sink.messages, `page${runId}`).unique >= PAGE_BACKLOG, 50, 300_000, 'the backlog delivered');
  const pageMs = posted - appended;
  report.add(
    'page: APPEND done → on-call webhook POST received',
    `${fmt(pageMs)} ms (APPEND itself ${fmt(appended - appendStart)} ms; ${fmt(PAGE_BACKLOG - bulkBefore)} of ${fmt(PAGE_BACKLOG)} bulk mails still queued at the APPEND)`,
    `≤ ${PAGE_TARGET_MS / 1000} s`,
    pageMs <= PAGE_TARGET_MS,
  );
  report.add(
    'page: page mail position among the bulk mails',
    `after ${bulkAheadOfPage} bulk mails (${bulkAheadOfPage - bulkBefore} of them sent after the APPEND), ahead of ${PAGE_BACKLOG - bulkAheadOfPage}`,
    'ahead of the queued bulk mail',
    PAGE_BACKLOG - bulkAheadOfPage > 0,
  );
  await producer.close();
  await gateway.stop();
}

async function attachments(pgs: BenchPostgres): Promise<void> {
  section(`5. attachments: ${FILE_ROUNDS} agent replies, each with a ${fmtMiB(FILE_BYTES)} PDF uploaded first`);
  const db = await pgs.createDatabase(`outbound_files_${runId}`);
  const sink = await startSmtpSink();
  cleanup.add('sink', () => sink.stop());
  const token = `bench-admin-${randomBytes(12).toString('hex')}`;
  const gateway = await startGateway({ databaseUrl: db, mailboxes: [], env: { ...gatewayEnv(sink.port), ADMIN_TOKEN: token } });
  cleanup.add('gateway', async () => void (await gateway.stop()));
  const sampler = new RssSampler(gateway.pid, 20).start();
  const opened = await gql(gateway, token, `mutation { createTicket(input: { requester: "files@customer.test", subject: "Files ${runId}", body: "Files follow." }) { ticket { number } userErrors { message } } }`);
  const created = opened.data!.createTicket as { ticket: { number: number } | null; userErrors: { message: string }[] };
  if (!created.ticket) throw new Error(`createTicket: ${created.userErrors[0]?.message}`);
  const number = created.ticket.number;
  await sink.waitFor(1, 30_000);

  const uploadMs: number[] = [];
  const replyMs: number[] = [];
  const deliveredMs: number[] = [];
  let identical = 0;
  for (let round = 1; round <= FILE_ROUNDS; round++) {
    const file = pdfLike(FILE_BYTES);
    const t0 = now();
    const response = await fetch(`${gateway.baseUrl}/uploads?filename=scan-${round}.pdf`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(file) });
    const uploaded = (await response.json()) as { id?: string; message?: string };
    if (response.status !== 201) throw new Error(`upload ${round}: HTTP ${response.status} ${uploaded.message ?? ''}`);
    const t1 = now();
    const replied = await gql(gateway, token, `mutation($n: Int!, $a: [ID!]) { replyToTicket(number: $n, body: "Scan ${round}", attachments: $a) { userErrors { message } } }`, { n: number, a: [uploaded.id] });
    const errors = (replied.data!.replyToTicket as { userErrors: { message: string }[] }).userErrors;
    if (errors.length > 0) throw new Error(`reply ${round}: ${errors[0]!.message}`);
    const t2 = now();
    const [mail] = (await sink.waitFor(round + 1, 120_000)).slice(round);
    deliveredMs.push(now() - t0);
    uploadMs.push(t1 - t0);
    replyMs.push(t2 - t1);
    const parsed = await simpleParser(mail!.raw, { skipTextLinks: true, skipTextToHtml: true });
    if (parsed.attachments.length === 1 && parsed.attachments[0]!.content.equals(file)) identical++;
  }
  const memory = sampler.stop();
  const mb = FILE_BYTES / 1e6;
  const u = summarize(uploadMs);
  report.add(`files: POST /uploads of ${fmtMiB(FILE_BYTES)}`, `p50 ${fmtMs(u.p50)}, max ${fmtMs(u.max)} (${fmt(mb / (u.p50 / 1000), 1)} MB/s at p50)`, 'info', null);
  const r = summarize(replyMs);
  report.add('files: replyToTicket naming the upload (moves it, composes and enqueues the mail)', `p50 ${fmtMs(r.p50)}, max ${fmtMs(r.max)}`, 'info', null);
  const d = summarize(deliveredMs);
  report.add('files: upload start → mail with the file at the SMTP sink', `p50 ${fmtMs(d.p50)}, max ${fmtMs(d.max)}`, 'info', null);
  report.add('files: mails whose attachment is byte-identical to the upload', `${identical} of ${FILE_ROUNDS}`, `${FILE_ROUNDS} of ${FILE_ROUNDS}`, identical === FILE_ROUNDS);
  report.add('files: gateway peak RSS (VmHWM) over the run', fmtMiB(memory.peakHwm), `≤ ${fmt(RSS_TARGET_BYTES / 1e6)} MB`, memory.peakHwm <= RSS_TARGET_BYTES);
  await gateway.stop();
  await sink.stop();
}

async function main(): Promise<void> {
  const stop = () => {
    cleanup.aborted = true;
    void cleanup.runAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`bench:outbound — run ${runId}; gateway: retries 1 s doubling to 5 s, SMTP wait 5 s, 20 concurrent sends`);
  const pgs = await startBenchPostgres();
  cleanup.add('postgres', () => pgs.stop());
  let failed = false;
  for (const [name, phase] of [['throughput', throughput], ['outage', outage], ['crash', crash], ['page', page], ['attachments', attachments]] as const) {
    if (!PHASES.has(name)) continue;
    try {
      await phase(pgs);
    } catch (error) {
      failed = true;
      report.missing(name, 'see above', (error as Error).message.split('\n')[0]!);
      console.error(error);
    }
  }
  await cleanup.runAll();
  console.log(`\n${report.table()}`);
  process.exit(failed ? 1 : 0);
}

void main();
