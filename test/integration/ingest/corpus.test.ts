/**
 * Every message of the shared corpus (../shared/corpus: real messages from other projects' test
 * suites) through the whole pipeline (TESTPLAN M12): none may crash it, each ends as ticket,
 * comment, duplicate, note or quarantine with its raw bytes stored byte-identical.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emlFiles } from '../../harness/eml-files.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
const available = existsSync(CORPUS);
if (!available) console.warn(`[corpus.test] SKIPPED: ${CORPUS} is absent (a user's clone has no ../shared)`);

let h: IngestHarness;
beforeAll(async () => {
  if (available) h = await createIngestHarness({ SENDER_RATE_LIMIT: '100000/10m' });
});
afterAll(() => h?.close());

describe.skipIf(!available)('the shared corpus', () => {
  it('ends every message as a stored outcome, raw bytes byte-identical', async () => {
    const files = emlFiles(CORPUS);
    expect(files.length).toBeGreaterThan(100);
    const counts = new Map<string, number>();
    const reasons = new Map<string, number>();
    for (const file of files) {
      const raw = readFileSync(file);
      const outcome = await h.ingest(raw);
      counts.set(outcome.kind, (counts.get(outcome.kind) ?? 0) + 1);
      if (outcome.kind === 'quarantined') reasons.set(outcome.code, (reasons.get(outcome.code) ?? 0) + 1);
      expect(outcome.kind, file).not.toBe('already-ingested');
    }
    console.info(`[corpus] ${files.length} messages: ${JSON.stringify(Object.fromEntries(counts))}; quarantine reasons: ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(files.length);

    // Byte-identical raw sources: every file's sha256 is stored.
    const client = new pg.Client({ connectionString: h.orm.config.get('clientUrl') });
    await client.connect();
    const stored = new Set((await client.query<{ sha256: string }>('select sha256 from raw_source')).rows.map((r) => r.sha256));
    const check = await client.query<{ ok: boolean }>('select bool_and(encode(sha256(content), \'hex\') = sha256) as ok from raw_source');
    await client.end();
    expect(check.rows[0]?.ok).toBe(true);
    const { createHash } = await import('node:crypto');
    const missing = files.filter((f) => !stored.has(createHash('sha256').update(readFileSync(f)).digest('hex')));
    expect(missing).toEqual([]);
  });
});
