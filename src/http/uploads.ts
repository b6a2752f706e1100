/**
 * POST /uploads?filename=<name> — a file an agent will attach to a reply, a note or a new ticket
 * (src/tickets/uploads.ts). The body is the file itself, whatever its Content-Type:
 *
 *   curl -H "Authorization: Bearer $TOKEN" --data-binary @invoice.pdf \
 *        "http://localhost:3000/uploads?filename=invoice.pdf"
 *
 * 201 with `{ id, filename, contentType, size, sha256, expiresAt }`; the id goes into the mutation's
 * `attachments`. The token is checked before the body is read, and a body above the largest
 * attachment size is refused from its Content-Length (or as soon as it passes the limit), so no
 * caller can make the gateway buffer more than ATTACHMENT_MAX_MB.
 *
 * Refusals name the file and the reason, with a catalogue code (src/errors.ts): 400 BAD_USER_INPUT
 * (no name, empty), 413 FILE_TOO_LARGE (for its type), 415 FILE_TYPE_REFUSED (type not allowed,
 * or its bytes are something else than its name says), 429 TOO_MANY_UPLOADS.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/env.js';
import type { Orm } from '../db/orm.js';
import { isTransientDatabaseError } from '../db/transient.js';
import type { ErrorCode } from '../errors.js';
import { formatLimit } from '../ingest/parse/attachments.js';
import { LARGE_MESSAGE_BYTES, reclaimMemory, reclaimMemorySoon } from '../memory.js';
import { storeUpload, type UploadProblem } from '../tickets/uploads.js';
import { authenticateRequest } from './request-auth.js';

const STATUS: Record<UploadProblem, { code: number; error: ErrorCode }> = {
  empty: { code: 400, error: 'BAD_USER_INPUT' },
  'too-large': { code: 413, error: 'FILE_TOO_LARGE' },
  refused: { code: 415, error: 'FILE_TYPE_REFUSED' },
  'too-many': { code: 429, error: 'TOO_MANY_UPLOADS' },
};

/** Who is uploading, found in onRequest (before the body) and read by the handler. */
const callers = new WeakMap<FastifyRequest, NonNullable<Awaited<ReturnType<typeof authenticateRequest>>>>();

export function registerUploadRoute(fastify: FastifyInstance, config: Config, orm: () => Orm | null): void {
  const bodyLimit = config.attachments.maxBytes;
  void fastify.register(async (scope) => {
    // Only here: every body is the file's bytes, whatever Content-Type the client sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send({ error: 'FILE_TOO_LARGE', message: `the file is larger than ${formatLimit(bodyLimit)}` });
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: 'BAD_USER_INPUT', message: error.message });
      // The server's own handler answers 503 (and notes the outage once a minute).
      if (isTransientDatabaseError(error)) throw error;
      request.log.error({ err: error }, 'upload failed');
      return reply.code(500).send({ error: 'INTERNAL', message: 'internal server error' });
    });

    scope.post<{ Querystring: { filename?: string } }>('/uploads', {
      bodyLimit,
      // Before the body is read: an unauthenticated client cannot make us buffer anything.
      onRequest: async (request, reply) => {
        const found = await authenticateRequest(orm(), request, reply);
        if (found) callers.set(request, found);
        // Around a large file, memory is given back as around a large message (memory.ts): its
        // body, its copy for PostgreSQL and their bind message are some 80 MB of garbage otherwise
        // left for V8 to find later (ten 20 MB uploads: peak RSS 411 MiB without this).
        if (!reply.sent && Number(request.headers['content-length']) >= LARGE_MESSAGE_BYTES) reclaimMemory();
        return reply.sent ? reply : undefined;
      },
      onResponse: async (request) => {
        if (Number(request.headers['content-length']) >= LARGE_MESSAGE_BYTES) reclaimMemorySoon();
      },
      handler: async (request, reply) => {
        const { principal, em } = callers.get(request)!;
        const name = request.query.filename;
        if (typeof name !== 'string' || name.trim() === '') {
          return reply.code(400).send({ error: 'BAD_USER_INPUT', message: 'name the file: POST /uploads?filename=<name with extension>' });
        }
        const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const outcome = await storeUpload(em, principal.personId, name, content, config);
        if (!outcome.ok) {
          const { code, error } = STATUS[outcome.problem];
          return reply.code(code).send({ error, message: outcome.reason });
        }
        const { upload } = outcome;
        return reply.code(201).send({ ...upload, id: String(upload.id), expiresAt: upload.expiresAt.toISOString() });
      },
    });
  });
}
