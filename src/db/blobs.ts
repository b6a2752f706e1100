/**
 * Large byte columns (raw message sources, attachment files, outbound mail) are written as bound binary
 * parameters, in the same transaction, once their rows exist.
 *
 * Why not through the unit of work: MikroORM inlines parameters into the SQL text, so a 20 MB
 * attachment became a 40 MB hex string, copied again into the query and the socket, besides the
 * snapshot it keeps for change tracking. Measured with bench:ingest's memory phase (10 × 20 MB).
 * Entities whose large content was deferred keep an empty `content` in memory; read it back from
 * the database.
 */
import { Readable } from 'node:stream';
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
export const INLINE_MAX_BYTES = 64 * 1024;

/** A table with a large byte column, as kysely sees it for the one statement below. */
type BlobTables = Record<string, { id: number } & Record<string, Buffer | number>>;

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
  for (const blob of list) await writeBlob(em, `${blob.table}.content`, blob.row.id, blob.content);
}

/** The large byte columns, as `table.column`. */
export type BlobColumn = 'raw_source.content' | 'attachment.content' | 'outbound_delivery.raw';

/** Writes one large byte value into an existing (flushed) row, as a bound binary parameter. */
export async function writeBlob(em: Em, where: BlobColumn, id: number, content: Buffer): Promise<void> {
  const [table, column] = where.split('.') as [string, string];
  const db = em.getKysely<BlobTables>();
  await db.updateTable(table).set({ [column]: content }).where('id', '=', id).execute();
  // kysely's query compiler keeps the last query's parameters until it compiles the next one, so
  // the last blob (a 20 MB attachment) stayed alive between messages (found with a heap snapshot
  // in bench:ingest's memory phase). Compiling a statement without parameters lets it go; nothing
  // is sent.
  db.selectFrom(table).select('id').compile();
}

const SLICE_BYTES = 1024 * 1024;

/**
 * A large byte value as a stream of 1 MiB slices, one substring() query each. Read whole, a bytea
 * arrives as hex text twice its size (a 40 MB string for a 20 MB file) before it becomes a Buffer;
 * sliced, no more than a slice is in memory at once.
 * @param size the value's length in bytes (octet_length), known to the caller
 */
export function readBlob(em: Em, where: BlobColumn, id: number, size: number): Readable {
  const [table, column] = where.split('.') as [string, string];
  let offset = 0;
  return new Readable({
    async read() {
      try {
        if (offset >= size) return void this.push(null);
        const rows = await em.execute<{ chunk: Buffer }[]>(`select substring(${column} from ? for ?) as chunk from ${table} where id = ?`, [offset + 1, SLICE_BYTES, id]);
        const chunk = rows[0]?.chunk;
        if (!chunk || chunk.length === 0) return void this.push(null);
        offset += chunk.length;
        this.push(chunk);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
  });
}
