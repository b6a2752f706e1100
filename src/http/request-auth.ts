/** The bearer token of a plain HTTP route (attachments, uploads, quarantined sources): the same tokens as GraphQL. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Principal } from '../auth/tokens.js';
import type { Em, Orm } from '../db/orm.js';
import { sendUnavailable } from './unavailable.js';

/** The secret of an `Authorization: Bearer <token>` header, or null. */
export function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/**
 * The caller and an EntityManager for the request, or null once a 503 (no database yet) or a 401
 * (no valid token) has been sent. A database that fails meanwhile throws: the route's error
 * handler answers 503 (server.ts).
 */
export async function authenticateRequest(orm: Orm | null, request: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; em: Em } | null> {
  if (!orm) {
    await sendUnavailable(reply);
    return null;
  }
  const secret = bearer(request);
  const em = orm.em.fork();
  const principal = secret ? await authenticate(em, secret) : null;
  if (!principal) {
    await reply.code(401).send({ error: 'UNAUTHENTICATED', message: 'a valid API token is required' });
    return null;
  }
  return { principal, em };
}
