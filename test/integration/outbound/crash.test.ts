/**
 * TESTPLAN D13 in small (bench:outbound runs it with 1,000 mails): the built gateway is killed with
 * SIGKILL while it delivers 200 queued notifications, then restarted. 0 lost; duplicates by
 * Message-ID at most the mails in flight at the kill; every resent copy byte-identical (same
 * Message-ID, same Date). The sink answers each message slowly so the kill lands mid-delivery.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgBoss } from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { freePort } from '../../../src/db/embedded.js';
import { openOrm } from '../../../src/db/orm.js';
import { Person, Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { resolveSecret } from '../../../src/ingest/secret.js';
import { notify } from '../../../src/outbound/notify.js';
import { registerOutboxQueue } from '../../../src/outbound/outbox.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, MAIN, startProcess, type RunningProcess } from '../../harness/processes.js';
import { startSmtpSink, type CapturedMail } from '../../harness/smtp-sink.js';

const MAILS = 200;
const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-outbound-crash-'));
chmodSync(dataDir, 0o755);
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

/** A hang guard, not a timing assertion. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached within 180 s: ${what}`);
}

function messageIdOf(mail: CapturedMail): string {
  return /^Message-ID:\s*<([^>]+)>/im.exec(mail.raw.toString('latin1'))?.[1] ?? '(none)';
}

describe('outbound crash safety (D13)', () => {
  it('SIGKILL during a 200-mail run, restart: 0 lost, duplicates ≤ in flight, resent copies identical', { timeout: 300_000 }, async () => {
    assertBuilt();
    const databaseUrl = await createTestDatabase();
    const sink = await startSmtpSink({ afterData: () => ({ delayMs: 100 }) });
    cleanups.push(() => sink.stop());
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      SMTP_URL: sink.url,
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SUPPORT_ADDRESS: 'support@example.com',
      AUTOMATIC_MAIL_LIMIT: '100000',
      AUTO_CLOSE_DAYS: '0',
      OUTBOUND_CONCURRENCY: '4',
      OUTBOUND_RETRY_DELAY_SECONDS: '1',
      OUTBOUND_RETRY_MAX_DELAY_SECONDS: '2',
      SMTP_TIMEOUT_SECONDS: '5',
    };
    const start = async () => {
      const gateway = startProcess(MAIN, [], { ...env, PORT: String(await freePort()) });
      await gateway.waitForOutput('postdesk ready at');
      return gateway;
    };
    // The first start migrates and creates the job queues; the run then starts with all mail queued.
    let gateway: RunningProcess = await start();
    await until(async () => (await queryDatabase<{ n: string }>(databaseUrl, `select count(*)::text as n from pgboss.queue where name like 'postdesk-outbound%'`).catch(() => [{ n: '0' }]))[0]!.n === '2', 'job queues created');
    gateway.child.kill('SIGTERM');
    await gateway.exited;

    // The producer: mutations' side, enqueueing in their own transactions (as the bench does).
    const config = loadConfig({ DATABASE_URL: databaseUrl, SUPPORT_ADDRESS: 'support@example.com', AUTOMATIC_MAIL_LIMIT: '100000', NODE_ENV: 'test' });
    const orm = await openOrm(databaseUrl);
    cleanups.push(() => orm.close());
    const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false, max: 2 });
    await boss.start();
    registerOutboxQueue(boss);
    cleanups.push(async () => {
      registerOutboxQueue(null);
      await boss.stop({ graceful: false, close: true });
    });
    const secret = await resolveSecret(config, orm.em.fork());
    await orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < MAILS; i++) em.persist(new Ticket(`Crash run ${i}`, new Person(`crash${i}@customer.test`)));
    });
    await orm.em.fork().transactional(async (em) => {
      for (const ticket of await em.find(Ticket, { subject: { $like: 'Crash run %' } }, { populate: ['requester'] })) {
        const from = ticket.status;
        ticket.status = TicketStatus.IN_PROGRESS;
        await notify(em, { kind: 'status-changed', ticket, from, to: TicketStatus.IN_PROGRESS, actor: null }, { config, secret });
      }
    });

    gateway = await start();
    cleanups.push(async () => gateway.child.kill('SIGKILL'));
    await until(() => sink.messages.length >= MAILS * 0.3, '30 % delivered');
    gateway.child.kill('SIGKILL');
    expect(await gateway.exited).toBe('SIGKILL');
    const atKill = sink.messages.length;
    const [inflight] = await queryDatabase<{ n: string }>(databaseUrl, `select count(*)::text as n from outbound_delivery where status = 'QUEUED' and attempts > 0`);
    const flight = Number(inflight!.n);

    gateway = await start();
    await until(async () => (await queryDatabase<{ n: string }>(databaseUrl, `select count(*)::text as n from outbound_delivery where status <> 'SENT'`))[0]!.n === '0', 'every row SENT');
    gateway.child.kill('SIGTERM');
    await gateway.exited;

    const byId = new Map<string, Buffer[]>();
    for (const m of sink.messages) byId.set(messageIdOf(m), [...(byId.get(messageIdOf(m)) ?? []), m.raw]);
    let duplicates = 0;
    let identical = 0;
    for (const copies of byId.values()) {
      duplicates += copies.length - 1;
      for (const c of copies.slice(1)) if (c.equals(copies[0]!)) identical++;
    }
    console.log(`D13: SIGKILL after ${atKill} of ${MAILS} mails; in flight ${flight}; delivered ${byId.size}; duplicates ${duplicates}, byte-identical ${identical}`);
    const rows = await queryDatabase<{ message_id: string }>(databaseUrl, `select message_id from outbound_delivery`);
    expect(rows).toHaveLength(MAILS);
    expect(new Set(byId.keys())).toEqual(new Set(rows.map((r) => r.message_id))); // 0 lost, nothing foreign
    expect(duplicates).toBeLessThanOrEqual(flight);
    expect(identical).toBe(duplicates);
  });
});
