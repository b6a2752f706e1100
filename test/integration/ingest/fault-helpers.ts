/**
 * Small helpers shared by the fault tests of this folder (D2, D10, M10, F2, F12, F13, F16): what the
 * IMAP server holds for a user, and counts read straight from a test database.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ImapFlow } from 'imapflow';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../../src/db/embedded.js';
import { createLogger } from '../../../src/log.js';
import type { Dovecot, DovecotUser } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';

/** One IMAP session for many APPENDs to INBOX (the harness's append() logs in once per message). */
export async function appendAll(dovecot: Dovecot, user: DovecotUser, messages: Buffer[]): Promise<void> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    for (const raw of messages) await client.append('INBOX', raw);
  } finally {
    await client.logout();
  }
}

/** A temp dir for startOwnDatabase: enterable by the "postgres" user the server runs as when tests run as root. */
export function ownDatabaseDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * An embedded PostgreSQL server of the test's own under `dir` (reachable by the "postgres" user),
 * to stop and start for real. Throwaway data: durability off for speed, as the harness's shared
 * server runs.
 */
export function startOwnDatabase(dir: string): Promise<EmbeddedDatabase> {
  return startEmbeddedDatabase(dir, createLogger('warn', new PassThrough()), true, ['fsync=off', 'full_page_writes=off']);
}

export const portOf = (url: string): number => Number(new URL(url).port);

/** `databaseUrl` reached through a fault proxy on `proxyPort`, so a restarted server keeps one address. */
export function databaseUrlVia(databaseUrl: string, proxyPort: number): string {
  const url = new URL(databaseUrl);
  url.port = String(proxyPort);
  return url.toString();
}

/** Flags of every message in a folder, by UID, read directly from Dovecot (never through a proxy). */
export async function serverFlags(dovecot: Dovecot, user: DovecotUser, folder = 'INBOX'): Promise<Map<number, Set<string>>> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    await client.mailboxOpen(folder);
    const flags = new Map<number, Set<string>>();
    for await (const m of client.fetch('1:*', { uid: true, flags: true }, { uid: true })) flags.set(m.uid, m.flags ?? new Set());
    return flags;
  } finally {
    await client.logout();
  }
}

/** True when a message carries any mark postdesk sets (\Seen, $Postdesk, $PostdeskQuarantined). */
export function hasPostdeskMark(flags: Set<string>): boolean {
  return flags.has('\\Seen') || [...flags].some((f) => f.startsWith('$Postdesk'));
}

/** `select count(*)` of a query. */
export async function count(databaseUrl: string, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await queryDatabase<{ n: string }>(databaseUrl, `select count(*)::text as n from (${sql}) counted`, params);
  return Number(rows[0]?.n);
}

/** Subjects (matching a LIKE pattern) that more than one ticket has: duplicates. */
export async function duplicateSubjects(databaseUrl: string, like: string): Promise<string[]> {
  const rows = await queryDatabase<{ subject: string }>(databaseUrl, 'select subject from ticket where subject like $1 group by subject having count(*) > 1', [like]);
  return rows.map((r) => r.subject);
}

/** The mailbox URL of a user, pointed at another port (a fault proxy in front of Dovecot). */
export function imapUrlVia(dovecot: Dovecot, user: DovecotUser, port: number): string {
  const url = new URL(dovecot.imapUrl(user));
  url.port = String(port);
  return url.toString();
}

/** Parsed JSON log lines of an app or a process. */
export function jsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Like eventually(), with a longer hang guard for stages that include reconnect backoff. */
export async function until(check: () => Promise<boolean>, what: string, seconds = 120): Promise<void> {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not reached within ${seconds} s: ${what}`);
}
