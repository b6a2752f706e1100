/**
 * Mutation fuzzing of the whole inbound pipeline (TESTPLAN M1), a run for the night, not for CI:
 *
 *   npm run fuzz:pipeline            (FUZZ_SECONDS=3600 by default)
 *
 * Seeds: ../shared/corpus (when it is there), test/fixtures/eml and a few generated messages with
 * attachments. Each input is a seed with one to three mutations (bench/lib/mutate.ts), most with a
 * fresh Message-ID so de-duplication does not hide it, some steered into replies, automatic mail
 * or the emergency address, and some made bounces of mail postdesk queued. A child process
 * (bench/lib/fuzz-worker.ts) runs the real ingest command on the project's embedded PostgreSQL
 * with durable settings and the routing bench's 500 rules: parse, sanitise, classify, thread,
 * route, store, and queue the notifications.
 *
 * Targets (M1): 0 uncaught exceptions, 0 process deaths (a hang past FUZZ_TIMEOUT_MS counts as
 * one), every input ends as ticket, comment, note or quarantine with its raw bytes stored
 * byte-identical (or as a duplicate: an earlier input's Message-ID and content); per-message
 * time p99 ≤ 1 s, max ≤ 5 s; the worker's peak RSS ≤ 512 MB. Every failing input is written to
 * FUZZ_OUT (a temp folder by default, kept) with what was done to it. FUZZ_SEED reproduces a
 * run; FUZZ_REPLAY=<file or folder> runs kept inputs again, as they are, after a fix.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestOutcome } from '../src/ingest/ingest-message.js';
import { emlFiles } from '../test/harness/eml-files.js';
import { connectPg } from './lib/phases.js';
import type { FuzzReply, FuzzRequest } from './lib/fuzz-worker.js';
import { startScript } from './lib/gateway.js';
import { attachmentMail, pdfLike, prng, textMail } from './lib/mail.js';
import { mutate, steer, withMessageId } from './lib/mutate.js';
import { startBenchPostgres } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { readProcMemory, RssSampler } from './lib/rss.js';
import { fmt, fmtMiB, fmtMs, summarize } from './lib/stats.js';
import { Cleanup, now, removeDir, ROOT, tempDir } from './lib/util.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3600);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31));
const TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 30_000);
const OUT = process.env.FUZZ_OUT ?? tempDir('postdesk-fuzz-');
/** A kept .eml (or a folder of them) to run through the pipeline again, unmutated, instead of fuzzing. */
const REPLAY = process.env.FUZZ_REPLAY ?? null;
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
/** A delivery report whose returned headers name a Message-ID; bounces of mail postdesk sent are made from it. */
const DSN_TEMPLATE = join(ROOT, 'test', 'fixtures', 'eml', 'dsn-failed-recipient.eml');
const DSN_RETURNED_ID = 'pd.42.7.abcdef@desk.example';
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'fuzz-worker.js');
const STATUS_EVERY_MS = 30_000;
const TARGETS = { p99Ms: 1000, maxMs: 5000, rssBytes: 512 * 1024 * 1024 };

const report = new Report();
const cleanup = new Cleanup();

function seedMessages(): Buffer[] {
  const corpus = emlFiles(CORPUS);
  if (corpus.length === 0) console.warn(`  ${CORPUS} is absent: fuzzing from the project's own fixtures only`);
  const fixtures = emlFiles(join(ROOT, 'test', 'fixtures', 'eml'));
  const generated = [
    ...Array.from({ length: 5 }, (_, i) => textMail({ from: `Customer ${i} <c${i}@customer.test>`, subject: `Printer broken ${i}`, size: 4096, seed: i + 1, messageId: `seed${i}@customer.test` })),
    attachmentMail({ from: 'a@customer.test', subject: 'invoice attached', filename: 'invoice.pdf', contentType: 'application/pdf', content: pdfLike(30_000) }),
    attachmentMail({ from: 'b@customer.test', subject: 'screenshot', filename: 'shot.png', contentType: 'image/png', content: Buffer.from('\x89PNG\r\n\x1a\n' + 'x'.repeat(5000), 'latin1') }),
  ];
  console.log(`  seeds: ${corpus.length} from the shared corpus, ${fixtures.length} fixtures, ${generated.length} generated`);
  return [...[...corpus, ...fixtures].map((path) => readFileSync(path)), ...generated];
}

type Answer = { kind: 'reply'; reply: Extract<FuzzReply, { i: number }> } | { kind: 'death'; status: string; fatal: string | null } | { kind: 'hang' };

/** The child that ingests; replaced after a death or a hang. */
class Worker {
  private child: ChildProcess | null = null;
  private sampler: RssSampler | null = null;
  private fatal: string | null = null;
  private waiting: ((answer: Answer) => void) | null = null;
  peakRss = 0;

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    // With npm start's heap limit and allocator setting, so its memory is what a gateway's would be.
    const { env, nodeFlags } = startScript();
    const child = fork(WORKER, [], { execArgv: nodeFlags, env: { PATH: process.env.PATH ?? '', ...env, ...this.env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.fatal = null;
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FuzzReply) => {
        if ('ready' in message) resolve();
        else if ('fatal' in message) this.fatal = message.fatal;
        else this.answer({ kind: 'reply', reply: message });
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`fuzz worker exited before it was ready (${code ?? signal})`));
        this.answer({ kind: 'death', status: String(code ?? signal), fatal: this.fatal });
      });
    });
    await ready;
    this.sampler = new RssSampler(child.pid!, 100).start();
  }

  private answer(answer: Answer): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(answer);
  }

  ingest(request: FuzzRequest): Promise<Answer> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer({ kind: 'hang' }), TIMEOUT_MS);
      this.waiting = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
      this.child!.send(request);
    });
  }

  /** The worker's resident set size now (NaN between workers). */
  rss(): number {
    return this.child?.pid ? (readProcMemory(this.child.pid)?.rss ?? Number.NaN) : Number.NaN;
  }

  async stop(): Promise<void> {
    if (this.sampler) this.peakRss = Math.max(this.peakRss, this.sampler.stop().peakHwm);
    this.sampler = null;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

interface Stored {
  readonly i: number;
  readonly sha256: string;
  readonly table: 'message' | 'quarantined_message';
  readonly id: number;
}

async function main(): Promise<void> {
  cleanup.installSignalHandlers();
  mkdirSync(OUT, { recursive: true });
  const replay = REPLAY ? (statSync(REPLAY).isDirectory() ? emlFiles(REPLAY) : [REPLAY]) : null;
  console.log(
    replay
      ? `== pipeline fuzzing (TESTPLAN M1): replaying ${replay.length} kept inputs from ${REPLAY}, failures to ${OUT}`
      : `== pipeline fuzzing (TESTPLAN M1): ${SECONDS} s, FUZZ_SEED=${SEED}, failures to ${OUT}`,
  );
  const seeds = seedMessages();
  const pg = await startBenchPostgres();
  cleanup.add('PostgreSQL', () => pg.stop());
  const url = await pg.createDatabase('fuzz');
  const dataDir = tempDir('postdesk-fuzz-data-');
  cleanup.add('data folder', () => removeDir(dataDir)); // it holds the generated HMAC secret
  const worker = new Worker({ DATABASE_URL: url, DATA_DIR: dataDir });
  cleanup.add('fuzz worker', () => worker.stop());
  await worker.start();
  const db = await connectPg(url);
  cleanup.add('PostgreSQL client', () => db.end());
  const dsnTemplate = readFileSync(DSN_TEMPLATE, 'latin1');
  /** Message-IDs of mail postdesk queued lately: bounces of them reach the matched-bounce path. */
  let ours: string[] = [];

  const random = prng(SEED);
  const counts = new Map<string, number>();
  const reasons = new Map<string, number>();
  const failures = { uncaught: 0, deaths: 0, hangs: 0, errors: 0 };
  const times: number[] = [];
  const stored: Stored[] = [];
  const freshIds: string[] = [];
  const tickets: number[] = [];
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const keep = (i: number, raw: Buffer, what: string, detail: string) => {
    writeFileSync(join(OUT, `${what}-${i}.eml`), raw);
    writeFileSync(join(OUT, `${what}-${i}.txt`), `${detail}\n`);
    console.log(`  input ${i}: ${what}; kept as ${join(OUT, `${what}-${i}.eml`)}\n    ${detail.split('\n').slice(0, 6).join('\n    ')}`);
  };

  /** Input number i: a replayed file, or a mutant of a random seed. */
  const nextInput = (i: number): { raw: Buffer; what: string; fresh: string | null } => {
    if (replay) return { raw: readFileSync(replay[i - 1]!), what: `replay of ${replay[i - 1]}`, fresh: null };
    const bounced = ours.length > 0 && random() < 0.05 ? ours[Math.floor(random() * ours.length)]! : null;
    const seed = bounced ? Buffer.from(dsnTemplate.replace(DSN_RETURNED_ID, bounced), 'latin1') : seeds[Math.floor(random() * seeds.length)]!;
    const fresh = random() < 0.9 ? `fuzz-${SEED}-${i}@fuzz.invalid` : null;
    let input = fresh ? withMessageId(seed, fresh) : seed;
    input = steer(input, random, freshIds.length > 0 ? freshIds[Math.floor(random() * freshIds.length)]! : null, tickets.length > 0 ? tickets[Math.floor(random() * tickets.length)]! : null);
    const { message, applied } = random() < 0.1 ? { message: input, applied: ['none'] } : mutate(input, random, seeds);
    return { raw: message, what: `FUZZ_SEED=${SEED} input ${i}; ${bounced ? `a bounce of ${bounced}; ` : ''}mutations: ${applied.join(', ')}`, fresh };
  };

  const start = now();
  let lastStatus = start;
  let i = 0;
  while ((replay ? i < replay.length : now() - start < SECONDS * 1000) && !cleanup.aborted) {
    i++;
    if (i % 500 === 1) {
      const { rows } = await db.query<{ id: string }>(`select trim(both '<>' from message_id) as id from outbound_delivery where kind not like 'webhook%' order by id desc limit 100`);
      ours = rows.map((r) => r.id);
    }
    const { raw, what, fresh } = nextInput(i);

    const answer = await worker.ingest({ i, raw: raw.toString('base64') });
    if (answer.kind === 'reply') {
      times.push(answer.reply.ms);
      if ('error' in answer.reply) {
        failures.errors++;
        keep(i, raw, 'error', `${what}\n${answer.reply.error}`);
        continue;
      }
      const outcome: IngestOutcome = answer.reply.outcome;
      count(counts, outcome.kind);
      if (fresh) freshIds.push(fresh);
      const sha256 = createHash('sha256').update(raw).digest('hex');
      if (outcome.kind === 'quarantined') {
        count(reasons, outcome.code);
        // Kept, but not as expected: an exception the pipeline did not name. Worth a look.
        if (outcome.code === 'PIPELINE_ERROR') keep(i, raw, 'pipeline-error', `${what}\n${outcome.reason}`);
        stored.push({ i, sha256, table: 'quarantined_message', id: outcome.quarantineId });
      } else if (outcome.kind === 'ticket' || outcome.kind === 'comment' || outcome.kind === 'note') {
        stored.push({ i, sha256, table: 'message', id: outcome.messageRowId });
        if (outcome.kind === 'ticket') tickets.push(outcome.ticketNumber);
      } else if (outcome.kind === 'already-ingested') {
        keep(i, raw, 'already-ingested', `${what}\nthe pipe door has no provenance to be already ingested by`);
      }
    } else {
      if (answer.kind === 'hang') failures.hangs++;
      else if (answer.fatal) failures.uncaught++;
      else failures.deaths++;
      keep(i, raw, answer.kind, `${what}\n${answer.kind === 'death' ? `worker exit ${answer.status}\n${answer.fatal ?? ''}` : `no answer after ${TIMEOUT_MS} ms`}`);
      await worker.stop();
      await worker.start();
    }
    if (now() - lastStatus > STATUS_EVERY_MS) {
      lastStatus = now();
      const s = summarize(times);
      console.log(`  ${fmt((now() - start) / 1000)} s: ${fmt(i)} inputs (${fmt(i / ((now() - start) / 1000), 1)}/s), ${JSON.stringify(Object.fromEntries(counts))}; p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}; failures ${JSON.stringify(failures)}; worker RSS ${fmtMiB(worker.rss())}`);
    }
  }
  const seconds = (now() - start) / 1000;
  await worker.stop();

  // Byte-identical raw sources, read back through the rows the outcomes named.
  const mismatched: number[] = [];
  for (const table of ['message', 'quarantined_message'] as const) {
    const mine = stored.filter((s) => s.table === table);
    const rows = await db.query<{ id: number; sha256: string }>(
      `select t.id, encode(sha256(r.content), 'hex') as sha256 from ${table} t join raw_source r on r.id = t.raw_source_id where t.id = any($1::int[])`,
      [mine.map((s) => s.id)],
    );
    const byId = new Map(rows.rows.map((r) => [Number(r.id), r.sha256]));
    for (const s of mine) if (byId.get(s.id) !== s.sha256) mismatched.push(s.i);
  }

  console.log(`\n  outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);
  console.log(`  quarantine reasons: ${JSON.stringify(Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1])))}`);
  const s = summarize(times);
  const duplicates = counts.get('duplicate') ?? 0;
  const accounted = stored.length + duplicates;
  report.add('inputs', `${fmt(i)} in ${fmt(seconds)} s (${fmt(i / seconds, 1)}/s) from ${seeds.length} seeds`, 'info', null);
  report.add('uncaught exceptions', fmt(failures.uncaught), '0', failures.uncaught === 0);
  report.add('process deaths (hangs past the timeout)', `${fmt(failures.deaths + failures.uncaught + failures.hangs)} (${fmt(failures.hangs)})`, '0', failures.deaths + failures.uncaught + failures.hangs === 0);
  report.add('ingest errors (an input with no outcome)', fmt(failures.errors), '0', failures.errors === 0);
  report.add(
    'ticket, comment, note or quarantine, raw bytes stored',
    `${fmt(stored.length - mismatched.length)} of ${fmt(i)}, and ${fmt(duplicates)} duplicates of an earlier input (same Message-ID and content); ${fmt(mismatched.length)} raw sources differ`,
    '100 % (a duplicate\'s twin is stored)',
    accounted === i && mismatched.length === 0,
  );
  report.add('per-message time p99 / max', `${fmtMs(s.p99)} / ${fmtMs(s.max)} (p50 ${fmtMs(s.p50)})`, `≤ ${TARGETS.p99Ms} / ≤ ${TARGETS.maxMs} ms`, s.p99 <= TARGETS.p99Ms && s.max <= TARGETS.maxMs);
  report.add('worker peak RSS (VmHWM)', fmtMiB(worker.peakRss), '≤ 512 MB', worker.peakRss <= TARGETS.rssBytes);
  if (mismatched.length > 0) console.log(`  inputs whose stored raw source differs: ${mismatched.slice(0, 20).join(', ')}`);
}

main()
  .catch((error: unknown) => {
    console.error(`[fuzz] ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup.runAll();
    console.log(`\n${report.table()}`);
    if (report.failed) process.exitCode = 1;
  });
