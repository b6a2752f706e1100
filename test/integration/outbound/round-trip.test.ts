/**
 * The reply round trip, end to end with the real gateway: a customer's mail is APPENDed to Dovecot,
 * the gateway opens a ticket and sends the acknowledgement over SMTP, the sink captures it, the test
 * answers it as the customer (In-Reply-To/References from the captured headers, a new subject
 * without the tag) by APPENDing to Dovecot, and the answer lands on the same ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { ids, parseCaptured } from './outbound-harness.js';

if (DOVECOT_SKIP_REASON) console.warn(DOVECOT_SKIP_REASON);

describe.skipIf(!dovecotAvailable())('reply round trip through SMTP and IMAP', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let app: TestApp;

  beforeAll(async () => {
    dovecot = await startDovecot(1);
    sink = await startSmtpSink();
    const mailboxes = JSON.stringify([{ name: 'support', url: dovecot.imapUrl(dovecot.users[0]!), address: 'support@example.com' }]);
    app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', SMTP_URL: sink.url, POLL_INTERVAL_MS: '60000' });
  });
  afterAll(async () => {
    await app?.stop();
    await sink?.stop();
    await dovecot?.stop();
  });

  it('the customer answers the acknowledgement and the answer is a comment on the same ticket', async () => {
    const first = randomMessageId();
    await dovecot.append(dovecot.users[0]!, await buildMail({ from: 'Rita <rita@customer.test>', subject: 'Cannot print', text: 'The printer says PC LOAD LETTER.', messageId: first }));
    const [captured] = await sink.waitFor(1, 30_000);
    const ack = await parseCaptured(captured!);
    expect(ack.envelope.to).toEqual(['rita@customer.test']);
    const ackId = ids(ack.header('message-id'))[0]!;
    const number = Number(/\[#(\d+)\]/.exec(ack.parsed.subject ?? '')![1]);

    // The customer's client answers: new subject (no tag), threading headers from what it received.
    const reply = randomMessageId();
    await dovecot.append(
      dovecot.users[0]!,
      await buildMail({
        from: 'Rita <rita@customer.test>',
        subject: 'one more detail',
        text: 'It is the printer on floor 2.',
        messageId: reply,
        inReplyTo: ackId,
        references: [...ids(ack.header('references')), ackId],
      }),
    );
    const rows = await eventually(async () => {
      const r = await queryDatabase<{ number: number; direction: string; message_id: string }>(
        app.databaseUrl,
        `select t.number, m.direction, m.message_id from message m join ticket t on t.id = m.ticket_id order by m.id`,
      );
      return r.length >= 2 ? r : null;
    }, 'the reply stored');
    expect(rows).toEqual([
      { number, direction: 'INBOUND', message_id: first },
      { number, direction: 'INBOUND', message_id: reply },
    ]);
    const tickets = await queryDatabase<{ n: string }>(app.databaseUrl, `select count(*)::text as n from ticket`);
    expect(tickets[0]!.n).toBe('1');
    const delivered = await queryDatabase<{ message_id: string; status: string }>(app.databaseUrl, `select message_id, status from outbound_delivery`);
    expect(delivered).toEqual([{ message_id: ackId, status: 'SENT' }]);
  });
});
