/**
 * One error type for business code, with a catalogue of codes.
 *
 * Business code throws AppError and knows nothing of GraphQL, HTTP or SMTP; each edge maps the
 * `kind` once: GraphQL (graphql/format-error.ts), HTTP routes, the CLI's exit codes.
 */

/** Every code postdesk raises, with its one-line meaning (the README lists the same table). */
export const ERROR_CODES = {
  CONFIG_INVALID: 'an environment variable is missing or malformed; start-up stops with exit 78',
  DATA_DIR_UNREACHABLE: 'DATA_DIR cannot be used by the embedded PostgreSQL server (permissions)',
  STORAGE_UNAVAILABLE: 'PostgreSQL cannot be reached; the operation can be retried later',
  SERVICE_UNAVAILABLE: 'the API cannot reach PostgreSQL (restarting, failing over, not up yet): HTTP 503 with Retry-After; retry shortly',
  UNAUTHENTICATED: 'no API token, or one that is unknown, revoked or belongs to a deactivated agent',
  FORBIDDEN: 'the token is valid but its role may not do this',
  BAD_USER_INPUT: 'the request is malformed or breaks a rule (see the message and field)',
  NOT_FOUND: 'the named object does not exist (or is not visible to the caller)',
  QUEUE_NAME_TAKEN: 'another queue already has this name',
  QUEUE_ADDRESS_TAKEN: 'another queue already has this email address',
  PERSON_NOT_FOUND: 'no person with this email address is known',
  QUERY_LIMIT_EXCEEDED: 'the GraphQL request is too deep, too costly, has too many aliases or is a batch (extensions.limit says which), or a ticket search ran longer than SEARCH_TIMEOUT_MS',
  FILE_TOO_LARGE: 'an uploaded file is larger than ATTACHMENT_MAX_MB (ATTACHMENT_MAX_IMAGE_MB for jpg/png) (HTTP 413)',
  FILE_TYPE_REFUSED: 'an uploaded file\'s type is not in ATTACHMENT_TYPES, or its bytes are not what its name says (HTTP 415)',
  TOO_MANY_UPLOADS: 'the caller has 20 uploads no message has used yet (HTTP 429)',
  RATE_LIMITED: 'the API token used up its GraphQL budget (GRAPHQL_RATE_LIMIT root fields a minute, each alias counts); retry after extensions.retryAfterSeconds (HTTP 429)',
  INTERNAL: 'an unexpected failure; details are in the log, never in the response',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** How an edge should treat the error. */
export type ErrorKind = 'user' | 'auth' | 'forbidden' | 'transient' | 'permanent';

export class AppError extends Error {
  /**
   * @param code a catalogue code
   * @param message safe to show to the caller (no secrets, no internals)
   * @param kind how edges map it
   * @param field for `user` errors, the input path it concerns
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly kind: ErrorKind = 'user',
    readonly field: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const unauthenticated = (message = 'a valid API token is required') =>
  new AppError('UNAUTHENTICATED', message, 'auth');
export const forbidden = (message = 'your role may not do this') => new AppError('FORBIDDEN', message, 'forbidden');
