/**
 * createApp(config) -> { start, stop }. Importing this starts nothing; main.ts and the tests call
 * start() and stop(). Shutdown runs in reverse order of start: HTTP (finishing requests in
 * flight), then the ORM, then the embedded database.
 */
import type { Config } from './config/env.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';
import { checkDurability } from './db/durability.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { isTransientDatabaseError } from './db/transient.js';
import { AppError } from './errors.js';
import { buildGraphQLSchema } from './graphql/schema.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import type { Logger } from './log.js';
import { RuntimeState, type MailboxHealth } from './runtime-state.js';
import { startMailboxPoller, type MailboxPoller, type PrepareFn } from './ingest/doors/imap-poller.js';
import { startSmtpListener, type IngestFn, type SmtpListener } from './ingest/doors/smtp-listener.js';
import { commitIngest, prepareIngest } from './ingest/ingest-message.js';
import { LARGE_MESSAGE_BYTES, reclaimMemory, reclaimMemorySoon } from './memory.js';
import { resolveSecret } from './ingest/secret.js';
import { startOutboundWorker, type OutboundWorker } from './outbound/worker.js';
import { checkTemplates } from './outbound/templates.js';

export interface StartResult {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly bootstrap: BootstrapResult;
  /** Port of the SMTP door, or null when SMTP_INBOUND_PORT is 0 (or start-up was cut short). */
  readonly smtpPort: number | null;
}

export interface App {
  readonly state: RuntimeState;
  /** Listens, then waits (retrying with backoff) until the database is ready. */
  start(): Promise<StartResult>;
  stop(): Promise<void>;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export function createApp(config: Config, log: Logger): App {
  const state = new RuntimeState();
  let http: HttpServer | null = null;
  let embedded: EmbeddedDatabase | null = null;
  let orm: Orm | null = null;
  let smtp: SmtpListener | null = null;
  let outbound: OutboundWorker | null = null;
  const pollers: MailboxPoller[] = [];
  let stopping = false;
  let wakeRetry: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Connects, migrates and bootstraps; retries transient failures with backoff until stopped. */
  async function connectDatabase(url: string): Promise<BootstrapResult | null> {
    for (let attempt = 1, delay = RETRY_FIRST_MS; !stopping; attempt++) {
      try {
        orm = await openOrm(url);
        const applied = await migrate(orm);
        if (applied.length > 0) log.info({ component: 'db', migrations: applied }, 'migrations applied');
        const em = orm.em.fork();
        const result = await bootstrap(em, config);
        state.durabilityProblem = config.requireDurableDatabase ? await checkDurability(em) : null;
        if (state.durabilityProblem) log.error({ component: 'db' }, state.durabilityProblem);
        state.databaseProblem = null;
        return result;
      } catch (error) {
        await orm?.close(true).catch(() => undefined);
        orm = null;
        if (!(error instanceof AppError && error.kind === 'transient') && !isTransientDatabaseError(error)) throw error;
        state.databaseProblem = (error as Error).message;
        const wait = Math.round(delay * (0.5 + Math.random() / 2));
        log.warn({ component: 'db', attempt, retryInMs: wait, reason: state.databaseProblem }, 'database unreachable; retrying');
        await sleep(wait);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
    return null;
  }

  return {
    state,
    async start() {
      const { unknownFiles } = checkTemplates(config.outbound.templatesDir);
      if (unknownFiles.length > 0) log.warn({ component: 'outbound', files: unknownFiles }, 'TEMPLATES_DIR holds files or phrases that replace nothing (a misspelt name?); they are not used');
      const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedDatabase(config.dataDir, log.child({ component: 'embedded-postgres' }))).url;
      http = await createHttpServer(config, state, await buildGraphQLSchema(), log);
      const address = await http.fastify.listen({ host: config.host, port: config.port });
      const result = await connectDatabase(databaseUrl);
      if (orm && !stopping) {
        const ready = orm;
        const secret = await resolveSecret(config, ready.em.fork());
        state.secret = secret;
        const ingestLog = log.child({ component: 'ingest' });
        const context = { config, secret, log: ingestLog };
        const prepare: PrepareFn = async (raw, provenance, retryOf) => {
          const ctx = retryOf ? { ...context, retryOf } : context;
          // A large message gets memory back once parsed (the parser's garbage, before the bytes
          // go to PostgreSQL) and after its commit (memory.ts).
          const large = raw.length >= LARGE_MESSAGE_BYTES;
          const prepared = await prepareIngest(raw, provenance, ctx);
          if (large) reclaimMemory();
          return () => {
            if (state.durabilityProblem) throw new AppError('STORAGE_UNAVAILABLE', state.durabilityProblem, 'transient');
            const outcome = commitIngest(ready, prepared, ctx);
            if (large) void outcome.then(reclaimMemorySoon, reclaimMemorySoon);
            return outcome;
          };
        };
        const ingest: IngestFn = async (raw, provenance) => (await prepare(raw, provenance))();
        // The outbox worker first, so mail written by the doors is picked up at once.
        outbound = await startOutboundWorker({ orm: ready, databaseUrl, config, secret, log });
        // Only now is the gateway ready (/readyz, GraphQL, files): a mutation answered before the
        // worker ran wrote its mail without a job, sent only when the sweeper found it 20–50 s
        // later, and one answered before the secret was known signed its Message-ID with ''.
        state.orm = ready;
        if (config.smtpInboundPort !== 0) smtp = await startSmtpListener(config, ingest, log.child({ component: 'smtp-in' }));
        for (const mailbox of config.mailboxes) {
          const health = (h: MailboxHealth) => state.mailboxes.set(mailbox.name, { ...h });
          pollers.push(startMailboxPoller(mailbox, { orm: ready, databaseUrl, config, prepare, log, health }));
        }
      }
      return { url: address, bootstrap: result ?? { newAdminToken: null, adminTokenFile: null }, smtpPort: smtp?.port ?? null };
    },
    async stop() {
      stopping = true;
      wakeRetry?.();
      // Doors first: stop taking mail, let messages in flight commit.
      await Promise.all([smtp?.stop(), ...pollers.map((p) => p.stop())]);
      // Apollo's drain plugin closes fastify, letting requests in flight finish.
      await http?.apollo.stop();
      // Mail being sent finishes; anything still queued stays in the outbox for the next start.
      await outbound?.stop();
      state.orm = null;
      await orm?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the database pool failed'));
      await embedded?.stop();
    },
  };
}

