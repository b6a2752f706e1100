/**
 * A mailbox with role JUNK: the folder where the mail server's own spam filter files mail. Read so
 * that a customer's mail filed there by mistake is not lost from the desk's sight, but treated as
 * spam: what would open a ticket is held as SPAM (kept, listed, never acknowledged: the senders of
 * real junk are mostly forged), an admin's retry makes it an ordinary ticket, a reply to a ticket
 * still lands on it (flagged `spam-verdict`), and mail too large to fetch tells nobody. Real
 * gateway, real Dovecot (INBOX and Junk of one account), real PostgreSQL, GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { buildMail } from '../../harness/mail.js';

if (DOVECOT_SKIP_REASON) console.warn(`[junk-mailbox.test] ${DOVECOT_SKIP_REASON}`);

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!dovecotAvailable())('a JUNK mailbox (the mail server\'s junk folder)', () => {
  let dovecot: Dovecot;
  let app: TestApp;
  const must = (query: string, variables?: Record<string, unknown>): Promise<Data> => gqlData<Data>(app.url, app.adminToken, query, variables);
  const count = async (sql: string, values: unknown[] = []) => (await queryDatabase(app.databaseUrl, sql, values)).length;
  const outbox = (kind: string, address: string) => count(`select 1 from outbound_delivery where kind = $1 and recipients @> array[$2]::text[]`, [kind, address]);

  beforeAll(async () => {
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    const mailboxes = JSON.stringify([
      { name: 'support', url: dovecot.imapUrl(user), address: 'support@example.com' },
      { name: 'support-junk', url: dovecot.imapUrl(user), folder: 'Junk', role: 'JUNK' },
    ]);
    app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '1000', MAX_MESSAGE_MB: '1', SENDER_AUTHENTICATION: 'off' });
  });
  afterAll(async () => {
    await app?.stop();
    await dovecot?.stop();
  });

  it('holds what would open a ticket as SPAM, lets replies land flagged, tells nobody, and a retry makes a ticket', async () => {
    const user = dovecot.users[0]!;
    await dovecot.append(user, await buildMail({ from: 'Ada <ada@customer.test>', subject: 'Invoice question', messageId: 'ada-1@customer.test' }));
    await eventually(async () => (await count(`select 1 from ticket where subject = 'Invoice question'`)) === 1, 'the INBOX ticket');

    await dovecot.append(user, await buildMail({ from: 'Ada <ada@customer.test>', subject: 'Re: Invoice question', text: 'Here is the invoice number: 4711.', inReplyTo: 'ada-1@customer.test' }), 'Junk');
    await dovecot.append(user, await buildMail({ from: 'Ben <ben@customer.test>', subject: 'Password reset does not arrive' }), 'Junk');
    await dovecot.append(user, await buildMail({ from: 'Cy <cy@customer.test>', subject: 'Huge scan', attachments: [{ filename: 'scan.pdf', content: Buffer.alloc(1536 * 1024, 7) }] }), 'Junk');
    await eventually(async () => (await count(`select 1 from inbound_receipt where mailbox = 'support-junk'`)) === 3, 'three junk receipts');

    const thread = await must(`{ tickets(filter: { search: "invoice" }, first: 5) { edges { node { number messages { visibleText flags } } } } }`);
    expect(thread.tickets.edges).toHaveLength(1);
    expect(thread.tickets.edges[0].node.messages).toMatchObject([{ flags: [] }, { visibleText: 'Here is the invoice number: 4711.', flags: ['spam-verdict'] }]);

    const held = await must(`{ quarantinedMessages(filter: { reasonCode: ["SPAM", "MESSAGE_TOO_LARGE"] }) { edges { node { id reasonCode reason from subject } } } }`);
    const byCode = new Map(held.quarantinedMessages.edges.map((e: Data) => [e.node.reasonCode, e.node]));
    expect(byCode.get('SPAM')).toMatchObject({
      from: 'ben@customer.test',
      subject: 'Password reset does not arrive',
      reason: 'a spam filter before postdesk called it spam (the mail server filed it as junk: mailbox support-junk)',
    });
    expect(byCode.get('MESSAGE_TOO_LARGE')).toMatchObject({ from: 'cy@customer.test', reason: expect.not.stringContaining('told') });
    expect(await outbox('acknowledgement', 'ben@customer.test')).toBe(0);
    expect(await outbox('message-too-large', 'cy@customer.test')).toBe(0);

    // A false positive: the admin releases it, and Ben gets his ticket and its acknowledgement.
    const spam = byCode.get('SPAM') as Data;
    const retried = await must(`mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber userErrors { message } } }`, { id: spam.id });
    expect(retried.retryQuarantinedMessage).toMatchObject({ ticketNumber: expect.any(Number), userErrors: [] });
    expect(await outbox('acknowledgement', 'ben@customer.test')).toBe(1);
  });
});
