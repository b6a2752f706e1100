/**
 * Two gateways on one mailbox when the one-poller rule fails:
 *  - F12: the advisory lock switched off (MAILBOX_LEASE=off, a test-only switch): both poll and
 *    ingest at once, and the ledger's unique (mailbox, UIDVALIDITY, UID) and the Message-ID lock
 *    still keep every message single. The wasted work (fetched and parsed, then found ingested)
 *    is printed.
 *  - F13: a frozen leader (SIGSTOP) whose lease connection is killed: the follower takes over; the
 *    old leader, woken (SIGCONT), has its next commit refused by the fencing number and stops.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, MAIN, startProcess, type RunningProcess } from '../../harness/processes.js';
import { count, duplicateSubjects, hasPostdeskMark, jsonLines, serverFlags, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[lease-faults.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot;
const apps: TestApp[] = [];
const processes: RunningProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(2);
});
afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await Promise.all(apps.map((a) => a.stop()));
  await dovecot?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const committed = (lines: string[], outcome: string) => jsonLines(lines).filter((l) => l.msg === 'message committed' && l.outcome === outcome).length;

describe.skipIf(!dovecotAvailable())('two gateways on one mailbox', () => {
  it('duplicates nothing with the mailbox lock switched off: the unique keys hold (F12)', { timeout: 180_000 }, async () => {
    const user = dovecot.users[0]!;
    const MESSAGES = 200;
    for (let i = 0; i < MESSAGES / 2; i++) await dovecot.append(user, await buildMail({ from: `c${i % 20}@customer.test`, subject: `f12 ${i}` }));
    const databaseUrl = await createTestDatabase();
    const env = {
      MAILBOXES: JSON.stringify([{ name: 'f12', url: dovecot.imapUrl(user), address: 'support@example.com' }]),
      SUPPORT_ADDRESS: 'support@example.com',
      SENDER_RATE_LIMIT: '1000/10m',
      MAILBOX_LEASE: 'off',
    };
    const [a, b] = await Promise.all([startTestApp(env, databaseUrl), startTestApp(env, databaseUrl)]);
    apps.push(a!, b!);
    for (let i = MESSAGES / 2; i < MESSAGES; i++) await dovecot.append(user, await buildMail({ from: `c${i % 20}@customer.test`, subject: `f12 ${i}` }));
    await until(async () => (await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f12'`)) >= MESSAGES, `${MESSAGES} receipts`);
    await until(async () => [...(await serverFlags(dovecot, user)).values()].every(hasPostdeskMark), 'all marked');

    // Both really polled: each is connected (no standby), and each committed some of the mail.
    expect([a!, b!].map((g) => g.app.state.mailboxes.get('f12')?.state)).toEqual(['connected', 'connected']);
    const perGateway = [a!, b!].map((g) => committed(g.logLines(), 'ticket'));
    expect(perGateway.every((n) => n > 0)).toBe(true);
    expect(perGateway[0]! + perGateway[1]!).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'f12 %'`)).toBe(MESSAGES);
    expect(await duplicateSubjects(databaseUrl, 'f12 %')).toEqual([]);
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f12'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from message where direction = 'INBOUND'`)).toBe(MESSAGES);
    const wasted = [a!, b!].reduce((n, g) => n + committed(g.logLines(), 'already-ingested') + committed(g.logLines(), 'duplicate'), 0);
    console.info(`[F12] lock off: ${MESSAGES} messages, tickets per gateway ${perGateway.join(' + ')}, 0 duplicates; wasted fetches (fetched and parsed, found already ingested): ${wasted}`);
  });

  it('refuses the commit of a frozen old leader by its fencing number, and it stops polling (F13)', { timeout: 240_000 }, async () => {
    assertBuilt();
    const user = dovecot.users[1]!;
    const databaseUrl = await createTestDatabase();
    const gateway = async (): Promise<RunningProcess & { url: string }> => {
      const dir = mkdtempSync(join(tmpdir(), 'postdesk-f13-'));
      chmodSync(dir, 0o755);
      dirs.push(dir);
      const port = await freePort();
      const p = startProcess(MAIN, [], {
        DATABASE_URL: databaseUrl,
        DATA_DIR: dir,
        PORT: String(port),
        SMTP_INBOUND_PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        SUPPORT_ADDRESS: 'support@example.com',
        SENDER_RATE_LIMIT: '1000/10m',
        MAILBOXES: JSON.stringify([{ name: 'f13', url: dovecot.imapUrl(user), address: 'support@example.com' }]),
      });
      processes.push(p);
      return Object.assign(p, { url: `http://127.0.0.1:${port}` });
    };
    const state = async (g: { url: string }) =>
      ((await (await fetch(`${g.url}/readyz`).catch(() => null))?.json().catch(() => null)) as { mailboxes?: Record<string, { state: string }> } | null)?.mailboxes?.f13?.state;

    const first = await gateway();
    await until(async () => (await state(first)) === 'connected', 'first gateway connected');
    const second = await gateway();
    await until(async () => (await state(second)) === 'standby', 'second gateway on standby');
    for (let i = 0; i < 10; i++) await dovecot.append(user, await buildMail({ subject: `f13 ${i}` }));
    await until(async () => (await count(databaseUrl, `select 1 from ticket where subject like 'f13 %'`)) === 10, '10 tickets by the leader');

    // Freeze the leader, then kill its lease connection as a network partition or a DBA would.
    first.child.kill('SIGSTOP');
    const terminated = await queryDatabase<{ pid: number; done: boolean }>(
      databaseUrl,
      `select a.pid, pg_terminate_backend(a.pid) as done from pg_stat_activity a
       join pg_locks l on l.pid = a.pid and l.locktype = 'advisory' and l.granted
       where a.application_name = 'postdesk lease f13'`,
    );
    expect(terminated.map((t) => t.done)).toEqual([true]);
    await until(async () => (await state(second)) === 'connected', 'the follower takes over');
    for (let i = 10; i < 20; i++) await dovecot.append(user, await buildMail({ subject: `f13 ${i}` }));
    await until(async () => (await count(databaseUrl, `select 1 from ticket where subject like 'f13 %'`)) === 20, '20 tickets, the last 10 by the follower');

    // Wake the old leader: it believes it still leads and tries to ingest what it has not seen.
    const refusedBefore = (first.stdout().match(/"leaseLost":true/g) ?? []).length;
    first.child.kill('SIGCONT');
    await until(async () => (first.stdout().match(/"leaseLost":true/g) ?? []).length > refusedBefore, 'the old leader refused by the fence');
    await until(async () => (await state(first)) === 'standby', 'the old leader stands by');
    // It stopped polling: new mail is ingested by the follower only, once.
    for (let i = 20; i < 25; i++) await dovecot.append(user, await buildMail({ subject: `f13 ${i}` }));
    await until(async () => (await count(databaseUrl, `select 1 from ticket where subject like 'f13 %'`)) === 25, '25 tickets');
    expect(await state(first)).toBe('standby');
    expect(await duplicateSubjects(databaseUrl, 'f13 %')).toEqual([]);
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f13'`)).toBe(25);
    const oldLeaderCommits = jsonLines(first.stdout().split('\n')).filter((l) => l.msg === 'message committed').length;
    expect(oldLeaderCommits).toBe(10);
    const leases = await queryDatabase<{ to_value: string }>(databaseUrl, `select to_value from ticket_event where kind = 'mailbox-lease' order by id`);
    console.info(`[F13] lease generations ${leases.map((l) => l.to_value).join(', ')}; old leader committed ${oldLeaderCommits} (all before the freeze), refused after waking; 25 tickets, 0 duplicates`);
  });
});
