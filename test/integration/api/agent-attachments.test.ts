/**
 * Files agents send: POST /uploads, then replyToTicket / addNote / createTicket naming the upload.
 * Real gateway over HTTP, real PostgreSQL, real SMTP to a capturing sink.
 *
 *  - the customer's mail carries the file byte for byte; the message lists it; it downloads back;
 *  - the upload policy is the inbound one: type, magic bytes, size per type, count per message;
 *    plus the total one mail may carry (OUTBOUND_MAX_ATTACHMENTS_MB);
 *  - an upload is its uploader's alone, serves one message, and expires after a day;
 *  - no token, no upload: refused before the body is read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../../src/db/orm.js';
import { discardStaleUploads } from '../../../src/tickets/uploads.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { upload } from '../../harness/upload.js';
import { MAGIC } from '../../unit/ingest/build-eml.js';
import { waitForMailsTo } from '../outbound/outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KIB = 1024;
let gw: TestApp;
let sink: SmtpSink;
let agent: string;
let ticket: number;

const pdf = Buffer.concat([Buffer.from(MAGIC.pdf, 'latin1'), Buffer.from('1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const text = (bytes: number, fill = 'a') => Buffer.alloc(bytes, fill);

async function ok(token: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, token, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

async function uploaded(token: string, filename: string, content: Buffer): Promise<string> {
  const response = await upload(gw.url, token, filename, content);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id!;
}

const REPLY = `mutation($n: Int!, $b: String!, $a: [ID!]) {
  replyToTicket(number: $n, body: $b, attachments: $a) {
    ticket { messages { bodyText attachments { filename contentType size sha256 url } } }
    userErrors { field message }
  }
}`;

const reply = (token: string, body: string, attachments: string[], number = ticket) => ok(token, REPLY, { n: number, b: body, a: attachments }).then((d) => d.replyToTicket);
const messageCount = async () => Number((await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*) as n from message m join ticket t on t.id = m.ticket_id where t.number = $1`, [ticket]))[0]!.n);
const pendingUploads = async () => Number((await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*) as n from upload`))[0]!.n);

beforeAll(async () => {
  sink = await startSmtpSink();
  gw = await startTestApp({
    SUPPORT_ADDRESS: 'support@example.com',
    SMTP_URL: sink.url,
    // Small limits, so the tests stay small: 1.25 MiB a file, 16 KiB an image, 3 a message, 1.5 MiB a mail.
    ATTACHMENT_MAX_MB: '1.25',
    ATTACHMENT_MAX_IMAGE_MB: String(16 / 1024),
    ATTACHMENT_MAX_COUNT: '3',
    OUTBOUND_MAX_ATTACHMENTS_MB: '1.5',
  });
  await ok(gw.adminToken, `mutation { createAgent(input: { email: "ann@staff.test", name: "Ann Agent", role: AGENT }) { userErrors { message } } }`);
  await ok(gw.adminToken, `mutation { addQueueAgent(queue: "General", email: "ann@staff.test") { userErrors { message } } }`);
  agent = (await ok(gw.adminToken, `mutation { createApiToken(input: { email: "ann@staff.test" }) { secret } }`)).createApiToken.secret;
  const created = await ok(agent, `mutation { createTicket(input: { requester: "rosa@customer.test", subject: "Invoice copy", body: "Hello Rosa, we are on it.", queue: "General" }) { ticket { number } userErrors { message } } }`);
  ticket = created.createTicket.ticket.number;
  await waitForMailsTo(sink, 'rosa@customer.test', 1);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await sink?.stop();
});

describe('an agent attaches a file to a reply', () => {
  it('the customer gets the same bytes under the same name; the message lists the file; it downloads back; the upload is used up', async () => {
    const sent = await upload(gw.url, agent, 'invoice-2026-11.pdf', pdf);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ filename: 'invoice-2026-11.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) });
    const expires = Date.parse(sent.body.expiresAt!) - Date.now();
    expect(expires).toBeGreaterThan(23 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(24 * 3_600_000);

    const result = await reply(agent, 'Here is the copy you asked for.', [sent.body.id!]);
    expect(result.userErrors).toEqual([]);
    const last = result.ticket.messages.at(-1);
    expect(last.attachments).toEqual([{ filename: 'invoice-2026-11.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf), url: expect.any(String) }]);

    const mails = await waitForMailsTo(sink, 'rosa@customer.test', 2);
    const mail = mails.find((m) => m.parsed.text?.includes('Here is the copy you asked for.'))!;
    expect(mail.parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content }))).toEqual([
      { filename: 'invoice-2026-11.pdf', contentType: 'application/pdf', content: pdf },
    ]);

    const download = await fetch(new URL(last.attachments[0].url, gw.url), { headers: { authorization: `Bearer ${agent}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);
    expect(await pendingUploads()).toBe(0);
  });

  it('a mail above 1 MiB (written as one binary parameter, read back in slices) arrives byte for byte', async () => {
    const scan = Buffer.concat([Buffer.from(MAGIC.pdf, 'latin1'), randomBytes(1200 * KIB)]);
    const result = await reply(agent, 'The scan you asked for.', [await uploaded(agent, 'scan.pdf', scan)]);
    expect(result.userErrors).toEqual([]);
    const mail = (await waitForMailsTo(sink, 'rosa@customer.test', 3)).find((m) => m.parsed.text?.includes('The scan you asked for.'))!;
    expect(mail.parsed.attachments[0]!.content.equals(scan)).toBe(true);
    const [row] = await queryDatabase<{ bytes: number }>(gw.databaseUrl, `select octet_length(raw) as bytes from outbound_delivery where kind = 'reply' order by id desc limit 1`);
    expect(row!.bytes).toBeGreaterThan(1600 * KIB);
  });

  it('a note keeps its files on the ticket; createTicket mails them with the first message', async () => {
    const log = text(2 * KIB, 'x');
    const noted = await ok(agent, `mutation($a: [ID!]) { addNote(number: ${ticket}, body: "Server log attached.", attachments: $a) { ticket { messages { direction attachments { filename } } } userErrors { message } } }`, {
      a: [await uploaded(agent, 'server.log.txt', log)],
    });
    expect(noted.addNote.userErrors).toEqual([]);
    expect(noted.addNote.ticket.messages.at(-1)).toEqual({ direction: 'NOTE', attachments: [{ filename: 'server.log.txt' }] });

    const csv = Buffer.from('date,amount\n2026-11-01,120.00\n');
    const opened = await ok(agent, `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { number } userErrors { field message } } }`, {
      i: { requester: 'sam@customer.test', subject: 'Your statement', body: 'As discussed on the phone, your statement.', queue: 'General', attachments: [await uploaded(agent, 'statement.csv', csv)] },
    });
    expect(opened.createTicket.userErrors).toEqual([]);
    const [mail] = await waitForMailsTo(sink, 'sam@customer.test', 1);
    expect(mail!.parsed.subject).toContain(`[#${opened.createTicket.ticket.number}]`);
    expect(mail!.parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['statement.csv', csv.toString()]]);
  });
});

describe('an upload is its uploader\'s, serves one message, and expires', () => {
  it('used twice, named twice, someone else\'s, unknown or expired: a userError on attachments.N and nothing written', async () => {
    const before = await messageCount();
    const used = await uploaded(agent, 'used.txt', text(100));
    expect((await reply(agent, 'first use', [used])).userErrors).toEqual([]);
    const afterFirst = await messageCount();
    expect(afterFirst).toBe(before + 1);

    const errors = async (attachments: string[]) => (await reply(agent, 'should not be sent', attachments)).userErrors;
    expect(await errors([used])).toEqual([{ field: ['attachments', '0'], message: expect.stringContaining('can be used once') }]);
    const admins = await uploaded(gw.adminToken, 'admins.txt', text(100));
    const mine = await uploaded(agent, 'mine.txt', text(100));
    expect(await errors([mine, admins])).toEqual([{ field: ['attachments', '1'], message: expect.stringContaining('of yours') }]);
    expect(await errors([mine, mine])).toEqual([{ field: ['attachments', '1'], message: 'names the same upload twice' }]);
    expect(await errors(['not-an-id', '99999999999', 'x'.repeat(70_000)])).toEqual([
      { field: ['attachments', '0'], message: expect.stringContaining('no upload "not-an-id"') },
      { field: ['attachments', '1'], message: expect.stringContaining('no upload "99999999999"') },
      { field: ['attachments', '2'], message: expect.stringContaining(`no upload "${'x'.repeat(40)}…" of yours`) },
    ]);

    // A day later the upload is gone for the mutation at once, and from the database at the next housekeeping run.
    await queryDatabase(gw.databaseUrl, `update upload set created_at = now() - interval '24 hours 1 minute' where id = $1`, [Number(mine)]);
    expect(await errors([mine])).toEqual([{ field: ['attachments', '0'], message: expect.stringContaining('kept 24 hours') }]);
    expect(await messageCount()).toBe(afterFirst);
    const orm = await openOrm(gw.databaseUrl);
    try {
      expect(await discardStaleUploads(orm.em.fork())).toBe(1);
    } finally {
      await orm.close();
    }
    expect(await queryDatabase(gw.databaseUrl, `select filename from upload order by id`)).toEqual([{ filename: 'admins.txt' }]);
    await queryDatabase(gw.databaseUrl, `delete from upload`);
  });
});

describe('the upload policy is the inbound attachment policy', () => {
  it('refuses with a status and a reason naming the file: type, content, size per type, no name, empty, no token', async () => {
    const refusal = async (token: string | null, filename: string | null, content: Buffer | string) => {
      const { status, body } = await upload(gw.url, token, filename, content);
      return [status, body.message];
    };
    const codes = async (filename: string, content: Buffer | string) => (await upload(gw.url, agent, filename, content)).body.error;
    expect([await codes('a.exe', MAGIC.exe), await codes('a.png', text(17 * KIB)), await codes('a.txt', text(1280 * KIB + 1)), await codes('a.txt', '')]).toEqual([
      'FILE_TYPE_REFUSED',
      'FILE_TOO_LARGE',
      'FILE_TOO_LARGE',
      'BAD_USER_INPUT',
    ]);
    expect(await refusal(agent, 'setup.exe', MAGIC.exe)).toEqual([415, 'setup.exe: type .exe is not allowed']);
    expect(await refusal(agent, 'invoice.pdf', '<html><script>alert(1)</script></html>')).toEqual([415, 'invoice.pdf: content is not recognised as .pdf']);
    expect(await refusal(agent, 'photo.png', MAGIC.png)).toEqual([201, undefined]);
    expect(await refusal(agent, 'big-photo.png', Buffer.concat([MAGIC.png, Buffer.alloc(16 * KIB)]))).toEqual([413, 'big-photo.png is larger than 16384 bytes']);
    expect(await refusal(agent, 'huge.txt', text(1280 * KIB + 1))).toEqual([413, 'the file is larger than 1310720 bytes']);
    expect(await refusal(agent, null, text(10))).toEqual([400, 'name the file: POST /uploads?filename=<name with extension>']);
    expect(await refusal(agent, 'empty.txt', '')).toEqual([400, 'the file is empty']);
    expect(await refusal(null, 'note.txt', text(10))).toEqual([401, 'a valid API token is required']);
    expect(await refusal('pd_made_up_token', 'note.txt', text(10))).toEqual([401, 'a valid API token is required']);
    expect(await pendingUploads()).toBe(1); // the small photo
  });

  it('keeps a safe display name: no path, no bidi override', async () => {
    const sent = await upload(gw.url, agent, '../../etc/\u202Etxt.exe.txt', text(10));
    expect(sent.status).toBe(201);
    expect(sent.body.filename).toBe('txt.exe.txt');
  });

  it('a message carries at most ATTACHMENT_MAX_COUNT files and at most OUTBOUND_MAX_ATTACHMENTS_MB together', async () => {
    await queryDatabase(gw.databaseUrl, `delete from upload`);
    const four = [];
    for (let i = 0; i < 4; i++) four.push(await uploaded(agent, `part-${i}.txt`, text(10)));
    expect((await reply(agent, 'four files', four)).userErrors).toEqual([{ field: ['attachments'], message: 'at most 3 attachments per message' }]);
    const heavy = [await uploaded(agent, 'a.txt', text(1024 * KIB)), await uploaded(agent, 'b.txt', text(1024 * KIB))];
    expect((await reply(agent, 'two heavy files', heavy)).userErrors).toEqual([
      { field: ['attachments'], message: 'together larger than 1572864 bytes, the most one mail may carry (OUTBOUND_MAX_ATTACHMENTS_MB)' },
    ]);
    expect((await reply(agent, 'three small files', four.slice(0, 3))).userErrors).toEqual([]);
  });

  it('one person keeps at most 20 unused uploads', async () => {
    await queryDatabase(gw.databaseUrl, `delete from upload`);
    for (let i = 0; i < 20; i++) await uploaded(agent, `pending-${i}.txt`, text(10));
    const refused = await upload(gw.url, agent, 'one-more.txt', text(10));
    expect(refused.status).toBe(429);
    expect(refused.body.message).toContain('20 uploads no message has used yet');
    expect(await uploaded(gw.adminToken, 'someone-else.txt', text(10))).toMatch(/^\d+$/);
  });
});
