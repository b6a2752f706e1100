/**
 * How the IMAP door reports an error event of its connection. A socket inactivity timeout gets
 * its own line, "stale connection", because it is the one sign of a half-open link (a dead NAT
 * entry, a pulled cable): nothing else fails, the socket simply stops carrying bytes (TESTPLAN F2).
 */
import type { Logger } from '../../log.js';

/** imapflow's code for "no traffic within socketTimeout, and the recovery NOOP went unanswered". */
const SOCKET_TIMEOUT = 'ETIMEOUT';

export function logImapConnectionError(log: Logger, error: Error, timeoutMs: number): void {
  if ((error as { code?: string }).code === SOCKET_TIMEOUT) {
    log.warn({ err: error.message, timeoutMs }, 'stale connection: the IMAP server sent nothing within the inactivity timeout; reconnecting');
    return;
  }
  log.warn({ err: error.message }, 'imap connection error');
}
