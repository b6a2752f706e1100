/**
 * A mailbox's history imported as archive (MAILBOXES `archiveBefore`): postdesk pointed at a
 * mailbox that already holds months of mail must not send every old customer an acknowledgement,
 * page on-call for last year's emergencies or mail the watchers thousands of times. Mail the server
 * received before `archiveBefore` (its INTERNALDATE) is stored as it was, under that time: new
 * tickets closed when they arrived, replies on their tickets changing nothing, flagged `archived`,
 * without any mail, page or rate limit. Mail received after it is handled as always. Real gateway,
 * real Dovecot, real PostgreSQL, an SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { outboxSettled } from '../outbound/outbound-harness.js';

if (DOVECOT_SKIP_REASON) console.warn(`[archive-import.test] ${DOVECOT_SKIP_REASON}`);

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ARCHIVE_BEFORE = '2026-11-15';
const days = (n: number) => new Date(Date.now() - n * 86_400_000);

describe.skipIf(!dovecotAvailable())('history imported as archive (archiveBefore)', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let app: TestApp;
  const must = (query: string, variables?: Record<string, unknown>): Promise<Data> => gqlData<Data>(app.url, app.adminToken, query, variables);
  const append = async (mail: TestMail, received: Date) => dovecot.append(dovecot.users[0]!, await buildMail(mail), 'INBOX', [], received);
  const receipts = async () => (await queryDatabase(app.databaseUrl, `select 1 from inbound_receipt where mailbox = 'support'`)).length;

  beforeAll(async () => {
    dovecot = await startDovecot(1);
    sink = await startSmtpSink();
    const mailboxes = JSON.stringify([{ name: 'support', url: dovecot.imapUrl(dovecot.users[0]!), address: 'support@example.com', archiveBefore: ARCHIVE_BEFORE }]);
    app = await startTestApp({
      MAILBOXES: mailboxes,
      SUPPORT_ADDRESS: 'support@example.com',
      EMERGENCY_ADDRESS: 'emergency@example.com',
      ONCALL_ADDRESSES: 'oncall@staff.test',
      SMTP_URL: sink.url,
      SENDER_RATE_LIMIT: '2/10m',
      SENDER_AUTHENTICATION: 'off',
      POLL_INTERVAL_MS: '1000',
    });
    await must(`mutation { createAgent(input: { email: "wendy@staff.test", name: "Wendy", role: AGENT }) { userErrors { message } } }`);
    await must(`mutation { addQueueWatcher(queue: "General", email: "wendy@staff.test") { userErrors { message } } }`);
  });
  afterAll(async () => {
    await app?.stop();
    await sink?.stop();
    await dovecot?.stop();
  });

  it('stores old mail closed and silent, and handles mail received since as always', async () => {
    await append({ from: 'Ann <ann@customer.test>', subject: 'Old printer issue', text: 'The printer jams.', messageId: 'ann-1@customer.test' }, new Date('2026-10-01T09:00:00Z'));
    await append({ from: 'Ann <ann@customer.test>', subject: 'Re: Old printer issue', text: 'It works again, thanks.', inReplyTo: 'ann-1@customer.test' }, new Date('2026-10-02T09:00:00Z'));
    await append({ from: 'Monitor <alerts@vendor.test>', to: 'emergency@example.com', subject: 'Disk full on db1' }, new Date('2026-10-03T03:00:00Z'));
    for (let i = 0; i < 3; i++) await append({ from: 'Cleo <cleo@customer.test>', subject: `Old question ${i}` }, new Date(`2026-10-1${i}T09:00:00Z`));
    await append({ from: 'Bob <bob@customer.test>', subject: 'New question' }, days(0));
    await eventually(async () => (await receipts()) === 7, 'seven messages committed');

    const found = await must(`{ tickets(first: 20, orderBy: { field: CREATED_AT, direction: ASC }) { edges { node {
      subject status priority createdAt messages { flags createdAt } } } } }`);
    const tickets = found.tickets.edges.map((e: Data) => e.node);
    expect(tickets.map((t: Data) => [t.subject, t.status])).toEqual([
      ['Old printer issue', 'CLOSED'],
      ['Disk full on db1', 'CLOSED'],
      ['Old question 0', 'CLOSED'],
      ['Old question 1', 'CLOSED'],
      ['Old question 2', 'CLOSED'],
      ['New question', 'OPEN'],
    ]);
    // Under the time the server received them; the reply joined its ticket and reopened nothing.
    expect(tickets[0].createdAt).toBe('2026-10-01T09:00:00.000Z');
    expect(tickets[0].messages).toEqual([
      { flags: ['archived'], createdAt: '2026-10-01T09:00:00.000Z' },
      { flags: ['archived'], createdAt: '2026-10-02T09:00:00.000Z' },
    ]);
    expect(tickets[1].priority).not.toBe('URGENT'); // last month's emergency pages nobody now
    expect(tickets[5].messages[0].flags).toEqual([]);

    // Mail only about the new question: its acknowledgement and the watcher's copy.
    await outboxSettled(app.databaseUrl);
    const mails = await queryDatabase<{ kind: string; recipients: string[] }>(app.databaseUrl, `select kind, recipients from outbound_delivery order by id`);
    expect(mails).toEqual([
      { kind: 'acknowledgement', recipients: ['bob@customer.test'] },
      { kind: 'watcher-new-ticket', recipients: ['wendy@staff.test'] },
    ]);
  });

  it('a customer who answers an archived ticket today, closed longer ago than the reopen window, opens a new ticket linked to it', async () => {
    await append({ from: 'Ann <ann@customer.test>', subject: 'Re: Old printer issue', text: 'It jams again!', inReplyTo: 'ann-1@customer.test' }, days(0));
    await eventually(async () => (await receipts()) === 8, 'the reply committed');
    const found = await must(`{ tickets(filter: { search: "printer" }, first: 5, orderBy: { field: CREATED_AT, direction: ASC }) { edges { node { number status linkedTo } } } }`);
    const [archived, reopened] = found.tickets.edges.map((e: Data) => e.node);
    expect(archived).toMatchObject({ status: 'CLOSED' });
    expect(reopened).toMatchObject({ status: 'OPEN', linkedTo: archived.number });
  });
});
