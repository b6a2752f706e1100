/**
 * What HTTP clients get while PostgreSQL is unreachable (restarting, failing over, out of
 * connections): 503 with Retry-After and the code SERVICE_UNAVAILABLE, so a script waits and
 * retries instead of reporting a bug. The gateway notes it as a warning at most once a minute
 * (throttledLog), not as an internal error with a stack trace per request.
 */
import { HeaderMap } from '@apollo/server';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../errors.js';

const RETRY_AFTER_SECONDS = 5;
const CODE: ErrorCode = 'SERVICE_UNAVAILABLE';
export const DATABASE_UNAVAILABLE = 'the database is not reachable; retry shortly';

export function sendUnavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ error: CODE, message: DATABASE_UNAVAILABLE });
}

/** The same answer from GraphQL, for failures before execution (the token check): HTTP 503 and Retry-After. */
export function unavailableGraphQLError(): GraphQLError {
  return new GraphQLError(DATABASE_UNAVAILABLE, {
    extensions: { code: CODE, http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
  });
}
