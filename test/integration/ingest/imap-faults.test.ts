/**
 * The IMAP link failing in the ways a real network and server fail, through the fault proxy
 * between the gateway and Dovecot:
 *  - F2: a half-open link (black-holed): the inactivity timeout fires, the poller reconnects.
 *  - F1: the server resets the connection, then refuses new ones (a killed, restarting Dovecot):
 *    warnings, not errors, because the poller reconnects on its own and nothing is lost.
 *  - D10: the connection is cut while one message in the middle of a batch is being fetched,
 *    every time: the messages after it still come in, that UID gets a FETCH_FAILED record.
 *    A recorded failure at the end of the folder is not fetched again at every sweep.
 *  - M10: a message over MAX_MESSAGE_MB in the middle of the mailbox: recorded as too large with
 *    its UID, and the mailbox is not blocked.
 * Counted in the database and against the server: nothing lost, nothing twice, no UID skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../harness/dovecot.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { eventually, queryDatabase as query } from '../../harness/eventually.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { gql } from '../../harness/graphql-client.js';
import { count, duplicateSubjects, hasPostdeskMark, imapUrlVia, jsonLines, serverFlags } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[imap-faults.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot;
const apps: TestApp[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(5);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await Promise.all(proxies.map((p) => p.close()));
  await dovecot?.stop();
});

/** A gateway polling `user` through a new fault proxy in front of Dovecot. */
async function gatewayVia(user: DovecotUser, name: string, env: Record<string, string> = {}): Promise<{ app: TestApp; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(dovecot.port);
  proxies.push(proxy);
  const mailboxes = JSON.stringify([{ name, url: imapUrlVia(dovecot, user, proxy.port), address: 'support@example.com' }]);
  const app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '60000', SENDER_RATE_LIMIT: '1000/10m', ...env });
  apps.push(app);
  return { app, proxy };
}

const tickets = (app: TestApp, like: string) => count(app.databaseUrl, 'select 1 from ticket where subject like $1', [like]);

describe.skipIf(!dovecotAvailable())('IMAP faults through the fault proxy', () => {
  it('notices a black-holed (half-open) link by its inactivity timeout, reconnects, and loses nothing (F2)', async () => {
    const user = dovecot.users[0]!;
    // ~3 s instead of the production 60 s (IMAP_SOCKET_TIMEOUT_MS), so the test takes seconds.
    const { app, proxy } = await gatewayVia(user, 'f2', { IMAP_SOCKET_TIMEOUT_MS: '3000' });
    for (let i = 0; i < 5; i++) await dovecot.append(user, await buildMail({ subject: `f2 ${i}` }));
    await eventually(async () => (await tickets(app, 'f2 %')) === 5, '5 tickets before the fault');

    await proxy.setMode('blackhole');
    for (let i = 5; i < 10; i++) await dovecot.append(user, await buildMail({ subject: `f2 ${i}` }));
    const stale = () => jsonLines(app.logLines()).filter((l) => String(l.msg).startsWith('stale connection'));
    await eventually(async () => stale().length > 0, 'a stale connection log line');
    // Nothing came through while the link was dead: the new mail is still unmarked on the server.
    expect(await tickets(app, 'f2 %')).toBe(5);
    await proxy.setMode('pass'); // the dead link stays dead; the reconnect gets a working one

    await eventually(async () => (await tickets(app, 'f2 %')) === 10, '10 tickets after the reconnect');
    expect(await duplicateSubjects(app.databaseUrl, 'f2 %')).toEqual([]);
    expect(await count(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'f2'`)).toBe(10);
    const flags = await eventually(async () => {
      const f = await serverFlags(dovecot, user);
      return [...f.values()].every(hasPostdeskMark) ? f : null;
    }, 'all 10 marked on the server');
    expect(flags.size).toBe(10);
    expect(stale()).toEqual([expect.objectContaining({ level: 'warn', mailbox: 'f2', timeoutMs: 3000 })]);
    console.info(`[F2] stale-connection events: ${stale().length}; proxy connections accepted: ${proxy.accepted}`);
  });

  it('logs a reset connection and refused reconnects as warnings, not errors, and reconnects (F1)', async () => {
    const user = dovecot.users[4]!;
    const { app, proxy } = await gatewayVia(user, 'reset');
    await dovecot.append(user, await buildMail({ subject: 'reset 0' }));
    await eventually(async () => (await tickets(app, 'reset %')) === 1, 'a ticket before the fault');
    const sessionsEnded = () => jsonLines(app.logLines()).filter((l) => l.msg === 'mailbox session ended; reconnecting').length;

    await proxy.setMode('reset'); // the session's connection, then the first reconnect: ECONNRESET
    await eventually(async () => sessionsEnded() >= 2, 'the session and a reconnect reset');
    await proxy.setMode('refuse'); // the next reconnect: ECONNREFUSED
    await eventually(async () => sessionsEnded() >= 3, 'a reconnect refused');
    await proxy.setMode('pass');
    await dovecot.append(user, await buildMail({ subject: 'reset 1' }));
    await eventually(async () => (await tickets(app, 'reset %')) === 2, 'the ticket after the reconnect');

    const lines = jsonLines(app.logLines());
    // The operator's alert on error lines must not fire for what the poller handles on its own.
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    const warned = JSON.stringify(lines.filter((l) => l.level === 'warn' && l.mailbox === 'reset'));
    expect(warned).toContain('ECONNRESET');
    expect(warned).toContain('ECONNREFUSED');
    // The mail server was down, not PostgreSQL: the reconnects back off (towards a minute), not
    // retried every few seconds as for a database outage.
    const ended = lines.filter((l) => l.msg === 'mailbox session ended; reconnecting');
    expect(ended.map((l) => l.storage)).toEqual(ended.map(() => false));
  });

  it('records a message whose FETCH is cut every time as FETCH_FAILED and ingests the ones after it (D10)', async () => {
    const user = dovecot.users[1]!;
    const marker = 'D10-POISON-7f3a9c';
    const uids: number[] = [];
    for (let i = 0; i < 9; i++) {
      const text = i === 4 ? `this one never arrives: ${marker}` : `ordinary message ${i}`;
      uids.push(await dovecot.append(user, await buildMail({ subject: `d10 ${i}`, text })));
    }
    const poisoned = uids[4]!;
    // Cut the connection whenever the server sends that message's body: a FETCH error for one UID,
    // in the middle of the first batch (the 9 messages are one backlog when the gateway starts).
    const proxy = await startFaultProxy(dovecot.port);
    proxies.push(proxy);
    proxy.cutOn(marker);
    const mailboxes = JSON.stringify([{ name: 'd10', url: imapUrlVia(dovecot, user, proxy.port), address: 'support@example.com' }]);
    const app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '60000', SENDER_RATE_LIMIT: '1000/10m' });
    apps.push(app);

    await eventually(async () => (await count(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'd10'`)) === 9, '9 receipts').catch(async (error: unknown) => {
      const state = await query(app.databaseUrl, `select uid, outcome from inbound_receipt where mailbox = 'd10' order by uid`);
      const warnings = jsonLines(app.logLines()).filter((l) => l.level !== 'info').map((l) => `${String(l.msg)} ${String(l.reason ?? l.err ?? '')} ${String(l.uid ?? '')}`);
      throw new Error(`${(error as Error).message}; receipts ${JSON.stringify(state)}; cuts ${proxy.patternCuts}; warnings:\n${warnings.join('\n')}`);
    });
    const records = await query<{ uid: string; reason_code: string; reason: string; attempts: number }>(
      app.databaseUrl,
      `select uid::text, reason_code, reason, attempts from quarantined_message where mailbox = 'd10'`,
    );
    expect(records).toEqual([{ uid: String(poisoned), reason_code: 'FETCH_FAILED', reason: expect.stringMatching(/ 3 times/), attempts: 1 }]);
    // One cut in the first batch (UIDs before it are handed over and ingested), then three with it
    // heading the batch: the retry count in its record.
    expect(proxy.patternCuts).toBe(4);
    // Every other message became a ticket, those after the poisoned one included; none twice.
    const ingested = await query<{ subject: string }>(app.databaseUrl, `select subject from ticket where subject like 'd10 %' order by subject`);
    expect(ingested.map((t) => t.subject)).toEqual(['d10 0', 'd10 1', 'd10 2', 'd10 3', 'd10 5', 'd10 6', 'd10 7', 'd10 8']);
    // No UID skipped silently: each UID has exactly one receipt.
    const receipts = await query<{ uid: string; outcome: string }>(app.databaseUrl, `select uid::text, outcome from inbound_receipt where mailbox = 'd10' order by uid`);
    expect(receipts.map((r) => Number(r.uid))).toEqual(uids);
    expect(receipts.filter((r) => r.outcome === 'fetch-failed').map((r) => Number(r.uid))).toEqual([poisoned]);
    console.info(`[D10] ${receipts.length} receipts for ${uids.length} messages: ${ingested.length} tickets + ${records.length} FETCH_FAILED (${records[0]?.reason})`);

    // An admin's retry fetches it again. While the server still fails, the record is updated,
    // not resolved; once it hands the message over, the message becomes a ticket exactly once.
    const id = (await query<{ id: number }>(app.databaseUrl, `select id from quarantined_message where mailbox = 'd10'`))[0]?.id;
    const retry = `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } quarantinedMessage { refetchRequestedAt resolvedAt } } }`;
    type Retry = { retryQuarantinedMessage: { ticketNumber: number | null; userErrors: { message: string }[]; quarantinedMessage: { refetchRequestedAt: string | null; resolvedAt: string | null } } };
    const record = () => query<{ attempts: number; refetch: boolean; resolved: boolean }>(
      app.databaseUrl,
      `select attempts, refetch_requested_at is not null as refetch, resolved_at is not null as resolved from quarantined_message where id = $1`,
      [id],
    );
    const asked = await gql<Retry>(app.url, app.adminToken, retry, { id: String(id) });
    expect(asked.errors).toBeUndefined();
    expect(asked.data?.retryQuarantinedMessage).toEqual({ ticketNumber: null, userErrors: [], quarantinedMessage: { refetchRequestedAt: expect.any(String), resolvedAt: null } });
    await dovecot.append(user, await buildMail({ subject: 'd10 9' })); // new mail wakes the idling poller
    await eventually(async () => (await record())[0]?.refetch === false, 'the refetch to fail again');
    expect(await record()).toEqual([{ attempts: 2, refetch: false, resolved: false }]);
    expect(proxy.patternCuts).toBe(7);

    proxy.cutOn(null); // the server is fixed
    await gql<Retry>(app.url, app.adminToken, retry, { id: String(id) });
    await dovecot.append(user, await buildMail({ subject: 'd10 10' }));
    await eventually(async () => (await record())[0]?.resolved, 'the retried message to be ingested');
    expect(await record()).toEqual([{ attempts: 3, refetch: false, resolved: true }]);
    expect(await count(app.databaseUrl, `select 1 from ticket where subject = 'd10 4'`)).toBe(1);
    const after = await query<{ uid: string; outcome: string }>(app.databaseUrl, `select uid::text, outcome from inbound_receipt where mailbox = 'd10' and uid = $1`, [poisoned]);
    expect(after).toEqual([{ uid: String(poisoned), outcome: 'ticket' }]);
    expect(await count(app.databaseUrl, `select 1 from raw_source r join message m on m.raw_source_id = r.id where m.subject = 'd10 4'`)).toBe(1);
    const flags = await eventually(async () => {
      const f = await serverFlags(dovecot, user);
      return f.get(poisoned) && hasPostdeskMark(f.get(poisoned)!) ? f : null;
    }, 'the retried message marked on the server');
    expect(flags.size).toBe(11);
    expect(await duplicateSubjects(app.databaseUrl, 'd10 %')).toEqual([]);
    console.info(`[D10] retry: fetched again while still failing (record attempts 2, not resolved), then after the fix: ticket "d10 4" once, record resolved, marked on the server`);
  });

  it('does not fetch a recorded FETCH_FAILED message at the end of the folder again at every round (D10)', async () => {
    const user = dovecot.users[3]!;
    const marker = 'D10-TAIL-POISON-41be';
    await dovecot.append(user, await buildMail({ subject: 'd10t 0' }));
    await dovecot.append(user, await buildMail({ subject: 'd10t 1', text: `this one never arrives: ${marker}` }));
    const proxy = await startFaultProxy(dovecot.port);
    proxies.push(proxy);
    proxy.cutOn(marker);
    const mailboxes = JSON.stringify([{ name: 'd10t', url: imapUrlVia(dovecot, user, proxy.port), address: 'support@example.com' }]);
    // A sweep every second (the least allowed). The record moves the watermark past the UID, so no sweep fetches it again.
    const app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '1000' });
    apps.push(app);
    await eventually(async () => (await count(app.databaseUrl, `select 1 from quarantined_message where mailbox = 'd10t'`)) === 1, 'the FETCH_FAILED record');
    const cuts = proxy.patternCuts;
    await new Promise((resolve) => setTimeout(resolve, 5000)); // about five sweeps
    expect(proxy.patternCuts, 'cuts after the record').toBe(cuts);
    expect(await tickets(app, 'd10t %')).toBe(1);
    expect(await count(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'd10t'`)).toBe(2);
    console.info(`[D10] a recorded failure at the folder's end: ${cuts} cuts until recorded, none in the 5 s of sweeps after`);
  });

  it('records a message over MAX_MESSAGE_MB as too large with its UID and sender, tells the sender, and does not block the mailbox (M10)', async () => {
    const user = dovecot.users[2]!;
    const uids: number[] = [];
    const huge = [{ filename: 'huge.pdf', content: Buffer.alloc(1536 * 1024, 7) }];
    for (let i = 0; i < 5; i++) {
      // 2: a customer's; 3: spam by the verdict of a filter before postdesk, and 4: an automatic one
      // (an auto-reply with a big attachment), which are told nothing.
      const mail: TestMail =
        i === 2 ? { attachments: huge }
        : i === 3 ? { from: 'Pills <offer@spammer.test>', headers: { 'X-Spam-Flag': 'YES' }, attachments: huge }
        : i === 4 ? { from: 'Robot <robot@vendor.test>', headers: { 'Auto-Submitted': 'auto-replied' }, attachments: huge }
        : {};
      uids.push(await dovecot.append(user, await buildMail({ subject: `m10 ${i}`, messageId: `m10-${i}@customer.test`, ...mail })));
    }
    const { app } = await gatewayVia(user, 'm10', { MAX_MESSAGE_MB: '1' });
    await eventually(async () => (await count(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'm10'`)) === 5, '5 receipts');
    // Who sent it and what about, from the header lines the server handed over alone.
    const records = await query<{ uid: string; reason_code: string; reason: string; sender: string | null; subject: string | null }>(
      app.databaseUrl,
      `select uid::text, reason_code, reason, sender, subject from quarantined_message where mailbox = 'm10' order by uid`,
    );
    expect(records).toEqual([
      { uid: String(uids[2]), reason_code: 'MESSAGE_TOO_LARGE', reason: expect.stringMatching(/ bytes is over MAX_MESSAGE_MB; the sender was told$/), sender: 'customer@customer.test', subject: 'm10 2' },
      { uid: String(uids[3]), reason_code: 'MESSAGE_TOO_LARGE', reason: expect.stringMatching(/ bytes is over MAX_MESSAGE_MB$/), sender: 'offer@spammer.test', subject: 'm10 3' },
      { uid: String(uids[4]), reason_code: 'MESSAGE_TOO_LARGE', reason: expect.stringMatching(/ bytes is over MAX_MESSAGE_MB$/), sender: 'robot@vendor.test', subject: 'm10 4' },
    ]);
    // The customer's notice: one, in the thread of their message, marked automatic and ours.
    const notices = await query<{ recipients: string[]; raw: string }>(app.databaseUrl, `select recipients, convert_from(raw, 'UTF8') as raw from outbound_delivery where kind = 'message-too-large'`);
    expect(notices.map((n) => n.recipients)).toEqual([['customer@customer.test']]);
    expect(notices[0]!.raw).toMatch(/^Subject: Re: m10 2 \(message too large\)\r$/m);
    expect(notices[0]!.raw).toMatch(/^In-Reply-To: <m10-2@customer\.test>\r$/m);
    expect(notices[0]!.raw).toMatch(/^Auto-Submitted: auto-replied\r$/m);
    expect(notices[0]!.raw.replace(/=\r\n/g, '')).toMatch(/more than the 1 MB our support desk accepts/); // quoted-printable, soft breaks undone
    // Delivered like any mail, though it belongs to no ticket (here into $DATA_DIR/outbox: no SMTP_URL).
    await eventually(async () => (await count(app.databaseUrl, `select 1 from outbound_delivery where kind = 'message-too-large' and status = 'SENT'`)) === 1, 'notice sent');
    // Not blocked: mail arriving afterwards comes in too.
    await dovecot.append(user, await buildMail({ subject: 'm10 5' }));
    await eventually(async () => (await tickets(app, 'm10 %')) === 3, '3 tickets');
    const subjects = await query<{ subject: string }>(app.databaseUrl, `select subject from ticket where subject like 'm10 %' order by subject`);
    expect(subjects.map((s) => s.subject)).toEqual(['m10 0', 'm10 1', 'm10 5']);
    expect(await count(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'm10'`)).toBe(6);
  });
});
