/**
 * The IMAP poller against a private Dovecot: push via IDLE, marking after commit, mail already
 * read, UIDVALIDITY reset (D4), a Dovecot restart (F1), one poller per mailbox (F11).
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { eventually, queryDatabase as query } from '../../harness/eventually.js';

if (DOVECOT_SKIP_REASON) console.warn(`[imap.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot;
const apps: TestApp[] = [];

beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(6);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await dovecot?.stop();
});

async function gateway(user: number, databaseUrl?: string): Promise<TestApp> {
  const mailboxes = JSON.stringify([{ name: `box${user}`, url: dovecot.imapUrl(dovecot.users[user]!), address: 'support@example.com' }]);
  // Many messages come from one test sender: lift the per-sender limit (the pipeline tests cover it).
  const app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '60000', SENDER_RATE_LIMIT: '1000/10m' }, databaseUrl);
  apps.push(app);
  return app;
}

async function flagsOf(user: number, folder = 'INBOX'): Promise<Map<number, Set<string>>> {
  const client = new ImapFlow({ ...connection(user), logger: false });
  await client.connect();
  await client.mailboxOpen(folder);
  const flags = new Map<number, Set<string>>();
  for await (const m of client.fetch('1:*', { uid: true, flags: true }, { uid: true })) flags.set(m.uid, m.flags ?? new Set());
  await client.logout();
  return flags;
}

function connection(user: number) {
  const u = dovecot.users[user]!;
  return { host: dovecot.host, port: dovecot.port, secure: false, auth: { user: u.name, pass: u.password } };
}

describe.skipIf(!dovecotAvailable())('IMAP poller', () => {
  it('imports mail already read, pushes new mail via IDLE, and marks each message after commit', async () => {
    const user = dovecot.users[0]!;
    await dovecot.append(user, await buildMail({ subject: 'Already read by a person' }), 'INBOX', ['\\Seen']);
    const app = await gateway(0);
    await eventually(async () => (await query(app.databaseUrl, `select 1 from ticket where subject = 'Already read by a person'`)).length === 1);
    await dovecot.append(user, await buildMail({ subject: 'Arrives while idling' }));
    await eventually(async () => (await query(app.databaseUrl, `select 1 from ticket where subject = 'Arrives while idling'`)).length === 1);
    const flags = await eventually(async () => {
      const f = await flagsOf(0);
      return [...f.values()].every((s) => s.has('$Postdesk') && s.has('\\Seen')) && f.size === 2 ? f : null;
    });
    expect(flags.size).toBe(2);
    const state = await query<{ highest_uid: string }>(app.databaseUrl, 'select highest_uid from mailbox_state where name = $1', ['box0']);
    expect(Number(state[0]?.highest_uid)).toBe(2);
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { mailboxes: Record<string, { state: string; backlog: number }> };
    expect(ready.mailboxes.box0).toMatchObject({ state: 'connected', backlog: 0 });
  });

  it('rescans after a UIDVALIDITY change without creating tickets twice (D4)', async () => {
    const user = dovecot.users[1]!;
    const messages = await Promise.all(Array.from({ length: 10 }, (_, i) => buildMail({ subject: `uidvalidity ${i}` })));
    for (const raw of messages) await dovecot.append(user, raw, 'Support');
    const databaseUrl = await createTestDatabase();
    const mailboxes = JSON.stringify([{ name: 'recreated', url: dovecot.imapUrl(user), folder: 'Support' }]);
    let app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com' }, databaseUrl);
    await eventually(async () => (await query(databaseUrl, `select 1 from ticket where subject like 'uidvalidity %'`)).length === 10);
    await app.stop();

    // Recreate the folder: a new UIDVALIDITY, the same 10 messages plus 2 new ones.
    const admin = new ImapFlow({ ...connection(1), logger: false });
    await admin.connect();
    await admin.mailboxDelete('Support');
    await admin.logout();
    for (const raw of messages) await dovecot.append(user, raw, 'Support');
    for (const i of [10, 11]) await dovecot.append(user, await buildMail({ subject: `uidvalidity ${i}` }), 'Support');

    app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com' }, databaseUrl);
    apps.push(app);
    await eventually(async () => (await query(databaseUrl, `select 1 from ticket where subject like 'uidvalidity %'`)).length === 12);
    await eventually(async () => (await query(databaseUrl, `select 1 from inbound_receipt where mailbox = 'recreated'`)).length === 22);
    const outcomes = await query<{ outcome: string; n: string }>(databaseUrl, `select outcome, count(*) as n from inbound_receipt where mailbox = 'recreated' group by 1 order by 1`);
    expect(outcomes.map((o) => [o.outcome, Number(o.n)])).toEqual([['duplicate', 10], ['ticket', 12]]);
    expect((await query(databaseUrl, `select 1 from ticket_event where kind = 'uidvalidity-changed'`)).length).toBe(1);
  });

  it('keeps going through a Dovecot restart with nothing lost or duplicated (F1)', async () => {
    const user = dovecot.users[2]!;
    const app = await gateway(2);
    for (let i = 0; i < 30; i++) await dovecot.append(user, await buildMail({ subject: `restart ${i}` }));
    await dovecot.restart();
    for (let i = 30; i < 40; i++) await dovecot.append(user, await buildMail({ subject: `restart ${i}` }));
    await eventually(async () => (await query(app.databaseUrl, `select 1 from ticket where subject like 'restart %'`)).length === 40);
    const dupes = await query(app.databaseUrl, `select subject from ticket where subject like 'restart %' group by subject having count(*) > 1`);
    expect(dupes).toEqual([]);
  });

  it('lets exactly one of two gateways poll a mailbox, and the other take over when it stops (F11)', async () => {
    const user = dovecot.users[3]!;
    const databaseUrl = await createTestDatabase();
    const first = await gateway(3, databaseUrl);
    const second = await gateway(3, databaseUrl);
    for (let i = 0; i < 20; i++) await dovecot.append(user, await buildMail({ subject: `shared ${i}` }));
    await eventually(async () => (await query(databaseUrl, `select 1 from ticket where subject like 'shared %'`)).length === 20);
    const states = await Promise.all([first, second].map(async (a) => ((await (await fetch(`${a.url}/readyz`)).json()) as { mailboxes: Record<string, { state: string }> }).mailboxes.box3?.state));
    expect(states.sort()).toEqual(['connected', 'standby']);
    const leader = states[0] === 'connected' ? first : second;
    await leader.stop();
    apps.splice(apps.indexOf(leader), 1);
    for (let i = 20; i < 25; i++) await dovecot.append(user, await buildMail({ subject: `shared ${i}` }));
    await eventually(async () => (await query(databaseUrl, `select 1 from ticket where subject like 'shared %'`)).length === 25);
    const leases = await query<{ to_value: string }>(databaseUrl, `select to_value from ticket_event where kind = 'mailbox-lease' order by id`);
    expect(leases.map((l) => Number(l.to_value))).toEqual([1, 2]);
    expect((await query(databaseUrl, `select subject from ticket where subject like 'shared %' group by subject having count(*) > 1`)).length).toBe(0);
  });

  it('moves ingested mail to the processed folder and quarantined mail to the quarantine folder, each once (D8)', async () => {
    const user = dovecot.users[4]!;
    const mailboxes = JSON.stringify([{ name: 'moving', url: dovecot.imapUrl(user), address: 'support@example.com', processedFolder: 'Processed', quarantineFolder: 'Quarantine' }]);
    const app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '60000' });
    apps.push(app);
    await dovecot.append(user, await buildMail({ subject: 'moved one' }));
    await dovecot.append(user, await buildMail({ subject: 'moved two' }));
    // Automatic mail that answers no ticket is quarantined (AUTOMATIC_UNTHREADED).
    await dovecot.append(user, await buildMail({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }));
    const folders = await eventually(async () => {
      const [inbox, processed, quarantine] = await Promise.all([flagsOf(4), flagsOf(4, 'Processed'), flagsOf(4, 'Quarantine')]);
      return inbox.size === 0 && processed.size === 2 && quarantine.size === 1 ? { processed, quarantine } : null;
    }, 'INBOX emptied into Processed (2) and Quarantine (1)');
    const kept = (flags: Set<string>) => [...flags].filter((f) => f !== '\\Recent').sort(); // \Recent is per session
    for (const flags of folders.processed.values()) expect(kept(flags)).toEqual(['$Postdesk', '\\Seen']);
    for (const flags of folders.quarantine.values()) expect(kept(flags)).toEqual(['$Postdesk', '$PostdeskQuarantined', '\\Seen']);
    expect((await query(app.databaseUrl, `select 1 from ticket where subject like 'moved %'`)).length).toBe(2);
    const receipts = await query<{ outcome: string; n: string }>(app.databaseUrl, `select outcome, count(*) as n from inbound_receipt group by 1 order by 1`);
    expect(receipts.map((r) => [r.outcome, Number(r.n)])).toEqual([['quarantined', 1], ['ticket', 2]]);
  });
});
