/**
 * GET /graphql from a browser (Accept: text/html, no `query` parameter) opens the offline GraphQL
 * IDE (ide-page.ts); every other request to /graphql goes to Apollo unchanged, as Apollo's own
 * landing page does it. A strict Content-Security-Policy allows exactly the page's inline script
 * and style (by hash) and requests to this origin, nothing else.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { IDE_SCRIPT, IDE_STYLE, renderIdePage } from './ide-page.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const PAGE = renderIdePage();

export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(IDE_SCRIPT)}`,
  `style-src ${sha256(IDE_STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A browser navigating to /graphql: GET, prefers HTML, and not a GET query (`?query=`). */
export function wantsIde(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const query = request.query as Record<string, unknown> | undefined;
  if (query && 'query' in query) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

export function sendIde(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', IDE_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(PAGE);
}

/** Wraps the GraphQL route handler: browsers get the IDE, everything else goes to `graphql`. */
export function withIde(graphql: RouteHandlerMethod): RouteHandlerMethod {
  return function (this: FastifyInstance, request, reply) {
    if (wantsIde(request)) return sendIde(reply);
    return graphql.call(this, request, reply);
  };
}
