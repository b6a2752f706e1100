/**
 * F1: Dovecot restarted in the middle of FETCH, 20 times, while the gateway works through a
 * 500-message backlog.
 *
 * Getting the timing right: the gateway fetches a batch of 100 messages in a few milliseconds and
 * then spends seconds committing them, so a restart at a random moment almost never meets a FETCH
 * on the wire. A small relay between the gateway and Dovecot therefore watches for the gateway's
 * message FETCH (`UID FETCH … BODY.PEEK[]`) and holds Dovecot's answer after the first 15–25
 * messages (a slow link), and the test restarts Dovecot right then: the gateway sees its
 * connection close part-way through a message literal, as when the server goes down mid-FETCH.
 * The restart itself is real (harness restart(): the imap processes end, the port refuses
 * connections until the new master listens, same mail dir).
 *
 * Figures: 0 lost (every appended Message-ID stored), 0 duplicates (each exactly once in the
 * message table, 500 tickets), no FETCH_FAILED record; /readyz showed the mailbox "reconnecting"
 * during the restarts and "connected" (backlog 0) at the end; every committed message is marked on
 * the server in the end (marks lost with a connection are made at the next session start).
 * Printed: restarts that cut a FETCH, messages handed over before each cut, reconnect times.
 * About 35 s on the 2-core machine; it needs the poller's backoff to start afresh after a session
 * that committed mail (before, 20 quick restarts pushed each reconnect towards 60 s).
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { appendAll, count, hasPostdeskMark, imapUrlVia, jsonLines, serverFlags, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[dovecot-restart.test] ${DOVECOT_SKIP_REASON}`);

const MESSAGES = 500;
const RESTARTS = 20;

/**
 * A TCP relay to Dovecot that can hold the server's answer to the next message FETCH once it has
 * passed `messages` whole messages (and a little of the next one). A held link forwards nothing
 * more; when the server closes it (the restart), the gateway's side is closed at once.
 */
interface FetchRelay {
  readonly port: number;
  /** Resolves once a message FETCH answer is held after `messages` messages. */
  holdNextFetch(messages: number): Promise<void>;
  readonly held: number;
  close(): Promise<void>;
}

async function startFetchRelay(targetPort: number): Promise<FetchRelay> {
  let armed: { messages: number; resolve: () => void } | null = null;
  let held = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    // The tag of the message FETCH in flight on this link, and how many of its messages began.
    let fetchTag: string | null = null;
    let started = 0;
    let tail = '';
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      const command = /^(\S+) UID FETCH [^\r\n]*(?:BODY|BINARY)\.PEEK\[\]/m.exec(chunk.toString('latin1'));
      if (command) {
        fetchTag = command[1]!;
        started = 0;
        tail = '';
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding) return;
      if (fetchTag !== null) {
        // latin1: one character per byte, so string offsets are byte offsets.
        const window = tail + chunk.toString('latin1');
        const target = armed;
        for (const match of target ? window.matchAll(/\* \d+ FETCH /g) : []) {
          if (match.index + match[0].length <= tail.length) continue; // counted with the previous chunk
          if (++started > target!.messages) {
            // Hold from a little way into this message's literal: it arrives cut short.
            const at = Math.min(chunk.length, Math.max(0, match.index - tail.length + 200));
            client.write(chunk.subarray(0, at));
            holding = true;
            held++;
            armed = null;
            target!.resolve();
            return;
          }
        }
        // The tagged answer ends the FETCH: later untagged FETCH lines (flag updates) are not messages.
        if (new RegExp(`(^|\\n)${fetchTag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (OK|NO|BAD)`).test(window)) fetchTag = null;
        tail = window.slice(-32);
      }
      client.write(chunk);
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    holdNextFetch: (messages) => new Promise<void>((resolve) => (armed = { messages, resolve })),
    get held() {
      return held;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rejects with `what` if `promise` takes longer than `seconds`: a hang guard, not a timing assertion. */
function within<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not reached within ${seconds} s: ${what}`)), seconds * 1000)));
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

let dovecot: Dovecot | null = null;
let relay: FetchRelay | null = null;
let app: TestApp | null = null;
let sampler: NodeJS.Timeout | null = null;

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  await app?.stop();
  await relay?.close();
  await dovecot?.stop();
});

describe.skipIf(!dovecotAvailable())('Dovecot restarted in the middle of FETCH (F1)', () => {
  it('loses and duplicates nothing over 20 restarts during a 500-message backlog; /readyz shows reconnecting, then connected', { timeout: 180_000 }, async () => {
    const began = Date.now();
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    // ~4 KB messages, as bench:ingest uses; each with a Message-ID of its own to count by.
    const ids: string[] = [];
    const mails: Buffer[] = [];
    const filler = 'The invoice total does not match the order confirmation we received. '.repeat(56);
    for (let i = 0; i < MESSAGES; i++) {
      const messageId = `f1-${i}-${randomBytes(4).toString('hex')}@customer.test`;
      ids.push(messageId);
      mails.push(await buildMail({ from: `c${i % 50}@customer.test`, subject: `f1 ${i}`, text: `${i}: ${filler}`, messageId }));
    }
    await appendAll(dovecot, user, mails);

    relay = await startFetchRelay(dovecot.port);
    const mailboxes = JSON.stringify([{ name: 'f1', url: imapUrlVia(dovecot, user, relay.port), address: 'support@example.com' }]);
    app = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', SENDER_RATE_LIMIT: '100000/10m' });
    const gateway = app;
    const databaseUrl = gateway.databaseUrl;
    const receipts = () => count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f1'`);

    // /readyz as an operator's probe sees it, every 50 ms: the mailbox states in the order seen.
    type MailboxReport = { state: string; backlog: number | null };
    const seen: string[] = [];
    let last: MailboxReport | null = null;
    sampler = setInterval(() => {
      fetch(`${gateway.url}/readyz`)
        .then((r) => r.json() as Promise<{ mailboxes?: Record<string, MailboxReport> }>)
        .then((body) => {
          const report = body.mailboxes?.f1;
          if (!report) return;
          last = report;
          if (seen.at(-1) !== report.state) seen.push(report.state);
        })
        .catch(() => undefined);
    }, 50);

    const cuts: { handedOver: number; reconnectMs: number }[] = [];
    const connectedLines = () => jsonLines(gateway.logLines()).filter((l) => l.msg === 'mailbox connected').length;
    const wholeMessages = (r: number) => 15 + ((r * 7) % 11); // 15 … 25 whole messages before each cut
    // Armed before each restart, so the FETCH the gateway sends right after reconnecting is caught.
    let hold: Promise<void> | null = relay.holdNextFetch(wholeMessages(0));
    for (let r = 0; r < RESTARTS; r++) {
      await within(hold!, 60, `restart ${r + 1}: a message FETCH on the wire`);
      const before = await receipts();
      const sessions = connectedLines();
      hold = r + 1 < RESTARTS ? relay.holdNextFetch(wholeMessages(r + 1)) : null;
      await dovecot.restart();
      const restarted = Date.now();
      await until(async () => connectedLines() > sessions, `restart ${r + 1}: the gateway reconnects`, 90);
      cuts.push({ handedOver: (await receipts()) - before, reconnectMs: Date.now() - restarted });
    }

    await until(async () => (await receipts()) >= MESSAGES, `${MESSAGES} receipts`, 120);
    await until(async () => last?.state === 'connected' && last.backlog === 0, '/readyz: connected, backlog 0', 60);
    clearInterval(sampler);
    sampler = null;

    // 0 lost, 0 duplicates: every Message-ID exactly once among the stored messages.
    const stored = await queryDatabase<{ message_id: string; n: string }>(
      databaseUrl,
      `select message_id, count(*)::text as n from message where direction = 'INBOUND' group by message_id`,
    );
    const times = new Map(stored.map((row) => [row.message_id.replace(/^<|>$/g, ''), Number(row.n)]));
    expect(ids.filter((id) => !times.has(id)), 'lost').toEqual([]);
    expect([...times].filter(([, n]) => n !== 1), 'duplicates').toEqual([]);
    expect(times.size).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from ticket where subject like 'f1 %'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f1'`)).toBe(MESSAGES);
    expect(await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'f1' and outcome <> 'ticket'`)).toBe(0);
    expect(await count(databaseUrl, `select 1 from quarantined_message`)).toBe(0);

    // Every restart cut a message FETCH, and /readyz told the operator so.
    expect(relay.held).toBe(RESTARTS);
    expect(seen).toContain('reconnecting');
    expect(seen.at(-1)).toBe('connected');

    const cutShort = jsonLines(gateway.logLines()).filter((l) => l.msg === 'fetch cut short; ingesting the messages handed over, fetching the rest again').length;
    const unmarked = [...(await serverFlags(dovecot, user)).values()].filter((flags) => !hasPostdeskMark(flags)).length;
    // Marks lost with a connection are made at the next session start (finishInterruptedMarks).
    expect(unmarked, 'committed messages left unmarked on the server').toBe(0);
    const reconnects = cuts.map((c) => c.reconnectMs).sort((a, b) => a - b);
    console.info(
      `[F1] ${RESTARTS} Dovecot restarts during ${MESSAGES} messages, ${relay.held} of them in the middle of a message FETCH ` +
        `(gateway logged ${cutShort} FETCHes cut short); messages committed between restarts: ${cuts.map((c) => c.handedOver).join(' ')}; ` +
        `reconnect after restart() returned: median ${reconnects[Math.floor(reconnects.length / 2)]} ms, max ${reconnects.at(-1)} ms; ` +
        `/readyz showed 'reconnecting' ${seen.filter((state) => state === 'reconnecting').length} times, finally '${seen.at(-1)}' with backlog 0; ${MESSAGES} stored once each, 0 lost, 0 duplicates; ` +
        `${unmarked} committed messages left unmarked on the server (their mark was lost with the connection); ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  });
});
