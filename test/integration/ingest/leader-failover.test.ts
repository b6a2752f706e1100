/**
 * F11: several gateways on one mailbox with the lease on (the default). Two gateway processes,
 * later three, share one database and one Dovecot mailbox with a backlog; the current leader is
 * killed with SIGKILL ten times (five with two gateways, five with three), each time once the
 * followers stand by, and the killed one is started again once a follower has taken over. The
 * leader is read from the lease audit (ticket_event 'mailbox-lease' rows: fencing generation and
 * holder host:pid, written at every acquisition by src/db/lease.ts).
 *
 * Figures: 0 duplicates and 0 lost (every Message-ID exactly once, one ticket per message);
 * exactly one poller at any time: the audit's generations strictly increase, each acquisition
 * after a kill is by another process and comes after the kill, every "message committed" line of
 * every process falls inside a generation that process held, and no /readyz sample (every 200 ms
 * across the live gateways) shows two of them connected to the mailbox. Takeover times (kill →
 * new lease row → first commit by the new leader) are printed, not asserted: they depend on the
 * lease retry interval, a fixed 5 s in src/ingest/doors/imap-poller.ts (no variable shortens it).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, MAIN, startProcess, type RunningProcess } from '../../harness/processes.js';
import { appendAll, count, duplicateSubjects, jsonLines, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[leader-failover.test] ${DOVECOT_SKIP_REASON}`);

/**
 * TESTPLAN F11 names 2,000 messages; 1,000 by default keeps this file at ~80 s on the 2-core
 * machine: the ten failovers alone take ~45 s (a follower retries the lease every 5 s, fixed in
 * imap-poller.ts; no variable shortens it), each new leader first works again through what its
 * killed predecessor committed after the last watermark, and two or three gateways ingest ~25
 * messages a second together. The full figure: F11_MESSAGES=2000.
 */
// TESTPLAN's 2,000: with new leaders no longer re-fetching, 1,000 could run out before the tenth kill.
const MESSAGES = Number(process.env.F11_MESSAGES ?? 2000);
const KILLS = 10;
/** Commits between the followers standing by and the kill; the kills fall within the first ~75 % of the backlog. */
const STEP = Math.floor((MESSAGES * 0.25) / KILLS);
const MAILBOX = 'f11';

interface Gateway {
  readonly name: string;
  readonly process: RunningProcess;
  readonly pid: number;
  readonly url: string;
  killedAt: number | null;
}

let dovecot: Dovecot | null = null;
let sampler: NodeJS.Timeout | null = null;
const gateways: Gateway[] = [];
const dirs: string[] = [];

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  for (const g of gateways) {
    if (g.killedAt !== null) continue;
    g.process.child.kill('SIGTERM');
    await g.process.exited;
  }
  await dovecot?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface LeaseRow {
  id: number;
  generation: number;
  pid: number;
  at: number;
}

describe.skipIf(!dovecotAvailable())('leader failover on one mailbox (F11)', () => {
  it('duplicates and loses nothing over ten SIGKILLs of the leader, with one poller at any time', { timeout: 300_000 }, async () => {
    assertBuilt();
    const began = Date.now();
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    const ids: string[] = [];
    const mails: Buffer[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const messageId = `f11-${i}-${randomBytes(4).toString('hex')}@customer.test`;
      ids.push(messageId);
      mails.push(await buildMail({ from: `c${i % 50}@customer.test`, subject: `f11 ${i}`, messageId }));
    }
    await appendAll(dovecot, user, mails);
    const databaseUrl = await createTestDatabase();

    const env = {
      DATABASE_URL: databaseUrl,
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SUPPORT_ADDRESS: 'support@example.com',
      SENDER_RATE_LIMIT: '100000/10m',
      // No DNS lookups: sender authentication is not what this test is about.
      SENDER_AUTHENTICATION: 'off',
      MAILBOXES: JSON.stringify([{ name: MAILBOX, url: dovecot.imapUrl(user), address: 'support@example.com' }]),
    };
    let started = 0;
    const launch = async (): Promise<Gateway> => {
      const dir = mkdtempSync(join(tmpdir(), 'postdesk-f11-'));
      chmodSync(dir, 0o755);
      dirs.push(dir);
      const port = await freePort();
      const child = startProcess(MAIN, [], { ...env, DATA_DIR: dir, PORT: String(port) });
      const gateway: Gateway = { name: `g${++started}`, process: child, pid: child.child.pid!, url: `http://127.0.0.1:${port}`, killedAt: null };
      gateways.push(gateway);
      return gateway;
    };
    const live = () => gateways.filter((g) => g.killedAt === null);

    const leases = async (): Promise<LeaseRow[]> =>
      (
        await queryDatabase<{ id: number; to_value: string; actor_label: string; at: string }>(
          databaseUrl,
          `select id, to_value, actor_label, (extract(epoch from created_at) * 1000)::text as at from ticket_event where kind = 'mailbox-lease' order by id`,
        )
      ).map((r) => ({ id: r.id, generation: Number(r.to_value), pid: Number(r.actor_label.split(':').at(-1)), at: Number(r.at) }));
    const receipts = () => count(databaseUrl, `select 1 from inbound_receipt where mailbox = $1`, [MAILBOX]);

    // Every 200 ms: how many live gateways report the mailbox connected (never more than one).
    const samples = { total: 0, none: 0, overlapping: [] as string[] };
    const state = async (g: Gateway) =>
      ((await (await fetch(`${g.url}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => null))?.json().catch(() => null)) as { mailboxes?: Record<string, { state: string }> } | null)
        ?.mailboxes?.[MAILBOX]?.state;
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      const polled = live();
      void Promise.all(polled.map(state))
        .then((states) => {
          const connected = polled.filter((_, i) => states[i] === 'connected').map((g) => g.name);
          samples.total++;
          if (connected.length === 0) samples.none++;
          if (connected.length > 1) samples.overlapping.push(connected.join('+'));
        })
        .finally(() => (sampling = false));
    }, 200);

    await launch();
    await launch();
    const takeovers: { gateways: number; toLeaseRowMs: number; toFirstCommitMs: number }[] = [];
    await until(async () => (await leases()).length > 0, 'a first leader', 60);
    const leaderNow = async (what: string): Promise<{ row: LeaseRow; gateway: Gateway }> => {
      const row = (await leases()).at(-1)!;
      const gateway = live().find((g) => g.pid === row.pid);
      expect(gateway, `${what}: the newest lease's holder (pid ${row.pid}) is one of the live gateways`).toBeDefined();
      return { row, gateway: gateway! };
    };
    for (let kill = 1; kill <= KILLS; kill++) {
      if (kill === KILLS / 2 + 1) await launch(); // the second half with three gateways
      // Steady state: every follower has tried the lease once and stands by.
      await until(async () => {
        const { gateway: leader } = await leaderNow(`kill ${kill}`);
        return (await Promise.all(live().filter((g) => g !== leader).map(state))).every((s) => s === 'standby');
      }, `kill ${kill}: the followers stand by`, 60);
      const from = await receipts();
      await until(async () => (await receipts()) >= from + STEP, `kill ${kill}: ${STEP} more commits`, 120);
      expect(await receipts(), `kill ${kill}: backlog left to fail over on (raise F11_MESSAGES)`).toBeLessThan(MESSAGES);
      const { row: current, gateway: leader } = await leaderNow(`kill ${kill}`);
      const running = live().length;
      leader.process.child.kill('SIGKILL');
      leader.killedAt = Date.now();
      expect(await leader.process.exited).toBe('SIGKILL');
      await until(async () => ((await leases()).at(-1)?.generation ?? 0) > current.generation, `kill ${kill}: a new leader`, 60);
      const { row: next, gateway: successor } = await leaderNow(`after kill ${kill}`);
      expect(successor.pid).not.toBe(leader.pid);
      const firstCommit = () => jsonLines(successor.process.stdout().split('\n')).find((l) => l.msg === 'message committed' && Date.parse(String(l.time)) > leader.killedAt!);
      await until(async () => firstCommit() !== undefined, `kill ${kill}: the new leader commits`, 60);
      await launch(); // the killed one comes back, after the takeover, and stands by
      takeovers.push({
        gateways: running,
        toLeaseRowMs: Math.round(next.at - leader.killedAt),
        toFirstCommitMs: Date.parse(String(firstCommit()!.time)) - leader.killedAt,
      });
    }

    await until(async () => (await receipts()) >= MESSAGES, `${MESSAGES} receipts`, 180);
    clearInterval(sampler);
    sampler = null;

    // 0 lost, 0 duplicates.
    const stored = await queryDatabase<{ message_id: string; n: string }>(databaseUrl, `select message_id, count(*)::text as n from message where direction = 'INBOUND' group by message_id`);
    const times = new Map(stored.map((row) => [row.message_id.replace(/^<|>$/g, ''), Number(row.n)]));
    expect(ids.filter((id) => !times.has(id)), 'lost').toEqual([]);
    expect([...times].filter(([, n]) => n !== 1), 'duplicates').toEqual([]);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'f11 %'`)).toBe(MESSAGES);
    expect(await duplicateSubjects(databaseUrl, 'f11 %')).toEqual([]);
    expect(await receipts()).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = $1 and outcome <> 'ticket'`, [MAILBOX])).toBe(0);

    // One poller at any time, from the audit rows: generations strictly increase, one holder each.
    const rows = await leases();
    expect(rows.map((r) => r.generation)).toEqual([...rows.map((r) => r.generation)].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.generation)).size).toBe(rows.length);
    const host = hostname();
    expect(rows.every((r) => gateways.some((g) => g.pid === r.pid)), `every holder is one of our processes on ${host}`).toBe(true);
    // The killed leader's successor acquired after the kill, and is another process.
    for (const g of gateways.filter((g) => g.killedAt !== null)) {
      const after = rows.find((r) => r.at > g.killedAt!);
      expect(after, `a lease acquired after ${g.name} was killed`).toBeDefined();
      expect(after!.pid).not.toBe(g.pid);
      expect(rows.filter((r) => r.pid === g.pid).every((r) => r.at < g.killedAt!)).toBe(true);
    }
    // Every commit of every process lies in a generation that process held: the holder of the
    // newest lease acquired before the commit was logged.
    const misplaced: string[] = [];
    const outcomes = new Map<string, number>();
    let skipped = 0;
    for (const g of gateways) {
      const lines = jsonLines(g.process.stdout().split('\n'));
      for (const line of lines.filter((l) => l.msg === 'messages already committed above the watermark; not fetched again')) skipped += Number(line.messages);
      for (const line of lines.filter((l) => l.msg === 'message committed')) {
        outcomes.set(String(line.outcome), (outcomes.get(String(line.outcome)) ?? 0) + 1);
        const at = Date.parse(String(line.time));
        const inForce = rows.filter((r) => r.at <= at).at(-1);
        if (inForce?.pid !== g.pid) misplaced.push(`${g.name} uid ${String(line.uid)} at ${String(line.time)} (lease then held by ${inForce?.pid})`);
      }
    }
    expect(misplaced).toEqual([]);
    // A leader killed between its commit and the log line leaves one line out: at most one per kill.
    expect(outcomes.get('ticket')).toBeGreaterThanOrEqual(MESSAGES - KILLS);
    expect(outcomes.get('ticket')).toBeLessThanOrEqual(MESSAGES);
    // A new leader skips what the ledger holds above the watermark instead of fetching it again.
    const refetched = [...outcomes].filter(([outcome]) => outcome !== 'ticket').reduce((n, [, k]) => n + k, 0);
    expect(refetched, 'messages fetched again and found already ingested').toBe(0);
    expect(samples.total).toBeGreaterThan(0);
    expect(samples.overlapping, '/readyz samples with two gateways connected').toEqual([]);

    // The last one relaunched may still be loading its modules (no SIGTERM handler yet): wait until each answers.
    await until(async () => (await Promise.all(live().map(state))).every((s) => s === 'standby' || s === 'connected'), 'every live gateway up', 60);
    for (const g of live()) g.process.child.kill('SIGTERM');
    expect(await Promise.all(live().map((g) => g.process.exited))).toEqual(live().map(() => 0));
    for (const g of live()) g.killedAt = Date.now(); // stopped; nothing left for afterAll

    const figures = (list: number[]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`;
    };
    console.info(
      `[F11] ${MESSAGES} messages (${MESSAGES < 2000 ? "fewer than TESTPLAN's 2,000 to keep the file near 80 s: ten failovers take ~45 s alone; F11_MESSAGES=2000 for the full figure" : "TESTPLAN's figure"}), ${KILLS} SIGKILLs of the leader (5 with 2 gateways, 5 with 3), each killed one restarted: ` +
        `${MESSAGES} stored once each, 0 lost, 0 duplicates; lease generations ${rows[0]?.generation}…${rows.at(-1)?.generation} (${rows.length} acquisitions, strictly increasing, ` +
        `each commit inside its process's generation); ${skipped} messages a new leader found committed above the watermark and did not fetch again, ${refetched} fetched again; /readyz: ${samples.total} samples, never two connected, ${samples.none} with none (failover gaps); ` +
        `takeover kill → new lease row: ${figures(takeovers.map((t) => t.toLeaseRowMs))}; kill → first commit by the new leader: ${figures(takeovers.map((t) => t.toFirstCommitMs))} ` +
        `(each: ${takeovers.map((t) => t.toFirstCommitMs).join(' ')} ms; a follower retries the lease every 5 s); ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  });
});
