/**
 * Large byte columns (raw message sources, attachment files) are written as bound binary
 * parameters, in the same transaction, once their rows exist.
 *
 * Why not through the unit of work: MikroORM inlines parameters into the SQL text, so a 20 MB
 * attachment became a 40 MB hex string, copied again into the query and the socket, besides the
 * snapshot it keeps for change tracking. Measured with bench:ingest's memory phase (10 × 20 MB).
 * Entities whose large content was deferred keep an empty `content` in memory; read it back from
 * the database.
 */
import type { TransactionEm } from './transaction.js';
import type { Em } from './orm.js';

interface PendingBlob {
  table: 'raw_source' | 'attachment';
  row: { id: number; content: Buffer };
  content: Buffer;
}

/**
 * Up to this size the bytes go through the unit of work like any column: a typical 4 KB message
 * then costs one INSERT instead of an INSERT and an UPDATE (a round trip per message and
 * attachment, measured with bench:ingest's backlog).
 */
const INLINE_MAX_BYTES = 64 * 1024;

/** The two tables as kysely sees them, for the one statement below. */
interface BlobTables {
  raw_source: { id: number; content: Buffer };
  attachment: { id: number; content: Buffer };
}

const pending = new WeakMap<object, PendingBlob[]>();

/** Sets a small `content` on the row; queues a large one, written by writeDeferredBlobs before commit. */
export function deferBlob(em: Em, table: PendingBlob['table'], row: PendingBlob['row'], content: Buffer): void {
  if (content.length <= INLINE_MAX_BYTES) {
    row.content = content;
    return;
  }
  const list = pending.get(em) ?? [];
  list.push({ table, row, content });
  pending.set(em, list);
}

/** Flushes the unit of work (so every row has its id), then writes the queued bytes. */
export async function writeDeferredBlobs(em: TransactionEm): Promise<void> {
  const list = pending.get(em);
  if (!list) return;
  pending.delete(em);
  await em.flush();
  const db = em.getKysely<BlobTables>();
  for (const blob of list) {
    await db.updateTable(blob.table).set({ content: blob.content }).where('id', '=', blob.row.id).execute();
  }
  // kysely's query compiler keeps the last query's parameters until it compiles the next one, so
  // the last blob (a 20 MB attachment) stayed alive between messages (found with a heap snapshot
  // in bench:ingest's memory phase). Compiling a statement without parameters lets it go; nothing
  // is sent.
  db.selectFrom('raw_source').select('id').compile();
}
