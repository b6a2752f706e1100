/**
 * Errors from PostgreSQL or its driver that mean "not now" rather than "wrong": the server is
 * unreachable, restarting or out of connections, or a transaction lost a serialisation race.
 * The caller retries later (start-up backoff, SMTP 451, pipe exit 75, IMAP leaves mail unmarked).
 */
const TRANSIENT_CODES = new Set([
  // node networking
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE',
  // PostgreSQL SQLSTATE: admin shutdown, crash shutdown, cannot connect now, connection failures,
  // serialisation failure, deadlock, too many connections
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '40001', '40P01', '53300',
  // Insufficient resources and disk full: the message waits for an operator to free space; it is
  // no reason to quarantine it (bench:faults, phase diskfull: TESTPLAN D16).
  '53000', '53100',
]);

export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  const name = (error as Error).name ?? '';
  return (
    TRANSIENT_CODES.has(code) ||
    name === 'ConnectionException' ||
    // node-postgres's own words for a connection that died under a query (they carry no code)
    /Connection terminated|connection.*closed|timeout exceeded when trying to connect|is not queryable/i.test((error as Error).message ?? '')
  );
}
