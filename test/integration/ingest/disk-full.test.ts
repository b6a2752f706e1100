/**
 * A full disk under PostgreSQL (TESTPLAN D16, as a test): the message that meets it is a transient
 * failure, so every door leaves it where it is and tries again (IMAP unmarked, SMTP 451, pipe exit
 * 75); it is not quarantined. Once there is space, the same message becomes its ticket.
 *
 * Real parts: the test's own PostgreSQL with its data directory on a tmpfs, resized with mount.
 * Mounting needs root (CI runs as root); elsewhere the test says so and skips. bench:faults
 * (phase diskfull) runs the same through the IMAP door with the gateway as a process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedDatabase } from '../../../src/db/embedded.js';
import { buildEml, MAGIC } from '../../unit/ingest/build-eml.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { mountFailure, mountTmpfs, resizeTmpfs, unmountTmpfs, usedBytes } from '../../harness/tmpfs.js';
import { startOwnDatabase } from './fault-helpers.js';

const MIB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'postdesk-disk-full-'));
let mountable = true;
try {
  mountTmpfs(dir, 512 * MIB);
} catch (error) {
  mountable = false;
  console.warn(`[disk-full.test] SKIPPED: cannot mount a tmpfs here (needs root): ${mountFailure(error)}`);
}

let server: EmbeddedDatabase;
let h: IngestHarness;
beforeAll(async () => {
  if (!mountable) return;
  server = await startOwnDatabase(dir);
  h = await createIngestHarness({}, server.url);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await server?.stop();
  if (mountable) unmountTmpfs(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!mountable)('a full disk under PostgreSQL', () => {
  it('makes the message wait (transient, not quarantined), and a ticket of it once there is space', async () => {
    // Random bytes: PostgreSQL would compress filler to almost nothing.
    const scan = Buffer.concat([Buffer.from(MAGIC.pdf, 'latin1'), randomBytes(6 * MIB)]);
    const raw = buildEml({ text: 'the scan is attached', parts: [{ contentType: 'application/pdf', filename: 'scan.pdf', content: scan }] });
    resizeTmpfs(dir, usedBytes(dir) + 2 * MIB);

    await expect(h.ingest(raw)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', kind: 'transient' });
    expect(await queryDatabase(h.databaseUrl, 'select id from quarantined_message')).toEqual([]);

    resizeTmpfs(dir, 512 * MIB);
    expect((await h.ingest(raw)).kind).toBe('ticket');
  }, 60_000);
});
