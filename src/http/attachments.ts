/**
 * GET /attachments/:id — the URL behind `Attachment.url`.
 *
 * Same bearer token and same ticket access as GraphQL (src/graphql/ticket-access.ts): an agent
 * asking for an attachment of another queue's ticket gets the same 404 as for one that does not
 * exist, so ids cannot be probed. The bytes are streamed from PostgreSQL in 1 MiB slices (never the
 * whole file in memory), always as a download: `Content-Disposition: attachment` with an RFC 6266 /
 * RFC 5987 encoded filename and `X-Content-Type-Options: nosniff`, so a browser never renders
 * a customer's HTML or SVG in our origin.
 */
import type { FastifyInstance } from 'fastify';
import { readBlob } from '../db/blobs.js';
import type { Orm } from '../db/orm.js';
import { scopeAllowsQueue, ticketScope } from '../graphql/ticket-access.js';
import { authenticateRequest } from './request-auth.js';

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 §4.3).
 * The fallback keeps printable ASCII except quote and backslash; everything else becomes `_`.
 */
export function contentDisposition(filename: string): string {
  const name = filename.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'attachment';
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Types a browser would execute or render as a document: never sent under their own name. */
const ACTIVE_TYPE = /html|svg|xml|javascript|ecmascript|x-shockwave|pdf-?script/i;

/**
 * The Content-Type to send: the stored one (it came from the sender's MIME headers) when it is a
 * well-formed, passive type; application/octet-stream for anything active or malformed.
 */
export function safeContentType(value: string): string {
  const wellFormed = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i.test(value);
  return wellFormed && !ACTIVE_TYPE.test(value) ? value.toLowerCase() : 'application/octet-stream';
}

export function registerAttachmentRoute(fastify: FastifyInstance, orm: () => Orm | null): void {
  fastify.get<{ Params: { id: string } }>('/attachments/:id', async (request, reply) => {
    const caller = await authenticateRequest(orm(), request, reply);
    if (!caller) return reply;
    const { principal, em } = caller;
    const notFound = () => reply.code(404).send({ error: 'NOT_FOUND', message: 'no such attachment (or it is not in one of your queues)' });
    if (!/^\d{1,10}$/.test(request.params.id)) return notFound();
    const rows = await em.execute<{ filename: string; content_type: string; length: number; queue_id: number | null }[]>(
      `select a.filename, a.content_type, octet_length(a.content) as length, t.queue_id
         from attachment a join message m on m.id = a.message_id join ticket t on t.id = m.ticket_id
        where a.id = ?`,
      [Number(request.params.id)],
    );
    const row = rows[0];
    const scope = await ticketScope(em, principal);
    if (!row || !scopeAllowsQueue(scope, row.queue_id === null ? null : Number(row.queue_id))) return notFound();
    const length = Number(row.length);
    return reply
      .header('content-type', safeContentType(row.content_type))
      .header('content-length', String(length))
      .header('content-disposition', contentDisposition(row.filename))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'")
      .header('cache-control', 'private, no-store')
      .send(readBlob(em, 'attachment.content', Number(request.params.id), length));
  });
}
