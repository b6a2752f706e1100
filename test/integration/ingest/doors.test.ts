/**
 * The SMTP door and the pipe door (`postdesk ingest`) feed the same pipeline, and answer only
 * after the commit: SMTP 250/451/552, pipe exit 0/75 (TESTPLAN D11).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../../src/auth/tokens.js';
import { freePort } from '../../../src/db/embedded.js';
import { Role } from '../../../src/entities/enums.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, BIN, startProcess } from '../../harness/processes.js';

let gw: TestApp;
let smtpPort: number;

beforeAll(async () => {
  smtpPort = await freePort();
  gw = await startTestApp({ SMTP_INBOUND_PORT: String(smtpPort), SUPPORT_ADDRESS: 'support@example.com', MAX_MESSAGE_MB: '1' });
});
afterAll(() => gw.stop());

async function countTickets(databaseUrl: string, subject: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const result = await client.query<{ n: string }>('select count(*) as n from ticket where subject = $1', [subject]);
  await client.end();
  return Number(result.rows[0]?.n);
}

/** An SMTP dialogue by hand up to the 354 after DATA, so a test can cut the message off where it likes. */
async function openData(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const reply = async (code: string) => {
    await eventually(async () => new RegExp(`^${code} `, 'm').test(received), `SMTP reply ${code}`);
    received = '';
  };
  await reply('220');
  for (const [command, code] of [['EHLO client.test', '250'], ['MAIL FROM:<customer@customer.test>', '250'], ['RCPT TO:<support@example.com>', '250'], ['DATA', '354']] as const) {
    socket.write(`${command}\r\n`);
    await reply(code);
  }
  return socket;
}

describe('the SMTP door', () => {
  const transport = () => createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });

  it('answers 250 once the ticket is committed', async () => {
    const info = await transport().sendMail({ envelope: { from: 'customer@customer.test', to: ['support@example.com'] }, raw: await buildMail({ subject: 'Via SMTP' }) });
    expect(info.response).toMatch(/^250 stored as ticket/);
    expect(await countTickets(gw.databaseUrl, 'Via SMTP')).toBe(1);
  });

  it('answers 552 for a message over MAX_MESSAGE_MB, storing nothing', async () => {
    const big = await buildMail({ subject: 'Too big', attachments: [{ filename: 'big.pdf', content: Buffer.alloc(2 * 1024 * 1024, 1) }] });
    const error = await transport()
      .sendMail({ envelope: { from: 'customer@customer.test', to: ['support@example.com'] }, raw: big })
      .then(() => null, (e: { responseCode?: number }) => e);
    expect(error?.responseCode).toBe(552);
    expect(await countTickets(gw.databaseUrl, 'Too big')).toBe(0);
  });

  it('stores nothing of a message whose client hangs up in the middle of DATA; the resend is one whole ticket', async () => {
    // A truncated copy must not become the ticket: the sender never got a 250, so it sends the whole
    // message again, which de-duplication by Message-ID would then throw away as already seen.
    const raw = await buildMail({ subject: 'Cut off', text: `first half\n${'and the rest of it\n'.repeat(2000)}the very end` });
    const rawSources = async () => Number((await queryDatabase<{ n: string }>(gw.databaseUrl, 'select count(*) as n from raw_source'))[0]!.n);
    const before = await rawSources();
    const socket = await openData(smtpPort);
    socket.write(raw.subarray(0, Math.floor(raw.length / 2)));
    await new Promise<void>((resolve) => socket.end(resolve));
    socket.destroy();
    await eventually(async () => gw.logLines().some((l) => l.includes('hung up before the end of the message')), 'the door noticing the hang-up');
    expect(await countTickets(gw.databaseUrl, 'Cut off')).toBe(0);
    expect(await rawSources()).toBe(before);

    const info = await transport().sendMail({ envelope: { from: 'customer@customer.test', to: ['support@example.com'] }, raw });
    expect(info.response).toMatch(/^250 stored as ticket/);
    expect(await countTickets(gw.databaseUrl, 'Cut off')).toBe(1);
    const [message] = await queryDatabase<{ body_text: string }>(gw.databaseUrl, `select m.body_text from message m join ticket t on t.id = m.ticket_id where t.subject = 'Cut off'`);
    expect(message!.body_text.trim().endsWith('the very end')).toBe(true);
  });
});

describe('the pipe door (postdesk ingest)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'postdesk-pipe-'));
  chmodSync(dir, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function pipe(raw: Buffer, env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string }> {
    assertBuilt();
    const child = startProcess(BIN, ['ingest'], { DATA_DIR: dir, NODE_ENV: 'test', SUPPORT_ADDRESS: 'support@example.com', ...env }, raw);
    const code = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  }

  it('exits 0 once stored and prints what happened; the same message again is a duplicate', async () => {
    const databaseUrl = await createTestDatabase();
    const raw = await buildMail({ subject: 'Via pipe' });
    const first = await pipe(raw, { DATABASE_URL: databaseUrl });
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ticket #\d+ created\n$/) });
    const again = await pipe(raw, { DATABASE_URL: databaseUrl });
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/^duplicate of a message on ticket #\d+\n$/) });
    expect(await countTickets(databaseUrl, 'Via pipe')).toBe(1);
  });

  it('exits 75 while the database is unreachable, so the MTA retries, and leaves nothing behind', async () => {
    const down = `postgres://postdesk:x@127.0.0.1:${await freePort()}/postdesk`;
    const raw = await buildMail({ subject: 'While down' });
    const results = await Promise.all(Array.from({ length: 5 }, () => pipe(raw, { DATABASE_URL: down })));
    expect(results.map((r) => r.code)).toEqual([75, 75, 75, 75, 75]);
    const databaseUrl = await createTestDatabase();
    expect((await pipe(raw, { DATABASE_URL: databaseUrl })).code).toBe(0);
    expect(await countTickets(databaseUrl, 'While down')).toBe(1);
  });
});

describe('an emergency while PostgreSQL is down (F10)', () => {
  // The decision: the message waits where it is (the MTA queue for the pipe door, the server for
  // IMAP, a 451 for SMTP) and pages the moment it is stored. Paging from the headers alone before
  // storing would page on mail that is then lost, and page twice when it is retried.
  const dir = mkdtempSync(join(tmpdir(), 'postdesk-f10-'));
  chmodSync(dir, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: dir, NODE_ENV: 'test', SUPPORT_ADDRESS: 'support@example.com', EMERGENCY_ADDRESS: 'emergency@example.com', ONCALL_ADDRESSES: 'oncall@example.com' };

  it('exits 75 until storage is back, then stores it once and pages on-call exactly once', async () => {
    assertBuilt();
    const raw = await buildMail({ to: 'emergency@example.com', subject: 'Core switch down' });
    const down = `postgres://postdesk:x@127.0.0.1:${await freePort()}/postdesk`;
    for (let i = 0; i < 3; i++) expect(await startProcess(BIN, ['ingest'], { ...env, DATABASE_URL: down }, raw).exited).toBe(75);
    const databaseUrl = await createTestDatabase();
    // The MTA retries; a retry racing another delivery of the same message stays one ticket, one page.
    const codes = await Promise.all([0, 1].map(() => startProcess(BIN, ['ingest'], { ...env, DATABASE_URL: databaseUrl }, raw).exited));
    expect(codes).toEqual([0, 0]);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tickets = await client.query<{ priority: string; type: string }>(`select priority, type from ticket where subject = 'Core switch down'`);
      expect(tickets.rows).toEqual([{ priority: 'URGENT', type: 'INCIDENT' }]);
      const pages = await client.query<{ recipients: string[] }>(`select recipients from outbound_delivery where kind = 'page'`);
      expect(pages.rows).toEqual([{ recipients: ['oncall@example.com'] }]);
    } finally {
      await client.end();
    }
  });
});

describe('quarantine over GraphQL', () => {
  const LIST = `{ quarantinedMessages(first: 10) { totalCount edges { node { id reasonCode door rawUrl resolvedAt size } } } }`;
  const RETRY = `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { ticketNumber quarantinedMessage { resolvedAt attempts } userErrors { field message } } }`;

  it('lists a quarantined message with its raw source, and a retry by an admin turns it into a ticket', async () => {
    const raw = await buildMail({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } });
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: 'bot@customer.test', to: ['support@example.com'] }, raw });
    const list = await gql<{ quarantinedMessages: { totalCount: number; edges: { node: { id: string; reasonCode: string; door: string; rawUrl: string; resolvedAt: string | null; size: number } }[] } }>(gw.url, gw.adminToken, LIST);
    const node = list.data!.quarantinedMessages.edges.map((e) => e.node).find((n) => n.reasonCode === 'AUTOMATIC_UNTHREADED')!;
    expect(node).toMatchObject({ door: 'SMTP', resolvedAt: null, size: raw.length });

    const download = await fetch(`${gw.url}${node.rawUrl}`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(raw)).toBe(true);
    expect((await fetch(`${gw.url}${node.rawUrl}`)).status).toBe(401);

    const retried = await gql<{ retryQuarantinedMessage: { ticketNumber: number | null; quarantinedMessage: { resolvedAt: string | null; attempts: number }; userErrors: unknown[] } }>(gw.url, gw.adminToken, RETRY, { id: node.id });
    expect(retried.data?.retryQuarantinedMessage.userErrors).toEqual([]);
    expect(retried.data?.retryQuarantinedMessage.ticketNumber).toEqual(expect.any(Number));
    expect(retried.data?.retryQuarantinedMessage.quarantinedMessage.resolvedAt).not.toBeNull();
    const again = await gql<{ retryQuarantinedMessage: { userErrors: { message: string }[] } }>(gw.url, gw.adminToken, RETRY, { id: node.id });
    expect(again.data?.retryQuarantinedMessage.userErrors[0]?.message).toMatch(/already ingested/);
  });

  it('is for admins only', async () => {
    const em = gw.app.state.orm!.em.fork();
    const { secret } = await issueToken(em, { email: 'agent-q@example.com', role: Role.AGENT });
    await em.flush();
    expect((await gql(gw.url, secret, LIST)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(gw.url, secret, RETRY, { id: '1' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await fetch(`${gw.url}/quarantine/1/raw`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(403);
  });
});
