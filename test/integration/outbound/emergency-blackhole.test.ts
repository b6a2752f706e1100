/**
 * TESTPLAN F9: an emergency arrives while SMTP is blackholed (the server accepts TCP connections
 * and never says a word) behind a backlog of ordinary acknowledgements. The on-call webhook is
 * paged anyway; the page mail sits in the urgent queue, which no bulk mail is ever in front of; once
 * SMTP is back, the page mail and the reporter's acknowledgement ("on-call has been alerted") and
 * the backlog are all delivered exactly once.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail } from '../../harness/mail.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { MAIL_QUEUE, URGENT_QUEUE } from '../../../src/outbound/outbox.js';
import { ids, outboxSettled, parseCaptured, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const BACKLOG = 20;

describe('emergency with SMTP blackholed (F9)', () => {
  let h: OutboundHarness;
  let blackhole: Server | null = null;
  const held = new Set<Socket>();
  let sink: SmtpSink | null = null;
  let port: number;
  let hooks: HttpServer;
  const pages: string[] = [];

  beforeAll(async () => {
    hooks = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        pages.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    // Accepts every connection and never answers: not even the greeting.
    blackhole = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((r) => blackhole!.listen(0, '127.0.0.1', r));
    port = (blackhole.address() as AddressInfo).port;
    const placeholder = { port, url: `smtp://127.0.0.1:${port}`, messages: [], waitFor: () => Promise.reject(new Error('blackhole')), stop: () => Promise.resolve() } satisfies SmtpSink;
    h = await startOutboundHarness(
      {
        SMTP_URL: placeholder.url,
        SMTP_TIMEOUT_SECONDS: '2',
        ONCALL_ADDRESSES: 'pager@ops.test',
        ONCALL_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/page`,
      },
      {},
      placeholder,
    );
  });
  afterAll(async () => {
    await h?.close();
    await sink?.stop();
    for (const socket of held) socket.destroy();
    await new Promise((r) => blackhole?.close(r) ?? r(null));
    await new Promise((r) => hooks?.close(r));
  });

  it('pages by webhook while mail cannot go, queues the page mail at the head, and delivers everything once SMTP is back', async () => {
    const url = h.ingest.config.databaseUrl!;
    for (let i = 0; i < BACKLOG; i++) {
      expect((await h.ingest.ingest(await buildMail({ from: `queued${i}@customer.test`, subject: `Ordinary ${i}` }))).kind).toBe('ticket');
    }
    const emergency = await h.ingest.ingest(await buildMail({ from: 'Rae <rae@customer.test>', to: 'emergency@example.com', subject: 'Data centre on fire' }));
    expect(emergency.kind).toBe('ticket');
    const number = (emergency as { ticketNumber: number }).ticketNumber;

    // The webhook page goes although SMTP hangs.
    await eventually(async () => pages.length >= 1, 'webhook page');
    expect(JSON.parse(pages[0]!)).toMatchObject({ event: 'emergency', ticket: { number, priority: 'URGENT' } });
    // The page mail has been tried against the blackhole and is waiting for a retry.
    const [page] = await eventually(async () => {
      const rows = await queryDatabase<{ id: number; status: string; attempts: number; last_error: string | null }>(url, `select id, status, attempts, last_error from outbound_delivery where kind = 'page'`);
      return rows[0] && rows[0].attempts >= 1 && rows[0].last_error ? rows : null;
    }, 'page mail tried while blackholed');
    expect(page!.status).toBe('QUEUED');
    expect(held.size).toBeGreaterThan(0); // connections were opened and left hanging

    // At the head: the page mail (and the webhook) are the only jobs of the urgent queue; the backlog waits in the bulk queue.
    const jobs = await queryDatabase<{ name: string; delivery: number }>(url, `select name, (data->>'id')::int as delivery from pgboss.job where name in ($1, $2)`, [URGENT_QUEUE, MAIL_QUEUE]);
    const urgent = new Set(jobs.filter((j) => j.name === URGENT_QUEUE).map((j) => j.delivery));
    const kinds = await queryDatabase<{ id: number; kind: string }>(url, `select id, kind from outbound_delivery`);
    expect(kinds.filter((k) => urgent.has(k.id)).map((k) => k.kind).sort()).toEqual(['page', 'webhook:emergency']);
    expect(kinds.filter((k) => k.kind.startsWith('acknowledgement')).every((k) => !urgent.has(k.id))).toBe(true);

    // SMTP comes back where the blackhole was.
    await new Promise((r) => blackhole!.close(r));
    for (const socket of held) socket.destroy();
    blackhole = null;
    sink = await startSmtpSink({ port });
    const [pageMail] = await waitForMailsTo(sink, 'pager@ops.test', 1);
    expect(pageMail!.parsed.subject).toBe(`EMERGENCY [#${number}] Data centre on fire`);
    const [ack] = await waitForMailsTo(sink, 'rae@customer.test', 1);
    expect(ack!.parsed.text).toContain('on-call team has been alerted');
    await sink.waitFor(BACKLOG + 2, 60_000);
    await outboxSettled(url);
    const messageIds = (await Promise.all(sink.messages.map(parseCaptured))).map((c) => ids(c.header('message-id'))[0]);
    expect(sink.messages).toHaveLength(BACKLOG + 2);
    expect(new Set(messageIds).size).toBe(BACKLOG + 2);
    expect(pages).toHaveLength(1);
  });
});
