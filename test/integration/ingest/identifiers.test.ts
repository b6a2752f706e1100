/**
 * Hostile identifiers through the whole ingest pipeline on real PostgreSQL (TESTPLAN M11): no
 * Message-ID, a reused Message-ID, a 10 KB Message-ID, References with 10,000 ids, a junk Date
 * and a far-future Date. Every message is stored (raw bytes byte-identical); threading looks only
 * at the last 50 References; a message's time is its arrival, whatever its Date header says.
 * The parser's rules themselves are unit-tested in test/unit/ingest/parse-message.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { randomMessageId } from '../../harness/mail.js';
import { expectKind, expectRawStored } from './stored-raw.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness();
});
afterAll(() => h?.close());

let senders = 0;
function mail(headers: string[], body = 'Hello, the printer is broken.'): Buffer {
  const lines = [`From: sender${++senders}@customer.test`, 'To: support@example.com', 'Subject: identifiers', 'MIME-Version: 1.0', ...headers];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}\r\n`, 'latin1');
}

async function ingestStored(raw: Buffer): Promise<IngestOutcome> {
  const outcome = await h.ingest(raw);
  if (outcome.kind === 'quarantined') expect(outcome.code, outcome.reason).not.toBe('PIPELINE_ERROR');
  await expectRawStored(h.databaseUrl, outcome, raw);
  return outcome;
}

async function storedMessage(rowId: number): Promise<{ message_id: string; message_id_synthetic: boolean; flags: string[]; created_at: Date }> {
  const rows = await queryDatabase<{ message_id: string; message_id_synthetic: boolean; flags: string[]; created_at: Date }>(
    h.databaseUrl,
    `select message_id, message_id_synthetic, flags, created_at from message where id = ${rowId}`,
  );
  return rows[0]!;
}

describe('identifiers through ingest (M11)', () => {
  it('stores a message without Message-ID under a synthetic id that never threads, and recognises the same bytes again', async () => {
    const raw = mail(['Date: Mon, 2 Nov 2026 10:00:00 +0000']);
    const first = expectKind(await ingestStored(raw), 'ticket');
    const stored = await storedMessage(first.messageRowId);
    expect(stored).toMatchObject({ message_id_synthetic: true });
    expect(stored.message_id).toMatch(/^synthetic\.[0-9a-f]{64}@postdesk\.invalid$/);
    expect(stored.flags).toContain('no-message-id');
    // The same bytes again (another APPEND): the same logical message, nothing stored twice.
    expect(expectKind(await h.ingest(raw), 'duplicate').messageRowId).toBe(first.messageRowId);
    // A reply naming the synthetic id does not thread onto it: synthetic ids are for de-duplication only.
    const reply = expectKind(await ingestStored(mail([`In-Reply-To: <${stored.message_id}>`, `Message-ID: <${randomMessageId()}>`])), 'ticket');
    expect(reply.ticketNumber).not.toBe(first.ticketNumber);
  });

  it('keeps both messages that share one Message-ID but differ, flagged', async () => {
    const id = randomMessageId();
    const a = expectKind(await ingestStored(mail([`Message-ID: <${id}>`], 'first text')), 'ticket');
    const b = await ingestStored(mail([`Message-ID: <${id}>`], 'a different text'));
    expect(b.kind === 'ticket' || b.kind === 'comment').toBe(true);
    const rows = await queryDatabase<{ id: number; flags: string[] }>(h.databaseUrl, `select id, flags from message where message_id = '${id}' order by id`);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => Number(r.id))).toContain(a.messageRowId);
    for (const row of rows) expect(row.flags).toContain('shared-message-id');
  });

  it('stores a message whose Message-ID is 10 KB long, treated as having none', async () => {
    const outcome = expectKind(await ingestStored(mail([`Message-ID: <${'a'.repeat(10_000)}@example.com>`])), 'ticket');
    const stored = await storedMessage(outcome.messageRowId);
    expect(stored.message_id_synthetic).toBe(true);
    expect(stored.message_id.length).toBeLessThan(200);
  });

  it('stores a message whose identifiers are 998 characters of UTF-8 (past what an index can hold), treated as having none', async () => {
    // RFC 6532 allows UTF-8 in headers; 998 random letters of other scripts are about 3,000 bytes,
    // over the 2,704 bytes a btree index entry may have. A header line is at most 998 bytes.
    const utf8Id = () => `${Array.from({ length: 990 }, () => String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20_000))).join('')}@例え.jp`;
    const lines = ['From: utf8-ids@customer.test', 'To: support@example.com', 'Subject: identifiers', 'MIME-Version: 1.0', `Message-ID: <${utf8Id()}>`, `In-Reply-To: <${utf8Id()}>`, `References: <${utf8Id()}>`];
    const raw = Buffer.from(`${lines.join('\r\n')}\r\n\r\nHello.\r\n`, 'utf8');
    const outcome = expectKind(await ingestStored(raw), 'ticket');
    const stored = await storedMessage(outcome.messageRowId);
    expect(stored.message_id_synthetic).toBe(true);
    const [row] = await queryDatabase<{ in_reply_to: string | null; references: string[] }>(h.databaseUrl, `select in_reply_to, "references" from message where id = $1`, [outcome.messageRowId]);
    expect(row).toEqual({ in_reply_to: null, references: [] });
    // Up to 998 bytes is a real identifier, stored and threaded on.
    const shortId = `${'€'.repeat(300)}@example.com`;
    const first = expectKind(await ingestStored(Buffer.from(`${lines.slice(0, 4).join('\r\n')}\r\nMessage-ID: <${shortId}>\r\n\r\nHello.\r\n`, 'utf8')), 'ticket');
    const reply = await ingestStored(Buffer.from(`${lines.slice(0, 4).join('\r\n')}\r\nIn-Reply-To: <${shortId}>\r\n\r\nMore.\r\n`, 'utf8'));
    expect(expectKind(reply, 'comment').ticketNumber).toBe(first.ticketNumber);
  });

  it('threads on the last 50 of 10,000 References only', async () => {
    const original = expectKind(await ingestStored(mail([`Message-ID: <${randomMessageId()}>`])), 'ticket');
    const originalId = (await storedMessage(original.messageRowId)).message_id;
    const unknown = Array.from({ length: 9_999 }, (_, i) => `<unknown${i}.${randomMessageId()}>`);

    // The known id first, 9,999 unknown ones after it: it is not among the last 50, so no thread.
    const far = await ingestStored(mail([`Message-ID: <${randomMessageId()}>`, `References: <${originalId}>\r\n ${unknown.join('\r\n ')}`]));
    expect(expectKind(far, 'ticket').ticketNumber).not.toBe(original.ticketNumber);

    // The known id last: the nearest ancestor, a comment on the original ticket.
    const near = await ingestStored(mail([`Message-ID: <${randomMessageId()}>`, `References: ${unknown.join('\r\n ')}\r\n <${originalId}>`]));
    expect(expectKind(near, 'comment').ticketNumber).toBe(original.ticketNumber);
  });

  it.each([
    ['a junk Date', 'Date: the day after tomorrow, maybe'],
    ['a far-future Date', 'Date: Sat, 1 Jan 2999 00:00:00 +0000'],
    ['a Date from 1970', 'Date: Thu, 1 Jan 1970 00:00:00 +0000'],
    ['no Date at all', null],
  ])('stores a message with %s at its arrival time', async (_what, dateHeader) => {
    const before = Date.now();
    const outcome = expectKind(await ingestStored(mail([`Message-ID: <${randomMessageId()}>`, ...(dateHeader ? [dateHeader] : [])])), 'ticket');
    const after = Date.now();
    const created = new Date((await storedMessage(outcome.messageRowId)).created_at).getTime();
    // Allow for the database and test clocks being read at slightly different moments.
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
  });
});
