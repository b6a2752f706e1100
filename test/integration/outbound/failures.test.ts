/**
 * Delivery under SMTP faults (TESTPLAN F7, F8 with 500 messages, D14): temporary failures are retried
 * with backoff and delivered once; permanent ones fail at once and show on the ticket; retried
 * bytes never change; with SMTP_URL unset mail lands as .eml files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { startSmtpSink, type CapturedMail, type SmtpSink } from '../../harness/smtp-sink.js';
import { mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function delivery(databaseUrl: string, recipient: string) {
  const rows = await queryDatabase<{ id: number; status: string; attempts: number; last_error: string | null; ticket_id: number; message_id: string }>(
    databaseUrl,
    `select id, status, attempts, last_error, ticket_id, message_id from outbound_delivery where $1 = any(recipients) order by id`,
    [recipient],
  );
  return rows;
}

describe('SMTP replies: 4xx retried, 5xx failed and shown, bytes frozen', () => {
  let h: OutboundHarness;
  const refusedOnce = new Set<string>();
  const copies: CapturedMail[] = [];
  let dataRefusals = 0;

  beforeAll(async () => {
    h = await startOutboundHarness({}, {
      onRcpt(address) {
        if (address === 'gone@customer.test') return { code: 550, message: 'No such user' };
        if (address === 'greylist@customer.test' && !refusedOnce.has(address)) {
          refusedOnce.add(address);
          return { code: 450, message: 'Greylisted, try again' };
        }
      },
      onData(mail) {
        if (mail.to.includes('frozen@customer.test')) {
          copies.push(mail);
          if (dataRefusals < 2) {
            dataRefusals++;
            return { code: 451, message: 'Local problem, try later' };
          }
        }
        if (mail.to.includes('spam@customer.test')) return { code: 550, message: 'Message rejected as spam' };
      },
    });
  });
  afterAll(async () => h?.close());

  it('5xx on RCPT: one attempt, FAILED, shown on the ticket, the address becomes undeliverable', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'gone@customer.test', subject: 'Hello' }));
    expect(outcome.kind).toBe('ticket');
    const url = h.ingest.config.databaseUrl!;
    const [row] = await eventually(async () => {
      const rows = await delivery(url, 'gone@customer.test');
      return rows[0]?.status === 'FAILED' ? rows : null;
    }, 'delivery FAILED');
    expect(row!.attempts).toBe(1);
    expect(row!.last_error).toMatch(/^550/);
    const events = await queryDatabase<{ kind: string; to_value: string; detail: { messageId: string } }>(url, `select kind, to_value, detail from ticket_event where ticket_id = $1 and kind = 'delivery-failed'`, [row!.ticket_id]);
    expect(events).toHaveLength(1);
    expect(events[0]!.to_value).toBe('gone@customer.test');
    expect(events[0]!.detail.messageId).toBe(row!.message_id);
    const people = await queryDatabase<{ undeliverable_since: Date | null }>(url, `select undeliverable_since from person where email = 'gone@customer.test'`);
    expect(people[0]!.undeliverable_since).not.toBeNull();
    expect(mailsTo(h.sink, 'gone@customer.test')).toHaveLength(0);
  });

  it('550 after DATA: permanent, not retried, visible on the ticket', async () => {
    await h.ingest.ingest(await buildMail({ from: 'spam@customer.test', subject: 'Buy now' }));
    const url = h.ingest.config.databaseUrl!;
    const [row] = await eventually(async () => {
      const rows = await delivery(url, 'spam@customer.test');
      return rows[0]?.status === 'FAILED' ? rows : null;
    }, 'delivery FAILED');
    expect(row!.attempts).toBe(1);
    const events = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from ticket_event where ticket_id = $1 and kind = 'delivery-failed'`, [row!.ticket_id]);
    expect(events[0]!.n).toBe('1');
  });

  it('4xx on RCPT: retried with backoff and delivered exactly once', async () => {
    await h.ingest.ingest(await buildMail({ from: 'greylist@customer.test', subject: 'Greylisted' }));
    await waitForMailsTo(h.sink, 'greylist@customer.test', 1);
    await outboxSettled(h.ingest.config.databaseUrl!);
    const [row] = await delivery(h.ingest.config.databaseUrl!, 'greylist@customer.test');
    expect(row).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(mailsTo(h.sink, 'greylist@customer.test')).toHaveLength(1);
  });

  it('D14: three attempts of one mail carry byte-identical bytes (same Message-ID, same Date)', async () => {
    await h.ingest.ingest(await buildMail({ from: 'frozen@customer.test', subject: 'Frozen' }));
    await waitForMailsTo(h.sink, 'frozen@customer.test', 1);
    expect(copies).toHaveLength(3);
    expect(copies[1]!.raw.equals(copies[0]!.raw)).toBe(true);
    expect(copies[2]!.raw.equals(copies[0]!.raw)).toBe(true);
    const [row] = await delivery(h.ingest.config.databaseUrl!, 'frozen@customer.test');
    expect(row).toMatchObject({ status: 'SENT', attempts: 3 });
  });
});

describe('SMTP down, then up (F8: 500 messages arrive while the sink is stopped)', () => {
  const COUNT = 500;
  let h: OutboundHarness;
  let sink: SmtpSink | null = null;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const placeholder = await startSmtpSink({ port });
    await placeholder.stop(); // nothing listens there now
    // Retries every 3-6 s rather than the harness's 1-2 s: 500 mails retried every second would be
    // 500 failed attempts a second competing with the ingest this test is about.
    h = await startOutboundHarness({ SMTP_URL: `smtp://127.0.0.1:${port}`, OUTBOUND_RETRY_DELAY_SECONDS: '3', OUTBOUND_RETRY_MAX_DELAY_SECONDS: '6' }, {}, placeholder);
  });
  afterAll(async () => {
    await h?.close();
    await sink?.stop();
  });

  it('500/500 tickets are created while SMTP is down; every acknowledgement goes exactly once when it is back', async () => {
    const url = h.ingest.config.databaseUrl!;
    // Four arrivals at a time, as several doors or instances would deliver them.
    let next = 0;
    const outcomes: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < COUNT; i = next++) {
          outcomes.push((await h.ingest.ingest(await buildMail({ from: `down${i}@customer.test`, subject: `Down ${i}` }))).kind);
        }
      }),
    );
    expect(outcomes.filter((k) => k === 'ticket')).toHaveLength(COUNT);
    // Still down: every ticket exists, every acknowledgement is queued, none sent.
    const tickets = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from ticket`);
    expect(tickets[0]!.n).toBe(String(COUNT));
    // Every mail has been tried and refused (connection refused) at least once, and is still queued.
    await eventually(async () => {
      const rows = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from outbound_delivery where status = 'QUEUED' and attempts >= 1 and last_error is not null`);
      return rows[0]!.n === String(COUNT);
    }, `all ${COUNT} tried while SMTP is down`);
    const sentWhileDown = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from outbound_delivery where status <> 'QUEUED'`);
    expect(sentWhileDown[0]!.n).toBe('0');

    sink = await startSmtpSink({ port });
    await sink.waitFor(COUNT, 60_000);
    await outboxSettled(url);
    const ids = sink.messages.map((m) => /^Message-ID: <([^>]+)>/im.exec(m.raw.toString())![1]);
    expect(new Set(ids).size).toBe(COUNT); // duplicates by Message-ID: 0
    expect(sink.messages).toHaveLength(COUNT);
    const recipients = new Set(sink.messages.flatMap((m) => m.to));
    expect(recipients.size).toBe(COUNT);
    const sent = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from outbound_delivery where status = 'SENT'`);
    expect(sent[0]!.n).toBe(String(COUNT));
  }, 180_000); // 34-55 s measured on the shared 2-core machine; room to spare under load
});

describe('without SMTP_URL, each mail is a complete .eml file under $DATA_DIR/outbox', () => {
  let h: OutboundHarness;
  beforeAll(async () => {
    h = await startOutboundHarness({ SMTP_URL: '' });
  });
  afterAll(async () => h?.close());

  it('writes the acknowledgement as a file', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'file@customer.test', subject: 'To a file' }));
    const dir = join(h.ingest.config.dataDir, 'outbox');
    const files = await eventually(async () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : []).length > 0 && readdirSync(dir).filter((f) => f.endsWith('.eml')), '.eml file');
    expect(files).toHaveLength(1);
    const raw = readFileSync(join(dir, files[0]!), 'utf8');
    expect(raw).toMatch(new RegExp(`^Subject: Re: \\[#${(outcome as { ticketNumber: number }).ticketNumber}\\] To a file\\r$`, 'm'));
    expect(raw).toMatch(/^To: file@customer.test\r$/m);
    await outboxSettled(h.ingest.config.databaseUrl!);
    expect(h.sink.messages).toHaveLength(0);
  });
});
