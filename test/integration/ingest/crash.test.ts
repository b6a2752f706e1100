/**
 * kill -9 in the middle of a 500-message backlog, then restart (TESTPLAN D1, the test):
 * nothing lost, nothing twice — counted in the database and against the mailbox.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, MAIN, startProcess, type RunningProcess } from '../../harness/processes.js';

if (DOVECOT_SKIP_REASON) console.warn(`[crash.test] ${DOVECOT_SKIP_REASON}`);

const MESSAGES = 500;
let dovecot: Dovecot | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-crash-'));
chmodSync(dataDir, 0o755);
afterAll(async () => {
  await dovecot?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function count(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** A hang guard, not a timing assertion: each stage may take long on a busy machine. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached within 180 s: ${what}`);
}

describe.skipIf(!dovecotAvailable())('crash safety', () => {
  // 500 messages, each also writing its acknowledgement, with three restarts: minutes on a busy machine.
  it('loses and duplicates nothing when the gateway is killed with SIGKILL mid-backlog (D1)', { timeout: 600_000 }, async () => {
    assertBuilt();
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    for (let i = 0; i < MESSAGES; i++) await dovecot.append(user, await buildMail({ from: `c${i % 50}@customer.test`, subject: `backlog ${i}` }));
    const databaseUrl = await createTestDatabase();
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SUPPORT_ADDRESS: 'support@example.com',
      MAILBOXES: JSON.stringify([{ name: 'crash', url: dovecot.imapUrl(user) }]),
    };
    const receipts = () => count(databaseUrl, 'select count(*) as n from inbound_receipt');
    let gateway: RunningProcess = startProcess(MAIN, [], { ...env, PORT: String(await freePort()) });
    for (const threshold of [60, 200, 350]) {
      await until(async () => (await receipts()) >= threshold, `${threshold} receipts`);
      gateway.child.kill('SIGKILL');
      expect(await gateway.exited).toBe('SIGKILL');
      gateway = startProcess(MAIN, [], { ...env, PORT: String(await freePort()) });
    }
    await until(async () => (await receipts()) >= MESSAGES, `${MESSAGES} receipts`);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    expect(await receipts()).toBe(MESSAGES);
    expect(await count(databaseUrl, `select count(*) as n from ticket where subject like 'backlog %'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select count(distinct subject) as n from ticket where subject like 'backlog %'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select count(*) as n from message where direction = 'INBOUND'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select count(*) as n from quarantined_message`)).toBe(0);
  });
});
