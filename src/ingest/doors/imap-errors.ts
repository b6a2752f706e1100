/**
 * How the IMAP door reports trouble with its connection.
 *
 * A socket inactivity timeout gets its own line, "stale connection", because it is the one sign
 * of a half-open link (a dead NAT entry, a pulled cable): nothing else fails, the socket simply
 * stops carrying bytes (TESTPLAN F2).
 *
 * A dropped, reset or refused connection is routine (a Dovecot restart, a load balancer's idle
 * cut): the poller reports it as a warning and reconnects. imapflow logs the same events at error
 * level, stack included, so its logger is wrapped to keep an operator's error alert for errors.
 */
import type { Logger } from '../../log.js';

/** imapflow's code for "no traffic within socketTimeout, and the recovery NOOP went unanswered". */
const SOCKET_TIMEOUT = 'ETIMEOUT';

/** Codes of a link that failed, from Node's sockets and resolver and from imapflow. */
const LINK_FAILURES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
  SOCKET_TIMEOUT, 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'NoConnection', 'EConnectionClosed',
]);

export function isImapLinkFailure(error: unknown): boolean {
  return LINK_FAILURES.has((error as { code?: unknown } | null | undefined)?.code as string);
}

export function logImapConnectionError(log: Logger, error: Error, timeoutMs: number): void {
  if ((error as { code?: string }).code === SOCKET_TIMEOUT) {
    log.warn({ err: error.message, timeoutMs }, 'stale connection: the IMAP server sent nothing within the inactivity timeout; reconnecting');
    return;
  }
  log.warn({ err: error.message, code: (error as { code?: string }).code }, 'imap connection error');
}

/**
 * What ended a session, in words for /readyz and the log. imapflow says only "Command failed" when
 * the server refuses the login (a changed password, a revoked OAuth token, an app not granted the
 * mailbox); that one is said plainly, with the server's own words.
 */
export function sessionEndReason(error: unknown): string {
  const e = error as { authenticationFailed?: unknown; response?: unknown } | null | undefined;
  if (e?.authenticationFailed === true) {
    const said = typeof e.response === 'string' && e.response.trim() !== '' ? `: ${e.response.trim()}` : '';
    return `the IMAP server refused the login${said}`;
  }
  return error instanceof Error ? error.message : String(error);
}

type Entry = Record<string, unknown>;

/**
 * The logger imapflow writes through: its warnings and errors only (its other levels print every
 * protocol line, passwords included). A link failure goes to debug ("IDLE session failed",
 * "read ECONNRESET" …): the poller's own warning ("mailbox session ended; reconnecting", with the
 * reason) already tells the operator, once.
 */
export function imapLibraryLogger(log: Logger) {
  const levels = new Set(['warn', 'error', 'fatal']);
  const at = (level: 'warn' | 'error' | 'fatal') => (entry: Entry, message?: string) => {
    if (isImapLinkFailure(entry?.err)) log.debug({ ...entry, err: (entry.err as Error).message }, message);
    else log[level](entry, message);
  };
  return { isLevelEnabled: (level: string) => levels.has(level), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}
