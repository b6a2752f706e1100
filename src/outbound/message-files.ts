/**
 * A stored message's files as mail attachments, each read from PostgreSQL in slices as the mail is
 * composed (db/blobs.ts), with its size for limits and memory bookkeeping.
 */
import { readBlob } from '../db/blobs.js';
import type { Em } from '../db/orm.js';
import type { MailFile } from './compose.js';

export type SizedMailFile = MailFile & { readonly size: number };

/** @param inline whether images a message's HTML shows inline come too (a forward leaves them out: its HTML does not travel) */
export async function messageFiles(em: Em, messageId: number, inline = true): Promise<SizedMailFile[]> {
  const rows = await em.execute<{ id: number; filename: string; content_type: string; size: number }[]>(
    `select id, filename, content_type, octet_length(content) as size from attachment where message_id = ? ${inline ? '' : 'and not inline'} order by id`,
    [messageId],
  );
  return rows.map((row) => ({ filename: row.filename, contentType: row.content_type, size: Number(row.size), content: readBlob(em, 'attachment.content', row.id, Number(row.size)) }));
}
