/**
 * The pipeline fuzzer's child process (bench/fuzz-pipeline.ts forks it): the real ingest command —
 * parse, sanitise, classify, thread, route by rules and keywords, store, and queue the
 * notifications — against the database in DATABASE_URL. It answers each message the parent sends
 * with its outcome and the time it took. Its own process, so that a crash or a hang costs one
 * restart, and the parent can count them.
 */
import 'reflect-metadata';
import { PassThrough } from 'node:stream';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/env.js';
import { migrate, openOrm } from '../../src/db/orm.js';
import { Queue, Rule } from '../../src/entities/index.js';
import { Door } from '../../src/entities/enums.js';
import { ingestMessage, type IngestOutcome } from '../../src/ingest/ingest-message.js';
import { resolveSecret } from '../../src/ingest/secret.js';
import { createLogger } from '../../src/log.js';
import { queueDefinitions, ruleDefinitions } from './rule-fixtures.js';
import { now } from './util.js';

export interface FuzzRequest {
  readonly i: number;
  /** The message, base64. */
  readonly raw: string;
}

export type FuzzReply =
  | { readonly i: number; readonly ms: number; readonly outcome: IngestOutcome }
  | { readonly i: number; readonly ms: number; readonly error: string }
  | { readonly fatal: string }
  | { readonly ready: true };

const send = (reply: FuzzReply) => process.send!(reply);

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL!;
  const config = loadConfig({
    DATABASE_URL: url,
    DATA_DIR: process.env.DATA_DIR!,
    SUPPORT_ADDRESS: 'support@example.com',
    EMERGENCY_ADDRESS: 'emergency@example.com',
    SENDER_RATE_LIMIT: '1000000/10m',
    LOG_LEVEL: 'warn',
  });
  const orm = await openOrm(url);
  await migrate(orm);
  const em = orm.em.fork();
  await bootstrap(em, config);
  // The routing bench's 50 queues and 500 rules, once per database, so the fuzzed facts meet real rules.
  if ((await em.count(Rule, {})) === 0) {
    for (const q of queueDefinitions()) em.persist(Object.assign(new Queue(q.name), { keywords: q.keywords }));
    ruleDefinitions().forEach((r, i) => em.persist(new Rule(r.name, i, r.conditions, r.actions)));
    await em.flush();
  }
  const context = { config, secret: await resolveSecret(config, orm.em.fork()), log: createLogger('warn', new PassThrough()) };
  process.on('message', (request: FuzzRequest) => {
    const start = now();
    ingestMessage(orm, Buffer.from(request.raw, 'base64'), { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, context).then(
      (outcome) => send({ i: request.i, ms: now() - start, outcome }),
      (error: unknown) => send({ i: request.i, ms: now() - start, error: (error as Error)?.stack ?? String(error) }),
    );
  });
  send({ ready: true });
}

for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    send({ fatal: `${event}: ${(error as Error)?.stack ?? String(error)}` });
    setTimeout(() => process.exit(70), 100);
  });
}
process.on('disconnect', () => process.exit(0));
void main();
