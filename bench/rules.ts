/**
 * Routing bench (targets of the routing issue), in one run:
 *
 *   npm run bench:rules
 *
 * 1. evaluate  500 rules + 50 queues × 20 keywords against 4 KB messages: facts + decision per
 *              message, median and p99 (targets ≤ 0.2 ms, ≤ 1 ms). The rule mix is printed.
 * 2. ingest    the real ingest command (parse, classify, thread, route, one transaction) on the
 *              project's embedded PostgreSQL with durable settings: the same messages into a database
 *              without rules and one with that rule set, interleaved in rounds so drift hits both
 *              alike; throughput with rules ≥ 90% of without.
 *
 * BENCH_RULES_INGEST=<n> sets the messages per database (default 1,500).
 */
import 'reflect-metadata';
import { PassThrough } from 'node:stream';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/env.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { Queue, Rule } from '../src/entities/index.js';
import { Door } from '../src/entities/enums.js';
import { ingestMessage, type IngestContext } from '../src/ingest/ingest-message.js';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../src/ingest/parse.js';
import { resolveSecret } from '../src/ingest/secret.js';
import type { ParsedMessage } from '../src/ingest/types.js';
import { createLogger } from '../src/log.js';
import { FactView, RegexPrefilter } from '../src/routing/conditions.js';
import { decide, type RuleSet } from '../src/routing/decide.js';
import { messageFacts } from '../src/routing/facts.js';
import { KeywordIndex } from '../src/routing/keywords.js';
import { compileStoredRule } from '../src/routing/rule-set.js';
import { benchMessage, KEYWORDS_PER_QUEUE, MIX, QUEUES, queueDefinitions, RULES, ruleDefinitions, type StoredRule } from './lib/rule-fixtures.js';
import { startBenchPostgres } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { fmt, summarize } from './lib/stats.js';
import { Cleanup, now, tempDir } from './lib/util.js';

const MESSAGES = 200;
const WARMUP = 2_000;
const EVALUATIONS = 20_000;
const INGEST_PER_DATABASE = Number(process.env.BENCH_RULES_INGEST ?? 1_500);
const INGEST_ROUND = 250;

const report = new Report();
const cleanup = new Cleanup();

async function evaluatePhase(rules: StoredRule[]): Promise<void> {
  console.log(`\n[1/2] evaluate: ${RULES} rules + ${QUEUES} queues × ${KEYWORDS_PER_QUEUE} keywords against ${MESSAGES} different 4 KB messages`);
  for (const [count, what] of MIX) console.log(`      ${String(count).padStart(3)} × ${what}`);
  const queues = queueDefinitions();
  const prefilter = new RegexPrefilter();
  const ruleSet: RuleSet = {
    rules: rules.map((r) => compileStoredRule(r, prefilter)!),
    prefilter,
    queues: queues.map((q) => ({ name: q.name, emailAddress: null, defaultAssignee: null })),
    keywords: new KeywordIndex(queues),
    categories: new Map(),
    defaultQueue: 'General',
  };
  const parsed: ParsedMessage[] = [];
  for (let i = 0; i < MESSAGES; i++) parsed.push(await parseMessage(benchMessage(i), DEFAULT_ATTACHMENT_POLICY));
  const mailbox = { name: 'support', address: 'support@example.com' };
  let matched = 0;
  for (let i = 0; i < WARMUP; i++) decide(ruleSet, messageFacts(parsed[i % MESSAGES]!, mailbox), { emergency: false });
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < EVALUATIONS; i++) {
    const message = parsed[i % MESSAGES]!;
    const start = now();
    const decision = decide(ruleSet, messageFacts(message, mailbox), { emergency: false });
    samples.push(now() - start);
    matched += decision.matchedRules.length;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const s = summarize(samples);
  console.log(`      ${fmt(EVALUATIONS)} evaluations, ${fmt(matched / EVALUATIONS, 2)} rules matched per message on average`);
  // Where the time goes: the two halves on their own (medians).
  const part = (run: (message: ParsedMessage) => void) => {
    const times: number[] = [];
    for (let i = 0; i < EVALUATIONS / 4; i++) {
      const message = parsed[i % MESSAGES]!;
      const start = now();
      run(message);
      times.push(now() - start);
    }
    return summarize(times).p50;
  };
  const keywordsOnly = part((m) => ruleSet.keywords.match(m.subject, m.text));
  const rulesOnly = part((m) => {
    const view = new FactView(messageFacts(m, mailbox), prefilter);
    for (const rule of ruleSet.rules) rule.test(view);
  });
  console.log(`      medians: keyword matching ${fmt(keywordsOnly * 1000, 1)} µs, rule conditions ${fmt(rulesOnly * 1000, 1)} µs`);
  const ms = (v: number) => `${fmt(v, 3)} ms`;
  report.add('evaluate: median per message', ms(s.p50), 'target ≤ 0.2 ms', s.p50 <= 0.2);
  report.add('evaluate: p99 per message', ms(s.p99), 'target ≤ 1 ms', s.p99 <= 1);
  report.add('evaluate: mean / max', `${ms(s.mean)} / ${ms(s.max)}`, 'info', null);
  // CPU time is what the evaluation costs; wall time also counts waiting for a core on a busy machine.
  report.add('evaluate: CPU time per message (mean)', ms((cpu.user + cpu.system) / 1000 / EVALUATIONS), 'info', null);
}

interface IngestTarget {
  name: string;
  orm: Orm;
  context: IngestContext;
  seconds: number;
  count: number;
}

async function ingestPhase(rules: StoredRule[]): Promise<void> {
  console.log(`\n[2/2] ingest: ${fmt(INGEST_PER_DATABASE)} × 4 KB messages into a database without rules and one with the rule set, in rounds of ${INGEST_ROUND}`);
  const pg = await startBenchPostgres();
  cleanup.add('PostgreSQL', () => pg.stop());
  const durability = await pg.durability();
  console.log(`      PostgreSQL: ${Object.entries(durability).map(([k, v]) => `${k}=${v}`).join(', ')}`);

  const targets: IngestTarget[] = [];
  for (const name of ['without rules', 'with rules']) {
    const url = await pg.createDatabase(`bench_rules_${targets.length}`);
    const dataDir = tempDir('postdesk-bench-rules-');
    const config = loadConfig({ DATABASE_URL: url, DATA_DIR: dataDir, SUPPORT_ADDRESS: 'support@example.com', SENDER_RATE_LIMIT: '100000/10m', LOG_LEVEL: 'warn' });
    const orm = await openOrm(url);
    cleanup.add(`ORM ${name}`, () => orm.close());
    await migrate(orm);
    await bootstrap(orm.em.fork(), config);
    if (name === 'with rules') {
      const em = orm.em.fork();
      for (const q of queueDefinitions()) {
        const queue = new Queue(q.name);
        queue.keywords = q.keywords;
        em.persist(queue);
      }
      rules.forEach((r, i) => em.persist(new Rule(r.name, i, r.conditions, r.actions)));
      await em.flush();
    }
    const secret = await resolveSecret(config, orm.em.fork());
    targets.push({ name, orm, context: { config, secret, log: createLogger('warn', new PassThrough()) }, seconds: 0, count: 0 });
  }

  let seq = 0;
  for (let done = 0; done < INGEST_PER_DATABASE; done += INGEST_ROUND) {
    const round = Array.from({ length: Math.min(INGEST_ROUND, INGEST_PER_DATABASE - done) }, () => benchMessage(MESSAGES + seq++));
    // Alternate which database goes first, so neither always runs on a warmer cache.
    const order = (done / INGEST_ROUND) % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const start = now();
      for (const raw of round) {
        const outcome = await ingestMessage(target.orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, target.context);
        if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      }
      target.seconds += (now() - start) / 1000;
      target.count += round.length;
    }
  }
  const [without, withRules] = targets as [IngestTarget, IngestTarget];
  const rate = (t: IngestTarget) => t.count / t.seconds;
  const routed = await withRules.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ticket_event where kind = 'queue' and actor_label like 'rule:%'`);
  console.log(`      tickets routed by a rule in the rule-set database: ${fmt(Number(routed[0]?.n ?? 0))} of ${fmt(withRules.count)}`);
  report.add('ingest without rules', `${fmt(rate(without), 1)} msg/s`, 'info', null);
  report.add('ingest with 500 rules + 1,000 keywords', `${fmt(rate(withRules), 1)} msg/s`, 'info', null);
  const ratio = rate(withRules) / rate(without);
  report.add('ingest throughput with rules / without', `${fmt(ratio * 100, 1)} %`, 'target ≥ 90 %', ratio >= 0.9);
}

async function main(): Promise<void> {
  cleanup.installSignalHandlers();
  const rules = ruleDefinitions();
  try {
    await evaluatePhase(rules);
    await ingestPhase(rules);
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
