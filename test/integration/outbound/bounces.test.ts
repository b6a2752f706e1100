/**
 * TESTPLAN L5 and L7 end to end: postdesk sends acknowledgements over real SMTP, the sink captures
 * them, and 100 delivery failure notices in the shapes Postfix, Exim and Gmail write come back
 * quoting those very messages. Acknowledgements exist only as outbox rows (no `message` row), so
 * this proves bounces are matched through outbound_delivery / our signed Message-IDs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import type { CapturedMail } from '../../harness/smtp-sink.js';
import { Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { notify } from '../../../src/outbound/notify.js';
import { ids, mailsTo, outboxSettled, parseCaptured, startOutboundHarness, type OutboundHarness } from './outbound-harness.js';

const COUNT = 100;
const customer = (i: number) => `bounce${i}@customer.test`;

/** The header block of a captured message (what `text/rfc822-headers` returns). */
function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

/** Postfix: multipart/report with a human part, message/delivery-status and the returned headers. */
function postfixDsn(recipient: string, returned: Buffer, n: number): Buffer {
  return Buffer.from(
    [
      'Return-Path: <>',
      'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <postfix.${n}@mx.customer.test>`,
      'Date: Sat, 28 Nov 2026 10:00:00 +0000',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="pf-b"',
      '',
      '--pf-b',
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.customer.test.',
      '',
      "I'm sorry to have to inform you that your message could not",
      'be delivered to one or more recipients. It\'s attached below.',
      '',
      `<${recipient}>: host mx.customer.test[192.0.2.40] said: 550 5.1.1 User unknown`,
      '',
      '--pf-b',
      'Content-Description: Delivery report',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      'Arrival-Date: Sat, 28 Nov 2026 10:00:00 +0000',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      `Original-Recipient: rfc822;${recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      '--pf-b',
      'Content-Description: Undelivered Message Headers',
      'Content-Type: text/rfc822-headers',
      '',
      headerBlock(returned),
      '',
      '--pf-b--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** Exim: one text/plain part, X-Failed-Recipients, the whole returned message quoted in the body. */
function eximBounce(recipient: string, returned: Buffer, n: number): Buffer {
  return Buffer.from(
    [
      'Return-path: <>',
      'From: Mail Delivery System <Mailer-Daemon@mx.customer.test>',
      'To: support@example.com',
      'Subject: Mail delivery failed: returning message to sender',
      `Message-Id: <exim.${n}@mx.customer.test>`,
      'Date: Sat, 28 Nov 2026 10:00:00 +0000',
      `X-Failed-Recipients: ${recipient}`,
      'Auto-Submitted: auto-replied',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a permanent error. The following address(es) failed:',
      '',
      `  ${recipient}`,
      '    host mx.customer.test [192.0.2.30]',
      `    SMTP error from remote mail server after RCPT TO:<${recipient}>:`,
      '    550 5.1.1 User unknown',
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      'Return-path: <support@example.com>',
      returned.toString('latin1'),
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** Gmail: multipart/report with X-Failed-Recipients, In-Reply-To, and the returned message/rfc822. */
function gmailDsn(recipient: string, returned: Buffer, returnedId: string, n: number): Buffer {
  return Buffer.from(
    [
      'Return-Path: <>',
      'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
      'To: support@example.com',
      `X-Failed-Recipients: ${recipient}`,
      'Subject: Delivery Status Notification (Failure)',
      `Message-ID: <gmail.${n}@mx.google.com>`,
      `In-Reply-To: <${returnedId}>`,
      `References: <${returnedId}>`,
      'Date: Sat, 28 Nov 2026 10:00:00 +0000',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; boundary="gm-b"; report-type=delivery-status',
      '',
      '--gm-b',
      'Content-Type: text/plain; charset="UTF-8"',
      '',
      "** Address not found **",
      '',
      `Your message wasn't delivered to ${recipient} because the address couldn't be found, or is unable to receive mail.`,
      '',
      '--gm-b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; googlemail.com',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.',
      '',
      '--gm-b',
      'Content-Type: message/rfc822',
      '',
      returned.toString('latin1'),
      '',
      '--gm-b--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

describe('bounces of the mail postdesk sends (L5) and silence afterwards (L7)', () => {
  let h: OutboundHarness;
  const numbers: number[] = [];
  const acks: CapturedMail[] = [];

  beforeAll(async () => {
    h = await startOutboundHarness();
    for (let i = 0; i < COUNT; i++) {
      const outcome = await h.ingest.ingest(await buildMail({ from: customer(i), subject: `Question ${i}` }));
      if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      numbers.push(outcome.ticketNumber);
    }
    await h.sink.waitFor(COUNT, 60_000);
    await outboxSettled(h.ingest.config.databaseUrl!);
    for (let i = 0; i < COUNT; i++) {
      const [ack] = mailsTo(h.sink, customer(i));
      if (!ack) throw new Error(`no acknowledgement captured for ${customer(i)}`);
      acks.push(ack);
    }
  }, 180_000);
  afterAll(async () => h?.close());

  it('100 DSNs answering captured acknowledgements: 0 tickets, 0 mails, 100 notes on the right tickets, recipients undeliverable', async () => {
    const url = h.ingest.config.databaseUrl!;
    const count = async (sql: string) => Number((await queryDatabase<{ n: string }>(url, sql))[0]!.n);
    const ticketsBefore = await count(`select count(*)::text as n from ticket`);
    const deliveriesBefore = await count(`select count(*)::text as n from outbound_delivery`);
    // The acknowledgements are outbox rows only: nothing in `message` carries their IDs.
    const ackIds = await Promise.all(acks.map(async (a) => ids((await parseCaptured(a)).header('message-id'))[0]!));
    expect(await count(`select count(*)::text as n from message where message_id = any('{${ackIds.join(',')}}'::text[])`)).toBe(0);

    const shapes = { postfix: 0, exim: 0, gmail: 0 };
    for (let i = 0; i < COUNT; i++) {
      const shape = (['postfix', 'exim', 'gmail'] as const)[i % 3]!;
      shapes[shape]++;
      const raw =
        shape === 'postfix' ? postfixDsn(customer(i), acks[i]!.raw, i) : shape === 'exim' ? eximBounce(customer(i), acks[i]!.raw, i) : gmailDsn(customer(i), acks[i]!.raw, ackIds[i]!, i);
      const outcome = await h.ingest.ingest(raw);
      expect(outcome, `${shape} DSN #${i}`).toMatchObject({ kind: 'note', ticketNumber: numbers[i] });
    }
    console.log(`L5: ${COUNT} bounces ingested (postfix ${shapes.postfix}, exim ${shapes.exim}, gmail ${shapes.gmail})`);

    expect(await count(`select count(*)::text as n from ticket`)).toBe(ticketsBefore);
    expect(await count(`select count(*)::text as n from quarantined_message`)).toBe(0);
    await outboxSettled(url);
    expect(await count(`select count(*)::text as n from outbound_delivery`)).toBe(deliveriesBefore);
    const notes = await queryDatabase<{ number: number; n: string }>(
      url,
      `select t.number, count(*)::text as n from message m join ticket t on t.id = m.ticket_id
        where m.direction = 'NOTE' and 'bounce' = any(m.flags) group by t.number order by t.number`,
    );
    expect(notes).toEqual(numbers.map((number) => ({ number, n: '1' })).sort((a, b) => a.number - b.number));
    const events = await count(`select count(*)::text as n from ticket_event where kind = 'bounce'`);
    expect(events).toBe(COUNT);
    const undeliverable = await count(`select count(*)::text as n from person where email like 'bounce%@customer.test' and undeliverable_since is not null`);
    expect(undeliverable).toBe(COUNT);
  }, 180_000);

  it('an ID of ours whose outbox row is gone still matches by its HMAC; a forged one never does (S4)', async () => {
    const url = h.ingest.config.databaseUrl!;
    const ack = await parseCaptured(acks[99]!); // not among the L7 sample below
    const ackId = ids(ack.header('message-id'))[0]!;
    await queryDatabase(url, `delete from outbound_delivery where message_id = $1`, [ackId]);
    const matched = await h.ingest.ingest(postfixDsn(customer(99), acks[99]!.raw, 1000));
    expect(matched).toMatchObject({ kind: 'note', ticketNumber: numbers[99] });
    // The same ID with its ticket part altered: the HMAC fails, the bounce is kept aside, nobody is blamed.
    const forgedId = ackId.replace(/^pd\.(\d+)\./, (_, t: string) => `pd.${Number(t) + 1}.`);
    const forged = Buffer.from(acks[98]!.raw.toString('latin1').replace(/^Message-ID: <[^>]+>/im, `Message-ID: <${forgedId}>`), 'latin1');
    const outcome = await h.ingest.ingest(postfixDsn('someone-else@customer.test', forged, 1001));
    expect(outcome).toMatchObject({ kind: 'quarantined', code: 'BOUNCE_UNMATCHED' });
  });

  it('L7: three notifications each to bounced addresses send 0 automatic mails', async () => {
    const url = h.ingest.config.databaseUrl!;
    const sample = Array.from({ length: 10 }, (_, k) => k * 10);
    const ctx = { config: h.ingest.config, secret: h.ingest.context.secret };
    for (const i of sample) {
      const steps: [TicketStatus, TicketStatus][] = [
        [TicketStatus.OPEN, TicketStatus.IN_PROGRESS],
        [TicketStatus.IN_PROGRESS, TicketStatus.WAITING_FOR_CUSTOMER],
        [TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.CLOSED],
      ];
      for (const [from, to] of steps) {
        await h.ingest.orm.em.fork().transactional(async (em) => {
          const ticket = await em.findOneOrFail(Ticket, { number: numbers[i]! });
          ticket.status = to;
          await notify(em, { kind: 'status-changed', ticket, from, to, actor: null }, ctx);
        });
      }
      // Automatic mail from the bounced address is a ticket, and shows nothing about its mailbox (a
      // person's own mail would: deliverable-again.test.ts); nothing is sent.
      expect((await h.ingest.ingest(await buildMail({ from: customer(i), subject: `Weekly digest ${i}`, headers: { Precedence: 'bulk' } }))).kind).toBe('ticket');
    }
    await outboxSettled(url);
    for (const i of sample) expect(mailsTo(h.sink, customer(i)), customer(i)).toHaveLength(1);
    const rows = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from outbound_delivery where recipients && $1::text[]`, [sample.map(customer)]);
    expect(rows[0]!.n).toBe(String(sample.length)); // the original acknowledgements only
  }, 120_000);
});
