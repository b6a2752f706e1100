/**
 * The root pino logger: JSON lines on stdout, secrets redacted in every environment.
 *
 * pino escapes newlines inside values, so text from a message (a Subject with CR/LF and fake JSON)
 * can never forge a second log line (TESTPLAN S21).
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/env.js';

export type { Logger };

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
const REDACT_PATHS = [
  'token',
  'secret',
  'password',
  'pass',
  'adminToken',
  'privateKey',
  '*.privateKey',
  'authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.pass',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'auth.pass',
  '*.auth.pass',
  // OAuth 2.0 (mail/oauth2.ts): the client's secret, a refresh token, an access token.
  'clientSecret',
  '*.clientSecret',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'auth.accessToken',
  '*.auth.accessToken',
];

/** Replaces the password part of any URL in a string (imap://u:secret@h -> imap://u:***@h). */
export function redactUrlSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, '$1:***@');
}

/**
 * Creates the root logger.
 * @param level the LOG_LEVEL from config
 * @param destination where lines go (tests pass a stream to read them back); stdout by default
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'postdesk' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Any string argument (message text) loses URL passwords before it is written.
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? redactUrlSecrets(a) : a));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/**
 * A log call for a failure that repeats while a dependency is down (pg-boss polls every second;
 * every API request fails the same way): the first is written, then at most one line per
 * `everyMs`, carrying in `suppressed` how many were held back since the last line written. A long
 * outage thus costs a line a minute, not thousands that bury what else happened.
 */
export function throttledLog(log: Logger, level: 'warn' | 'error', msg: string, everyMs = 60_000): (fields?: object) => void {
  let lastWritten = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (fields = {}) => {
    const at = Date.now();
    if (at - lastWritten < everyMs) {
      suppressed++;
      return;
    }
    log[level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, msg);
    lastWritten = at;
    suppressed = 0;
  };
}
