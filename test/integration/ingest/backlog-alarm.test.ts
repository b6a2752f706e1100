/**
 * F16, the backlog alarm: processing fails for every message for a while. The failure injected is
 * a database trigger on `message` raising SQLSTATE 40001 (a serialisation failure), which postdesk
 * treats as transient: the mail stays unmarked on the server and is retried, a true stuck backlog
 * (a permanent error would quarantine each message instead). /readyz must show the mailbox's
 * backlog and an oldest-unprocessed age that keeps growing while it is stuck, and a warning must
 * be logged at the first failure. Once the fault is gone, everything is ingested once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { parseMetrics, sample } from '../../harness/metrics.js';
import { count, duplicateSubjects, hasPostdeskMark, jsonLines, serverFlags, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[backlog-alarm.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot;
let app: TestApp | null = null;
beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(1);
});
afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

interface MailboxReport {
  state: string;
  backlog: number | null;
  oldestUnprocessedAgeSeconds: number | null;
  lastError: { reason: string; at: string } | null;
}

const FAIL = `
  create function pd_test_fail_f16() returns trigger language plpgsql as $$
  begin raise exception 'injected by backlog-alarm.test (F16)' using errcode = '40001'; end $$;
  create trigger pd_test_fail_f16 before insert on message for each row execute function pd_test_fail_f16();`;
const HEAL = 'drop trigger pd_test_fail_f16 on message; drop function pd_test_fail_f16();';

describe.skipIf(!dovecotAvailable())('backlog alarm (F16)', () => {
  it('reports a stuck backlog with a growing age, the reason and a warning, then drains it once the fault is gone', { timeout: 180_000 }, async () => {
    const user = dovecot.users[0]!;
    const POLL_MS = 2000;
    app = await startTestApp({
      MAILBOXES: JSON.stringify([{ name: 'f16', url: dovecot.imapUrl(user), address: 'support@example.com' }]),
      SUPPORT_ADDRESS: 'support@example.com',
      POLL_INTERVAL_MS: String(POLL_MS),
    });
    const gateway = app;
    const mailbox = async () => ((await (await fetch(`${gateway.url}/readyz`)).json()) as { mailboxes: Record<string, MailboxReport> }).mailboxes.f16!;
    await until(async () => (await mailbox())?.state === 'connected', 'mailbox connected');
    expect((await mailbox()).lastError).toBeNull();
    await queryDatabase(gateway.databaseUrl, FAIL);

    const appendedAt = Date.now();
    for (let i = 0; i < 5; i++) await dovecot.append(user, await buildMail({ subject: `f16 ${i}` }));
    const warnings = () => jsonLines(gateway.logLines()).filter((l) => l.level === 'warn' && l.mailbox === 'f16' && l.storage === true);
    await until(async () => warnings().length > 0, 'a warning at the first failure');
    const warnedAfterMs = Date.parse(String(warnings()[0]!.time)) - appendedAt;

    await until(async () => (await mailbox()).backlog === 5, 'backlog 5 in /readyz');
    const first = await mailbox();
    expect(first.oldestUnprocessedAgeSeconds).toEqual(expect.any(Number));
    // The age is of the oldest waiting message as of each read: it grows while the backlog is stuck.
    await new Promise((r) => setTimeout(r, 2500));
    const later = await mailbox();
    expect(later.backlog).toBe(5);
    expect(later.oldestUnprocessedAgeSeconds!).toBeGreaterThan(first.oldestUnprocessedAgeSeconds!);
    // Why it is stuck, where the operator looks first.
    expect(later.lastError?.reason).toContain('injected by backlog-alarm.test (F16)');
    expect(Date.parse(later.lastError!.at)).toBeGreaterThanOrEqual(appendedAt);
    // The same alarm for Prometheus: the stuck backlog and its age on /metrics.
    const scraped = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${gateway.adminToken}` } });
    const figures = parseMetrics(await scraped.text());
    // One state at a time (the session ends at each failure and reconnects, so which one varies).
    const states = [...figures].filter(([series, value]) => series.startsWith('postdesk_mailbox_state{mailbox="f16"') && value === 1);
    expect(states).toEqual([[expect.stringMatching(/state="(connected|connecting|reconnecting)"/), 1]]);
    expect(sample(figures, 'postdesk_mailbox_backlog_messages', { mailbox: 'f16' })).toBe(5);
    expect(sample(figures, 'postdesk_mailbox_oldest_unprocessed_age_seconds', { mailbox: 'f16' })).toBeGreaterThanOrEqual(later.oldestUnprocessedAgeSeconds! - 1);

    // A transient failure keeps the mail where it is: nothing stored, quarantined or marked.
    expect(await count(gateway.databaseUrl, 'select 1 from inbound_receipt')).toBe(0);
    expect(await count(gateway.databaseUrl, 'select 1 from quarantined_message')).toBe(0);
    expect([...(await serverFlags(dovecot, user)).values()].filter(hasPostdeskMark)).toEqual([]);

    await queryDatabase(gateway.databaseUrl, HEAL);
    await until(async () => (await count(gateway.databaseUrl, `select 1 from ticket where subject like 'f16 %'`)) === 5, '5 tickets after the fault');
    expect(await duplicateSubjects(gateway.databaseUrl, 'f16 %')).toEqual([]);
    await until(async () => (await mailbox()).backlog === 0, 'backlog drained');
    expect((await mailbox()).oldestUnprocessedAgeSeconds).toBeNull();
    expect((await mailbox()).lastError).toBeNull();
    const drained = parseMetrics(await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${gateway.adminToken}` } })).text());
    expect(sample(drained, 'postdesk_mailbox_backlog_messages', { mailbox: 'f16' })).toBe(0);
    expect(sample(drained, 'postdesk_mailbox_oldest_unprocessed_age_seconds', { mailbox: 'f16' })).toBeUndefined();
    expect(sample(drained, 'postdesk_ingested_messages_total', { door: 'IMAP', outcome: 'ticket' })).toBeGreaterThanOrEqual(5);
    console.info(
      `[F16] backlog 5; age ${first.oldestUnprocessedAgeSeconds} s then ${later.oldestUnprocessedAgeSeconds} s; ` +
        `first warning ${warnedAfterMs} ms after the mail arrived (poll interval ${POLL_MS} ms); ${warnings().length} warnings while stuck`,
    );
  });
});
