/**
 * The attachment policy end to end, at the defaults of PRODUCT.md (TESTPLAN S12), and archives
 * that must never be expanded (S13), through the real ingest pipeline on real PostgreSQL.
 *
 * S12: every message is stored (ticket, raw bytes byte-identical); what is refused is listed on the
 * ticket (an `attachments-refused` event with name and reason) and told to the sender in exactly
 * one loop-safe notice (an outbox row with Auto-Submitted); what is stored has a safe display name
 * and is addressed by its sha256; nothing is written to the file system.
 * S13: a ~10 MB zip of ~10 GiB of zeros and a 42.zip-style nested archive are stored as opaque,
 * byte-identical blobs; the process's RSS is sampled while they are ingested and printed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { eventsOf, expectKind, expectRawStored, headerOf, outboxOf, sha256hex } from './stored-raw.js';
import { nestedBomb, nestedExpansion, zerosEntry, zipArchive } from './zip-bombs.js';

let h: IngestHarness;
let filesBefore: string[];
const listFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).sort();
beforeAll(async () => {
  h = await createIngestHarness();
  filesBefore = listFiles(h.config.dataDir);
});
afterAll(() => h?.close());

const MB = 1024 * 1024;
const pdf = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size, 0x20), Buffer.from('\n%%EOF\n')]);
const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(size)]);
const INVITATION = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Rollout call\r\nDTSTART:20261202T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
const exe = () => Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(4000)]);

interface Case {
  what: string;
  attachments: { filename: string; content: Buffer; contentType?: string }[];
  /** Display names expected to be refused (as stored in the event, i.e. made safe). */
  refused: string[];
  stored: number;
}

const CASES: Case[] = [
  { what: 'a 21 MB PDF', attachments: [{ filename: 'big.pdf', content: pdf(21 * MB), contentType: 'application/pdf' }], refused: ['big.pdf'], stored: 0 },
  { what: 'an 11 MB PNG', attachments: [{ filename: 'photo.png', content: png(11 * MB), contentType: 'image/png' }], refused: ['photo.png'], stored: 0 },
  {
    what: '11 attachments',
    attachments: Array.from({ length: 11 }, (_, i) => ({ filename: `note${i}.txt`, content: Buffer.from(`note ${i}\n`), contentType: 'text/plain' })),
    refused: ['note10.txt'],
    stored: 10,
  },
  { what: 'an .exe renamed .pdf', attachments: [{ filename: 'invoice.pdf', content: exe(), contentType: 'application/pdf' }], refused: ['invoice.pdf'], stored: 0 },
  // An S/MIME signature is no file of the customer's: not refused, no notice (parse/crypto-parts.ts).
  { what: 'an S/MIME signature (smime.p7s)', attachments: [{ filename: 'smime.p7s', content: Buffer.concat([Buffer.from([0x30, 0x82]), Buffer.alloc(900, 7)]), contentType: 'application/pkcs7-signature' }], refused: [], stored: 0 },
  { what: 'an S/MIME-encrypted message (smime.p7m)', attachments: [{ filename: 'smime.p7m', content: Buffer.concat([Buffer.from([0x30, 0x82]), Buffer.alloc(900, 7)]), contentType: 'application/pkcs7-mime; smime-type=enveloped-data' }], refused: ['smime.p7m'], stored: 0 },
  // A meeting invitation is no file of the customer's either (parse/calendar-parts.ts).
  { what: 'a meeting invitation (invite.ics)', attachments: [{ filename: 'invite.ics', content: Buffer.from(INVITATION), contentType: 'application/ics' }], refused: [], stored: 0 },
  { what: 'a .pht', attachments: [{ filename: 'shell.pht', content: Buffer.from('<?php system($_GET[1]); ?>'), contentType: 'application/octet-stream' }], refused: ['shell.pht'], stored: 0 },
  {
    what: 'hostile names (../../x, ..\\..\\x, NUL, U+202E, 300 characters)',
    attachments: [
      { filename: '../../x.pdf', content: pdf() },
      { filename: '..\\..\\x.pdf', content: pdf() },
      { filename: 'nul\u0000byte.pdf', content: pdf() },
      { filename: 'invoice\u202Etxt.pdf', content: pdf() },
      { filename: `${'a'.repeat(296)}.pdf`, content: pdf() },
    ],
    refused: [],
    stored: 5,
  },
];

/** A display name is safe: no path separator, no ".." run, no control or bidi character, at most 255 characters. */
function expectSafeName(name: string): void {
  expect(name).not.toMatch(/[/\\]/);
  expect(name).not.toContain('..');
  expect(name).not.toMatch(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
  expect(Array.from(name).length).toBeLessThanOrEqual(255);
  expect(name.length).toBeGreaterThan(0);
}

describe('attachment policy at the defaults (S12)', () => {
  let senders = 0;
  it.each(CASES)('$what: stored, refused parts listed, safe names, one loop-safe notice', async ({ attachments, refused, stored }) => {
    const sender = `s12-${++senders}@customer.test`;
    const raw = await buildMail({ from: sender, subject: 'Files', attachments });
    const ticket = expectKind(await h.ingest(raw), 'ticket');
    await expectRawStored(h.databaseUrl, ticket, raw);

    const files = await queryDatabase<{ filename: string; sha256: string; actual: string; size: number }>(
      h.databaseUrl,
      `select filename, sha256, encode(sha256(content), 'hex') as actual, size from attachment where message_id = $1 order by id`,
      [ticket.messageRowId],
    );
    expect(files).toHaveLength(stored);
    for (const file of files) {
      expectSafeName(file.filename);
      expect(file.actual).toBe(file.sha256); // content-addressed: the name is only a label
    }

    const events = await eventsOf(h.databaseUrl, ticket.ticketNumber, 'attachments-refused');
    const notices = (await outboxOf(h.databaseUrl, ticket.ticketNumber)).filter((r) => r.kind === 'attachments-refused');
    if (refused.length === 0) {
      expect(events).toHaveLength(0);
      expect(notices).toHaveLength(0);
      return;
    }
    expect(events).toHaveLength(1);
    const listed = events[0]!.detail!.refused as { filename: string; reason: string }[];
    expect(listed.map((r) => r.filename)).toEqual(refused);
    for (const r of listed) expect(r.reason.length).toBeGreaterThan(0);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.recipients).toEqual([sender]);
    expect(notices[0]!.automatic).toBe(true);
    expect(headerOf(notices[0]!.raw, 'Auto-Submitted')).toBe('auto-replied');
    for (const name of refused) expect(notices[0]!.raw.toString('latin1')).toContain(name);
    // An encrypted message is told what to do about it.
    if (refused.includes('smime.p7m')) expect(listed[0]!.reason).toBe('an encrypted message (S/MIME) that postdesk has no key to read: please send it again unencrypted');
  });

  it('sends one notice for a message with several refused parts, and none for automatic mail', async () => {
    const attachments = [
      { filename: 'invoice.pdf', content: exe() },
      { filename: 'shell.pht', content: Buffer.from('x') },
      { filename: 'ok.pdf', content: pdf() },
    ];
    const human = expectKind(await h.ingest(await buildMail({ from: 's12-many@customer.test', attachments })), 'ticket');
    expect((await outboxOf(h.databaseUrl, human.ticketNumber)).filter((r) => r.kind === 'attachments-refused')).toHaveLength(1);
    const robot = expectKind(await h.ingest(await buildMail({ from: 's12-robot@customer.test', attachments, headers: { 'Auto-Submitted': 'auto-generated' } })), 'ticket');
    expect((await eventsOf(h.databaseUrl, robot.ticketNumber, 'attachments-refused'))).toHaveLength(1);
    expect((await outboxOf(h.databaseUrl, robot.ticketNumber)).filter((r) => r.kind === 'attachments-refused')).toHaveLength(0);
  });

  it('flags a message that carries a meeting invitation, which stays in the raw message', async () => {
    const raw = await buildMail({ from: 's12-invite@customer.test', subject: 'Invitation: Rollout call', attachments: [{ filename: 'invite.ics', content: Buffer.from(INVITATION), contentType: 'text/calendar; method=REQUEST' }] });
    const ticket = expectKind(await h.ingest(raw), 'ticket');
    const [row] = await queryDatabase<{ flags: string[] }>(h.databaseUrl, `select flags from message where id = $1`, [ticket.messageRowId]);
    expect(row!.flags).toContain('calendar');
    await expectRawStored(h.databaseUrl, ticket, raw);
  });

  it('wrote no file anywhere in DATA_DIR (attachments live in PostgreSQL)', () => {
    expect(listFiles(h.config.dataDir)).toEqual(filesBefore);
  });
});

describe('archives are never expanded (S13)', () => {
  /** Peak RSS growth over the baseline while `work` runs, sampled every 10 ms. */
  async function rssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; peakGrowth: number }> {
    globalThis.gc?.();
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    try {
      const result = await work();
      peak = Math.max(peak, process.memoryUsage.rss());
      return { result, peakGrowth: peak - baseline };
    } finally {
      clearInterval(timer);
    }
  }

  it('stores a ~10 MB zip of ~10 GiB and a 42.zip-style nested archive as opaque, byte-identical blobs', { timeout: 90_000 }, async () => {
    const ENTRY_MIB = 3413; // three entries of 3,413 MiB: ~10 GiB, each below the 4 GiB of a plain zip entry
    const bomb = zipArchive([0, 1, 2].map((i) => zerosEntry(`zeros${i}.bin`, ENTRY_MIB)));
    const nested = nestedBomb(3, 16, 1024);
    expect(bomb.length).toBeGreaterThan(9 * MB);
    expect(bomb.length).toBeLessThan(20 * MB); // within the 20 MB attachment limit
    for (const [name, zip, expands] of [
      ['bomb.zip', bomb, 3 * ENTRY_MIB * MB],
      ['42.zip', nested, nestedExpansion(3, 16, 1024 * MB)],
    ] as const) {
      const raw = await buildMail({ from: `s13-${name}@customer.test`, subject: name, attachments: [{ filename: name, content: zip, contentType: 'application/zip' }] });
      const { result: outcome, peakGrowth } = await rssGrowth(() => h.ingest(raw));
      const ticket = expectKind(outcome, 'ticket');
      await expectRawStored(h.databaseUrl, ticket, raw);
      const files = await queryDatabase<{ filename: string; content_type: string; size: number; actual: string }>(
        h.databaseUrl,
        `select filename, content_type, size, encode(sha256(content), 'hex') as actual from attachment where message_id = $1`,
        [ticket.messageRowId],
      );
      // One blob, exactly the archive: no entry was extracted into an attachment of its own.
      expect(files).toEqual([{ filename: name, content_type: 'application/zip', size: zip.length, actual: sha256hex(zip) }]);
      // An extraction would need the expanded size; anything near it would be gigabytes.
      expect(peakGrowth).toBeLessThan(512 * MB);
      console.info(
        `[S13] ${name}: ${(zip.length / MB).toFixed(2)} MB archive expanding to ${(expands / 1024 ** 3).toFixed(0)} GiB; ` +
          `message ${(raw.length / MB).toFixed(1)} MB; peak RSS growth while ingesting ${(peakGrowth / MB).toFixed(1)} MB (target < 50 MB; ` +
          `in-process figure includes the test's own copies and GC timing, so only < 512 MB, i.e. no extraction, is asserted)`,
      );
    }
  });
});
