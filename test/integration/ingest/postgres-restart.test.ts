/**
 * F4: PostgreSQL restarted, in fast (SIGINT) and immediate (SIGQUIT: no checkpoint, crash recovery
 * on the next start) mode, six times while the gateway ingests 300 messages from a real Dovecot.
 * The server is this test's own embedded PostgreSQL, reached through a fault proxy so the gateway
 * keeps one address when the server comes back on another port (as database-down.test.ts does).
 *
 * Figures: 0 lost, 0 duplicates; every message the IMAP server shows as marked while the database
 * is down has its record (commit first, mark second); /healthz 200 at every sample throughout;
 * /readyz 503 while the database is down and 200 once it is back; and the gateway still stops.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmbeddedDatabase } from '../../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { buildMail } from '../../harness/mail.js';
import { appendAll, count, databaseUrlVia, duplicateSubjects, hasPostdeskMark, jsonLines, portOf, serverFlags, ownDatabaseDir, startOwnDatabase, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[postgres-restart.test] ${DOVECOT_SKIP_REASON}`);

const CYCLES = ['fast', 'immediate', 'fast', 'immediate', 'fast', 'immediate'] as const;
const PER_CYCLE = 50;
const TOTAL = CYCLES.length * PER_CYCLE;

const dir = ownDatabaseDir('postdesk-f4-');
let dovecot: Dovecot | null = null;
let database: EmbeddedDatabase | null = null;
let proxy: FaultProxy | null = null;
let app: TestApp | null = null;
let sampler: NodeJS.Timeout | null = null;

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  await app?.stop();
  await proxy?.close();
  await database?.stop();
  await dovecot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const startDatabase = () => startOwnDatabase(dir);

/** Immediate shutdown: SIGQUIT to the postmaster, which makes every backend exit without a checkpoint. */
async function stopImmediately(): Promise<void> {
  const pid = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
  await until(async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 'postmaster gone after SIGQUIT', 30);
}


describe.skipIf(!dovecotAvailable())('PostgreSQL restarted during ingest (F4)', () => {
  it('loses and duplicates nothing over fast and immediate restarts; /healthz stays 200, /readyz is 503 while down', { timeout: 240_000 }, async () => {
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    database = await startDatabase();
    proxy = await startFaultProxy(portOf(database.url));
    app = await startTestApp(
      { MAILBOXES: JSON.stringify([{ name: 'f4', url: dovecot.imapUrl(user), address: 'support@example.com' }]), SUPPORT_ADDRESS: 'support@example.com', SENDER_RATE_LIMIT: '100000/10m' },
      databaseUrlVia(database.url, proxy.port),
    );
    const gateway = app;
    const databaseUrl = gateway.databaseUrl;
    await until(async () => gateway.app.state.mailboxes.get('f4')?.state === 'connected', 'mailbox connected');

    const health = { samples: 0, failures: 0 };
    sampler = setInterval(() => {
      fetch(`${gateway.url}/healthz`).then(
        (r) => {
          health.samples++;
          if (r.status !== 200) health.failures++;
        },
        () => {
          health.samples++;
          health.failures++;
        },
      );
    }, 200);
    const readyStatus = async () => (await fetch(`${gateway.url}/readyz`)).status;
    const receipts = () => count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f4'`);

    const markedWhileDown = new Set<number>();
    let appended = 0;
    for (const [cycle, mode] of CYCLES.entries()) {
      const before = await receipts();
      const batch: Buffer[] = [];
      for (let i = 0; i < PER_CYCLE; i++) batch.push(await buildMail({ from: `c${i % 20}@customer.test`, subject: `f4 ${appended + i}` }));
      await appendAll(dovecot, user, batch.slice(0, PER_CYCLE - 15));
      // Stop the server while ingest is under way (some of the batch committed, not all).
      await until(async () => (await receipts()) > before, `cycle ${cycle}: ingest under way`);
      if (mode === 'fast') await database.stop();
      else await stopImmediately();
      // More mail arrives while the database is down: it must wait, unmarked.
      await appendAll(dovecot, user, batch.slice(PER_CYCLE - 15));
      appended += PER_CYCLE;
      await until(async () => (await readyStatus()) === 503, `cycle ${cycle}: /readyz 503 while down`, 60);
      for (const [uid, flags] of await serverFlags(dovecot, user)) if (hasPostdeskMark(flags)) markedWhileDown.add(uid);

      database = await startDatabase();
      proxy.retarget(portOf(database.url));
      await until(async () => (await readyStatus()) === 200, `cycle ${cycle}: /readyz 200 after the restart`, 60);
    }

    await until(async () => (await receipts()) >= TOTAL, `${TOTAL} receipts`, 180);
    expect(await receipts()).toBe(TOTAL);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'f4 %'`)).toBe(TOTAL);
    expect(await duplicateSubjects(databaseUrl, 'f4 %')).toEqual([]);
    // Commit first, mark second: nothing the server showed as marked lacked its record.
    const recorded = new Set((await queryDatabase<{ uid: string }>(databaseUrl, `select uid::text from inbound_receipt where mailbox = 'f4'`)).map((r) => Number(r.uid)));
    expect([...markedWhileDown].filter((uid) => !recorded.has(uid))).toEqual([]);
    await until(async () => [...(await serverFlags(dovecot!, user)).values()].every(hasPostdeskMark), 'every message marked in the end');
    clearInterval(sampler);
    sampler = null;
    // Outages the gateway rides out on its own are warnings: an operator's alert on error lines stays quiet.
    expect(jsonLines(gateway.logLines()).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(health.samples).toBeGreaterThan(0);
    expect(health.failures).toBe(0);
    // A transaction cut by a restart once leaked its pooled connection, and the pool's end() (app.stop())
    // then waited forever (fixed in src/db/pool-release.ts): the gateway must still stop.
    const stopped = await Promise.race([gateway.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    expect(stopped, 'app.stop() finished within 15 s').toBe(true);
    app = null;
    console.info(
      `[F4] ${CYCLES.length} PostgreSQL restarts (${CYCLES.join(', ')}) during ${TOTAL} messages: ${TOTAL} ingested, 0 lost, 0 duplicates; ` +
        `${markedWhileDown.size} marked on the server while down, all with records; /healthz ${health.samples - health.failures}/${health.samples} 200; /readyz 503 in every outage`,
    );
  });
});
