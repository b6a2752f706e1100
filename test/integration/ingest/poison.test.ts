/**
 * D9, a poison message at position 1 of 1,000 in a real Dovecot mailbox. The poison is a message
 * that makes our pipeline throw for a reason that will not change: a PostgreSQL trigger, installed
 * by this test, raises a plain (non-transient) error when a message row with its subject is
 * inserted. Production code is untouched. Expected: 999 ingested + 1 quarantined (PIPELINE_ERROR)
 * with its raw bytes equal to the server's copy; the poller goes on (a later message still
 * arrives); after the "fix" (the trigger dropped) retryQuarantinedMessage through GraphQL stores
 * it exactly once, and a second retry changes nothing.
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { appendAll, count, duplicateSubjects, serverFlags, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[poison.test] ${DOVECOT_SKIP_REASON}`);

const TOTAL = 1000;
const POISON_SUBJECT = 'D9 poison message';
const POISON = `
  create function pd_test_poison_d9() returns trigger language plpgsql as $$
  begin raise exception 'injected by poison.test (D9): this message always fails'; end $$;
  create trigger pd_test_poison_d9 before insert on message for each row
    when (new.subject = '${POISON_SUBJECT}') execute function pd_test_poison_d9();`;
const FIX = 'drop trigger pd_test_poison_d9 on message; drop function pd_test_poison_d9();';

let dovecot: Dovecot | null = null;
let app: TestApp | null = null;
afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

/** The server's copy of one message, by UID. */
async function serverSource(d: Dovecot, user: DovecotUser, uid: number): Promise<Buffer> {
  const client = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!message || !message.source) throw new Error(`no message with UID ${uid}`);
    return message.source;
  } finally {
    await client.logout();
  }
}

describe.skipIf(!dovecotAvailable())('a poison message at position 1 of 1,000 (D9)', () => {
  it('ingests 999, quarantines the poison with its raw bytes, keeps polling, and stores it once after the fix', { timeout: 180_000 }, async () => {
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    const messages = [await buildMail({ from: 'poisoner@customer.test', subject: POISON_SUBJECT, text: 'I break the pipeline.' })];
    for (let i = 1; i < TOTAL; i++) messages.push(await buildMail({ from: `c${i % 50}@customer.test`, subject: `d9 ${i}` }));
    await appendAll(dovecot, user, messages);

    const databaseUrl = await createTestDatabase();
    await queryDatabase(databaseUrl, POISON);
    app = await startTestApp(
      {
        MAILBOXES: JSON.stringify([{ name: 'd9', url: dovecot.imapUrl(user), address: 'support@example.com' }]),
        SUPPORT_ADDRESS: 'support@example.com',
        SENDER_RATE_LIMIT: '100000/10m',
      },
      databaseUrl,
    );
    await until(async () => (await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'd9'`)) >= TOTAL, `${TOTAL} receipts`);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'd9 %'`)).toBe(TOTAL - 1);
    expect(await duplicateSubjects(databaseUrl, 'd9 %')).toEqual([]);
    const quarantined = await queryDatabase<{ id: number; reason_code: string; uid: string; sha256: string; size: number }>(
      databaseUrl,
      `select q.id, q.reason_code, q.uid::text, encode(sha256(r.content), 'hex') as sha256, r.size from quarantined_message q join raw_source r on r.id = q.raw_source_id`,
    );
    expect(quarantined).toHaveLength(1);
    const record = quarantined[0]!;
    expect(record).toMatchObject({ reason_code: 'PIPELINE_ERROR', uid: '1' });
    const serverCopy = await serverSource(dovecot, user, 1);
    expect({ sha256: record.sha256, size: record.size }).toEqual({ sha256: createHash('sha256').update(serverCopy).digest('hex'), size: serverCopy.length });
    expect(await count(databaseUrl, `select 1 from ticket where subject = $1`, [POISON_SUBJECT])).toBe(0);
    await until(async () => (await serverFlags(dovecot!, user)).get(1)?.has('$PostdeskQuarantined') === true, 'the poison marked quarantined on the server');

    // Polling continues: a message arriving now is ingested.
    await dovecot.append(user, await buildMail({ subject: 'd9 after the poison' }));
    await until(async () => (await count(databaseUrl, `select 1 from ticket where subject = 'd9 after the poison'`)) === 1, 'a later message ingested');

    // The admin sees it, fixes the cause, and retries through the API.
    const listed = await gql<{ quarantinedMessages: { totalCount: number; edges: { node: { id: string; reasonCode: string; sha256: string } }[] } }>(
      app.url,
      app.adminToken,
      '{ quarantinedMessages(first: 10) { totalCount edges { node { id reasonCode sha256 } } } }',
    );
    expect(listed.data?.quarantinedMessages.edges.map((e) => e.node)).toEqual([{ id: String(record.id), reasonCode: 'PIPELINE_ERROR', sha256: record.sha256 }]);
    await queryDatabase(databaseUrl, FIX);
    const retry = `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } quarantinedMessage { resolvedAt } } }`;
    type Retry = { retryQuarantinedMessage: { ticketNumber: number | null; userErrors: { message: string }[]; quarantinedMessage: { resolvedAt: string | null } | null } };
    const first = await gql<Retry>(app.url, app.adminToken, retry, { id: String(record.id) });
    expect(first.errors).toBeUndefined();
    expect(first.data?.retryQuarantinedMessage.userErrors).toEqual([]);
    expect(first.data?.retryQuarantinedMessage.ticketNumber).toEqual(expect.any(Number));
    expect(first.data?.retryQuarantinedMessage.quarantinedMessage?.resolvedAt).toEqual(expect.any(String));
    const second = await gql<Retry>(app.url, app.adminToken, retry, { id: String(record.id) });
    expect(second.data?.retryQuarantinedMessage.userErrors).toHaveLength(1);
    expect(await count(databaseUrl, `select 1 from ticket where subject = $1`, [POISON_SUBJECT])).toBe(1);
    expect(await count(databaseUrl, `select 1 from message where subject = $1`, [POISON_SUBJECT])).toBe(1);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'd9 %'`)).toBe(TOTAL);
    console.info(`[D9] ${TOTAL - 1} ingested + 1 quarantined (PIPELINE_ERROR, UID 1, raw sha256 equal to the server's copy); polling went on; retry stored it once (ticket #${first.data?.retryQuarantinedMessage.ticketNumber}), a second retry refused`);
  });
});
