/**
 * Files agents attach to what they write: replyToTicket, addNote and createTicket.
 *
 * Two steps, because a GraphQL document is no place for 20 MB of bytes. `POST /uploads` keeps the
 * file, checked by the same policy as inbound attachments (extension on the allow list, size,
 * magic bytes: src/ingest/parse/attachments.ts). The mutation then names the upload's id and
 * moves it into `attachment` with one statement in its own transaction: the message and its files
 * commit together, the bytes never pass through the gateway a second time, and an upload serves
 * one message only. An upload belongs to the person who made it; one no message took is discarded
 * after UPLOAD_TTL_HOURS.
 */
import { createHash } from 'node:crypto';
import type { Generated } from 'kysely';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { arrayLiteral } from '../db/sql-values.js';
import { detectType, formatLimit, refusalReason, refusalText, sizeLimit } from '../ingest/parse/attachments.js';
import { extensionOf, safeFilename } from '../ingest/parse/filenames.js';
import type { FieldError } from '../queues/create-queue.js';

export const UPLOAD_TTL_HOURS = 24;
/** Uploads one person may keep waiting; a guard against filling the database, not a quota (two uploads at once may pass it by one). */
export const MAX_PENDING_UPLOADS = 20;

export interface UploadReceipt {
  readonly id: number;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly expiresAt: Date;
}

export type UploadProblem = 'empty' | 'too-large' | 'refused' | 'too-many';
export type UploadOutcome = { ok: true; upload: UploadReceipt } | { ok: false; problem: UploadProblem; reason: string };

/** The `upload` table as kysely sees it: the bytes go as one binary parameter (why: src/db/blobs.ts). */
interface UploadTables {
  upload: { id: Generated<number>; uploader_id: number; filename: string; content_type: string; size: number; sha256: string; content: Buffer; created_at: Date };
}

/** Text formats have no magic number; everything else is named by what its bytes are. */
function storedContentType(extension: string, detected: string | null): string {
  if (detected) return detected;
  if (extension === 'csv') return 'text/csv';
  if (extension === 'txt') return 'text/plain';
  return 'application/octet-stream';
}

/**
 * Checks and keeps one uploaded file.
 * @param name the file name the caller gave; cleaned like an inbound attachment's (no paths, no control or bidi characters)
 */
export async function storeUpload(em: Em, uploaderId: number, name: string, content: Buffer, config: Config, now = new Date()): Promise<UploadOutcome> {
  const policy = config.attachments;
  const filename = safeFilename(name);
  if (content.length === 0) return { ok: false, problem: 'empty', reason: 'the file is empty' };
  const extension = extensionOf(filename);
  const limit = sizeLimit(extension, policy);
  if (content.length > limit) return { ok: false, problem: 'too-large', reason: `${filename} is larger than ${formatLimit(limit)}` };
  const detected = await detectType(content);
  const refused = refusalReason(filename, content.length, detected, 0, policy);
  if (refused) return { ok: false, problem: 'refused', reason: `${filename}: ${refusalText(refused)}` };
  const [{ pending }] = await em.execute<[{ pending: number }]>(`select count(*)::int as pending from upload where uploader_id = ?`, [uploaderId]);
  if (pending >= MAX_PENDING_UPLOADS) {
    return { ok: false, problem: 'too-many', reason: `you have ${pending} uploads no message has used yet; name them in a reply or wait until they expire (${UPLOAD_TTL_HOURS} hours)` };
  }
  const row = {
    uploader_id: uploaderId,
    filename,
    content_type: storedContentType(extension, detected?.mime ?? null),
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    content,
    created_at: now,
  };
  const { id } = await em.getKysely<UploadTables>().insertInto('upload').values(row).returning('id').executeTakeFirstOrThrow();
  const expiresAt = new Date(now.getTime() + UPLOAD_TTL_HOURS * 3_600_000);
  return { ok: true, upload: { id, filename, contentType: row.content_type, size: row.size, sha256: row.sha256, expiresAt } };
}

/** What a caller named, short enough to quote back. */
function shortened(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
}

/** Whole numbers only, in a PostgreSQL array literal. */
const intArray = (ids: readonly number[]): string => arrayLiteral(ids.map((id) => Math.trunc(id)));

/**
 * Checks the uploads a mutation names and locks them until it commits, so a second message naming
 * one of them waits and then finds it gone. Returns their ids in the order given.
 * @param field the argument's path, e.g. ['attachments'] or ['input', 'attachments']
 */
export async function claimUploads(
  em: Em,
  uploaderId: number,
  names: readonly string[],
  config: Config,
  field: readonly string[],
  /** Bytes of other files the same mail carries (a forward's files of the forwarded message). */
  carriedBytes = 0,
  now = new Date(),
): Promise<{ ok: true; ids: number[] } | { ok: false; errors: FieldError[] }> {
  if (names.length === 0) return { ok: true, ids: [] };
  const { maxCount } = config.attachments;
  if (names.length > maxCount) return { ok: false, errors: [{ field: [...field], message: `at most ${maxCount} attachments per message` }] };
  const ids = names.map((name) => (/^\d{1,9}$/.test(name) ? Number(name) : 0));
  const rows = await em.execute<{ id: number; size: number }[]>(
    `select id, size from upload where id = any(?::int[]) and uploader_id = ? and created_at > ? order by id for update`,
    [intArray(ids), uploaderId, new Date(now.getTime() - UPLOAD_TTL_HOURS * 3_600_000)],
  );
  const sizes = new Map(rows.map((row) => [Number(row.id), Number(row.size)]));
  const errors: FieldError[] = [];
  ids.forEach((id, i) => {
    if (!sizes.has(id)) errors.push({ field: [...field, String(i)], message: `no upload ${JSON.stringify(shortened(names[i]!))} of yours: an upload can be used once and is kept ${UPLOAD_TTL_HOURS} hours` });
    else if (ids.indexOf(id) !== i) errors.push({ field: [...field, String(i)], message: 'names the same upload twice' });
  });
  const total = [...sizes.values()].reduce((sum, size) => sum + size, carriedBytes);
  if (total > config.outbound.maxAttachmentBytes) {
    errors.push({ field: [...field], message: `together larger than ${formatLimit(config.outbound.maxAttachmentBytes)}, the most one mail may carry (OUTBOUND_MAX_ATTACHMENTS_MB)` });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, ids };
}

/** Moves claimed uploads onto the message as its attachments, in the order they were named. */
export async function attachUploads(em: Em, messageId: number, uploaderId: number, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    `with taken as (delete from upload where id = any(?::int[]) and uploader_id = ? returning *)
     insert into attachment (message_id, filename, content_type, size, sha256, inline, content, created_at)
     select ?, filename, content_type, size, sha256, false, content, now() from taken order by array_position(?::int[], id)`,
    [intArray(ids), uploaderId, messageId, intArray(ids)],
  );
}

/** Deletes uploads older than UPLOAD_TTL_HOURS; returns how many. */
export async function discardStaleUploads(em: Em, now = new Date()): Promise<number> {
  const rows = await em.execute<{ id: number }[]>(`delete from upload where created_at <= ? returning id`, [new Date(now.getTime() - UPLOAD_TTL_HOURS * 3_600_000)]);
  return rows.length;
}
