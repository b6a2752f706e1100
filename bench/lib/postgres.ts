/**
 * A PostgreSQL server for benches: the project's own embedded server (dist/src/db/embedded.js, so
 * `npm run build` first), with its DEFAULT durable settings (fsync on): benches measure what users get.
 * One database per phase via createDatabase(); the gateway migrates it on start.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { removeDir, ROOT, tempDir } from './util.js';

/** The slice of dist/src/db/embedded.js and dist/src/log.js the bench uses (dist has no .d.ts). */
interface EmbeddedModule {
  startEmbeddedDatabase(dataDir: string, log: unknown, adopt?: boolean, serverSettings?: readonly string[]): Promise<{ url: string; stop(): Promise<void> }>;
}
interface LogModule {
  createLogger(level: string): unknown;
}

export interface BenchPostgres {
  /** postgres:// URL of the server's `postdesk` database. */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Settings that decide durability, as the server reports them (for the printed header). */
  durability(): Promise<Record<string, string>>;
  /**
   * Server-wide counters for "where does the time go": WAL fsyncs (pg_stat_io, PostgreSQL 16+) and
   * committed transactions per database. Counters are flushed by backends within about a second.
   */
  counters(): Promise<{ walFsyncs: number; commits: Record<string, number> }>;
  stop(): Promise<void>;
}

/** A module of the built project (dist has no .d.ts: callers name the slice they use). */
export const distModule = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(ROOT, 'dist', path)).href)) as T;

export const portOf = (url: string): number => Number(new URL(url).port);

export type EmbeddedServer = { url: string; stop(): Promise<void> };

/**
 * For a phase that stops PostgreSQL for real: a function that starts the embedded server in `dir`
 * (default, durable settings), and starts it again after a stop (on a new port; crash recovery
 * after an immediate shutdown).
 */
export async function embeddedServerStarter(dir: string): Promise<() => Promise<EmbeddedServer>> {
  const { startEmbeddedDatabase } = await distModule<EmbeddedModule>('src/db/embedded.js');
  const { createLogger } = await distModule<LogModule>('src/log.js');
  return () => startEmbeddedDatabase(dir, createLogger('warn'), true, []);
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const { startEmbeddedDatabase } = await distModule<EmbeddedModule>('src/db/embedded.js');
  const { createLogger } = await distModule<LogModule>('src/log.js');
  const dataDir = tempDir('postdesk-bench-pg-');
  let server: { url: string; stop(): Promise<void> };
  try {
    server = await startEmbeddedDatabase(dataDir, createLogger('warn'));
  } catch (error) {
    removeDir(dataDir);
    throw error;
  }
  const urlFor = (database: string) => {
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const query = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    client.on('error', () => undefined); // the awaited query reports it
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    url: server.url,
    urlFor,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await query(`create database ${name}`);
      return urlFor(name);
    },
    async durability() {
      const rows = await query<{ name: string; setting: string }>(
        `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method') order by name`,
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    },
    async counters() {
      let walFsyncs = Number.NaN;
      try {
        const rows = await query<{ n: string | null }>(`select sum(fsyncs) as n from pg_stat_io where object = 'wal'`);
        walFsyncs = Number(rows[0]?.n ?? Number.NaN);
      } catch {
        // older server without WAL rows in pg_stat_io
      }
      const rows = await query<{ datname: string; xact_commit: string }>('select datname, xact_commit from pg_stat_database where datname is not null');
      return { walFsyncs, commits: Object.fromEntries(rows.map((r) => [r.datname, Number(r.xact_commit)])) };
    },
    async stop() {
      try {
        await server.stop();
      } finally {
        removeDir(dataDir);
      }
    },
  };
}
