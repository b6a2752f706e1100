/**
 * D2: the database fails between parse and commit. The gateway runs against a PostgreSQL server of
 * this test's own (embedded), reached through a fault proxy so it keeps one address when the server
 * is restarted on another port. The server is stopped for real while 100 messages wait in the
 * mailbox: the poller fetches and parses them, the commit fails, and not one message may carry a
 * postdesk mark on the IMAP server. Once PostgreSQL is back: 100 ingested, none twice.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmbeddedDatabase } from '../../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { buildMail } from '../../harness/mail.js';
import { count, databaseUrlVia, duplicateSubjects, hasPostdeskMark, jsonLines, portOf, serverFlags, ownDatabaseDir, startOwnDatabase, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[database-down.test] ${DOVECOT_SKIP_REASON}`);

const MESSAGES = 100;
const dir = ownDatabaseDir('postdesk-d2-');
let dovecot: Dovecot | null = null;
let database: EmbeddedDatabase | null = null;
let proxy: FaultProxy | null = null;
let app: TestApp | null = null;

afterAll(async () => {
  await app?.stop();
  await proxy?.close();
  await database?.stop();
  await dovecot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const startDatabase = () => startOwnDatabase(dir);

describe.skipIf(!dovecotAvailable())('PostgreSQL down while mail waits (D2)', () => {
  it('leaves 100/100 messages unmarked while the database is down, then ingests each once', { timeout: 300_000 }, async () => {
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    database = await startDatabase();
    proxy = await startFaultProxy(portOf(database.url));
    app = await startTestApp(
      { MAILBOXES: JSON.stringify([{ name: 'd2', url: dovecot.imapUrl(user), address: 'support@example.com' }]), SUPPORT_ADDRESS: 'support@example.com', SENDER_RATE_LIMIT: '1000/10m' },
      databaseUrlVia(database.url, proxy.port),
    );
    const gateway = app;
    await until(async () => gateway.app.state.mailboxes.get('d2')?.state === 'connected', 'mailbox connected');

    // Stop the server for real (fast shutdown: open sessions are terminated), then the mail arrives.
    await database.stop();
    for (let i = 0; i < MESSAGES; i++) await dovecot.append(user, await buildMail({ from: `c${i % 10}@customer.test`, subject: `d2 ${i}` }));

    // The poller fetched and parsed the mail; its commit failed on storage (storage: true), then
    // it keeps retrying the session. Each retry is a chance to mark wrongly: wait for several.
    const failures = () => jsonLines(gateway.logLines()).filter((l) => l.msg === 'mailbox session ended; reconnecting');
    await until(async () => failures().some((l) => l.storage === true), 'a commit failing on storage');
    await until(async () => failures().length >= 3, 'three failed sessions');
    const whileDown = await serverFlags(dovecot, user);
    expect(whileDown.size).toBe(MESSAGES);
    expect([...whileDown.values()].filter(hasPostdeskMark).length).toBe(0);
    const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { ready: boolean; database: string };
    expect(ready).toMatchObject({ ready: false, database: 'unreachable' });

    // PostgreSQL is back (on a new port, behind the same proxy address).
    database = await startDatabase();
    proxy.retarget(portOf(database.url));
    await until(async () => (await count(gateway.databaseUrl, `select 1 from inbound_receipt where mailbox = 'd2'`)) >= MESSAGES, `${MESSAGES} receipts`);
    expect(await count(gateway.databaseUrl, `select 1 from ticket where subject like 'd2 %'`)).toBe(MESSAGES);
    expect(await duplicateSubjects(gateway.databaseUrl, 'd2 %')).toEqual([]);
    expect(await count(gateway.databaseUrl, `select 1 from inbound_receipt where mailbox = 'd2'`)).toBe(MESSAGES);
    expect(await count(gateway.databaseUrl, `select 1 from message where direction = 'INBOUND'`)).toBe(MESSAGES);
    await until(async () => [...(await serverFlags(dovecot!, user)).values()].every(hasPostdeskMark), 'every message marked after the commit');
    // Waiting out the outage is the gateway's job, not an error for the operator.
    expect(jsonLines(gateway.logLines()).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    console.info(`[D2] while down: ${whileDown.size} waiting, 0 marked, ${failures().length} failed sessions; after: ${MESSAGES} ingested, 0 duplicates`);
  });
});
