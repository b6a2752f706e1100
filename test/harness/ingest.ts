/**
 * The ingest command on a fresh database, for pipeline tests that do not need a door: real
 * PostgreSQL, real parser, real classification.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import { migrate, openOrm, type Orm } from '../../src/db/orm.js';
import { Door } from '../../src/entities/enums.js';
import { ingestMessage, type IngestContext, type IngestOutcome, type Provenance } from '../../src/ingest/ingest-message.js';
import { resolveSecret } from '../../src/ingest/secret.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase } from './postgres.js';

export interface IngestHarness {
  readonly databaseUrl: string;
  readonly orm: Orm;
  readonly config: Config;
  readonly context: IngestContext;
  ingest(raw: Buffer, provenance?: Partial<Provenance>): Promise<IngestOutcome>;
  close(): Promise<void>;
}

/** @param databaseUrl an existing test database, to run a second instance (or a restart) against it */
export async function createIngestHarness(env: Record<string, string> = {}, databaseUrl?: string): Promise<IngestHarness> {
  databaseUrl ??= await createTestDatabase();
  // Its own DATA_DIR (the generated secret lands there) unless the test names one; removed on close.
  const ownDataDir = env.DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'postdesk-ingest-')) : null;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    DATA_DIR: ownDataDir ?? env.DATA_DIR!,
    SUPPORT_ADDRESS: 'support@example.com',
    EMERGENCY_ADDRESS: 'emergency@example.com',
    NODE_ENV: 'test',
    ...env,
  });
  const orm = await openOrm(databaseUrl);
  await migrate(orm);
  await bootstrap(orm.em.fork(), config);
  const secret = await resolveSecret(config, orm.em.fork());
  const context: IngestContext = { config, secret, log: createLogger('warn', new PassThrough()) };
  return {
    databaseUrl,
    orm,
    config,
    context,
    ingest: (raw, provenance = {}) =>
      ingestMessage(orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null, ...provenance }, context),
    async close() {
      await orm.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
