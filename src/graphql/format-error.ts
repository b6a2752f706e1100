/**
 * Maps every error leaving GraphQL to the contract's codes, in one place. The database being
 * unreachable is SERVICE_UNAVAILABLE (retry shortly); unknown errors become a generic
 * INTERNAL_SERVER_ERROR, the original logged with the request, never sent.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { isTransientDatabaseError } from '../db/transient.js';
import { AppError } from '../errors.js';
import { DATABASE_UNAVAILABLE } from '../http/unavailable.js';
import type { Logger } from '../log.js';

const CODE_BY_KIND: Record<AppError['kind'], string> = {
  user: 'BAD_USER_INPUT',
  auth: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  transient: 'SERVICE_UNAVAILABLE',
  permanent: 'BAD_USER_INPUT',
};

/** Codes Apollo and graphql-js produce themselves that are safe to pass on as they are. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'SERVICE_UNAVAILABLE',
  'RATE_LIMITED',
]);

/**
 * @param databaseDown notes a request that failed because PostgreSQL is unreachable (throttled:
 *   an outage is one warning a minute, not an error with a stack trace per request)
 */
export function createErrorFormatter(log: Logger, includeDetails: boolean, databaseDown: (fields?: object) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (isTransientDatabaseError(original)) {
      databaseDown({ reason: (original as Error).message, path: formatted.path });
      return { message: DATABASE_UNAVAILABLE, path: formatted.path, locations: formatted.locations, extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    if (original instanceof AppError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: CODE_BY_KIND[original.kind], reason: original.code, ...(original.field.length ? { field: original.field } : {}) },
      };
    }
    const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR';
    if (PASS_THROUGH.has(code)) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: includeDetails ? formatted.extensions : extensions };
    }
    log.error({ err: original, path: formatted.path }, 'graphql operation failed');
    return {
      message: 'Internal server error',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(includeDetails ? { detail: String(original) } : {}) },
    };
  };
}
