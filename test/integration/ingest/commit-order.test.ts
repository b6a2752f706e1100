/**
 * D3, the commit-order proof: the built gateway runs with a test-only hook that pauses right after
 * the IMAP server acknowledged a mark (POSTDESK_TEST_PAUSE_AFTER_MARK_MS) and is SIGKILLed there,
 * again and again. After every kill: no message may carry a postdesk mark on the server unless its
 * record (the ledger receipt) is in the database. Marking before committing would show here.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, MAIN, startProcess, type RunningProcess } from '../../harness/processes.js';
import { count, duplicateSubjects, hasPostdeskMark, serverFlags, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[commit-order.test] ${DOVECOT_SKIP_REASON}`);

/** 20 kills here keep the suite short on a shared 2-core machine; TESTPLAN's 200 belong to a nightly run. */
const KILLS = 20;
const PER_ROUND = 2;
const PAUSED = 'test pause after the IMAP mark';

let dovecot: Dovecot | null = null;
let gateway: RunningProcess | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-d3-'));
chmodSync(dataDir, 0o755);
afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  await dovecot?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!dovecotAvailable())('commit before mark (D3)', () => {
  it(`never leaves a message marked on the server without its record, across ${KILLS} kills right after the mark`, { timeout: 400_000 }, async () => {
    assertBuilt();
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    const databaseUrl = await createTestDatabase();
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SUPPORT_ADDRESS: 'support@example.com',
      SENDER_RATE_LIMIT: '1000/10m',
      MAILBOXES: JSON.stringify([{ name: 'd3', url: dovecot.imapUrl(user) }]),
    };
    const receiptUids = async () => new Set((await queryDatabase<{ uid: string }>(databaseUrl, `select uid::text from inbound_receipt where mailbox = 'd3'`)).map((r) => Number(r.uid)));
    let violations = 0;
    let markedAtKills = 0;
    let appended = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      for (let i = 0; i < PER_ROUND; i++) await dovecot.append(user, await buildMail({ subject: `d3 ${appended++}` }));
      gateway = startProcess(MAIN, [], { ...env, PORT: String(await freePort()), POSTDESK_TEST_PAUSE_AFTER_MARK_MS: '60000' });
      await gateway.waitForOutput(PAUSED);
      gateway.child.kill('SIGKILL');
      expect(await gateway.exited).toBe('SIGKILL');
      const flags = await serverFlags(dovecot, user);
      const recorded = await receiptUids();
      const marked = [...flags].filter(([, f]) => hasPostdeskMark(f)).map(([uid]) => uid);
      markedAtKills += marked.length;
      violations += marked.filter((uid) => !recorded.has(uid)).length;
    }
    expect(violations).toBe(0);

    // Then a normal run finishes the mailbox: everything once.
    const port = await freePort();
    gateway = startProcess(MAIN, [], { ...env, PORT: String(port) });
    await until(async () => (await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'd3'`)) >= appended, `${appended} receipts`);
    // Stop it only once it is up (its SIGTERM handler installed) and has caught up.
    await until(async () => {
      const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.json().catch(() => null)) as { mailboxes?: Record<string, { state: string; backlog: number | null }> } | null;
      return ready?.mailboxes?.d3?.state === 'connected' && ready.mailboxes.d3.backlog === 0;
    }, 'the final gateway connected and caught up');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    gateway = null;
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'd3'`)).toBe(appended);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'd3 %'`)).toBe(appended);
    expect(await duplicateSubjects(databaseUrl, 'd3 %')).toEqual([]);
    expect([...(await serverFlags(dovecot, user)).values()].every(hasPostdeskMark)).toBe(true);
    console.info(`[D3] ${KILLS} kills right after the mark; marked messages checked at the kills: ${markedAtKills}; marked without a record: ${violations}; ${appended} messages, each ingested once`);
  });
});
