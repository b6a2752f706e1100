/** How the IMAP door classifies and logs a failing link (imap-errors.ts, endedOnStorage). */
import { describe, expect, it } from 'vitest';
import { imapLibraryLogger, isImapLinkFailure, sessionEndReason } from '../../../src/ingest/doors/imap-errors.js';
import { endedOnStorage } from '../../../src/ingest/doors/imap-poller.js';
import { AppError } from '../../../src/errors.js';
import { captureLog as capture } from '../../harness/log-capture.js';

const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("imapflow's logger", () => {
  it('turns a dropped, reset or refused connection into a debug line without a stack, whatever level imapflow gave it', () => {
    const { log, entries: lines } = capture('debug');
    const library = imapLibraryLogger(log);
    library.error({ err: socketError('ECONNRESET', 'read ECONNRESET'), cid: 'a' });
    library.error({ err: socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:143'), cid: 'b' });
    library.error({ msg: 'Failed to receive greeting', err: socketError('GREETING_TIMEOUT', 'no greeting'), cid: 'c' });
    library.warn({ msg: 'IDLE session failed', err: socketError('NoConnection', 'Connection not available'), cid: 'd' });
    expect(lines().map((l) => [l.level, l.err, l.cid])).toEqual([
      ['debug', 'read ECONNRESET', 'a'],
      ['debug', 'connect ECONNREFUSED 127.0.0.1:143', 'b'],
      ['debug', 'no greeting', 'c'],
      ['debug', 'Connection not available', 'd'],
    ]);
  });

  it('keeps any other error an error, and passes warnings on', () => {
    const { log, entries: lines } = capture('info');
    const library = imapLibraryLogger(log);
    library.error({ msg: 'Protocol desynchronization', err: new Error('unexpected tag'), cid: 'd' });
    library.fatal({ err: socketError('EPROTO', 'bad record mac') });
    library.warn({ msg: 'Server does not support STARTTLS' });
    library.error({ err: socketError('ECONNRESET', 'read ECONNRESET') }); // debug: not written at info
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      ['error', 'Protocol desynchronization'],
      ['fatal', 'bad record mac'],
      ['warn', 'Server does not support STARTTLS'],
    ]);
  });

  it('asks imapflow for warnings and errors only, so it builds no entry per protocol line', () => {
    const library = imapLibraryLogger(capture('debug').log);
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].filter((level) => library.isLevelEnabled(level))).toEqual(['warn', 'error', 'fatal']);
    expect(Object.keys(library)).not.toContain('debug');
  });

  it('knows the codes of a failed link from other errors', () => {
    expect(['ECONNRESET', 'ETIMEOUT', 'NoConnection', 'ENOTFOUND'].every((code) => isImapLinkFailure(socketError(code, '')))).toBe(true);
    expect([new Error('x'), socketError('EPROTO', ''), null, undefined, 'ECONNRESET'].some(isImapLinkFailure)).toBe(false);
  });
});

describe('why a mailbox session ended', () => {
  const refused = socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');

  it('waits on the database when PostgreSQL failed and the IMAP link is fine (or was never opened)', () => {
    expect(endedOnStorage(refused, false)).toBe(true);
    expect(endedOnStorage(new AppError('STORAGE_UNAVAILABLE', 'database unavailable', 'transient'), false)).toBe(true);
  });

  it('waits on the mail server when the IMAP link is lost, whatever the error says', () => {
    expect(endedOnStorage(socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:143'), true)).toBe(false);
    expect(endedOnStorage(new Error('connection closed'), true)).toBe(false);
  });

  it('does not wait on the database for other failures', () => {
    expect(endedOnStorage(new Error('Command failed: NO [ALERT] mailbox is locked'), false)).toBe(false);
  });
});

describe('the reason a session ended', () => {
  it('says a refused login plainly, with the server\'s words, and passes other errors on as they are', () => {
    const refused = Object.assign(new Error('Command failed'), { authenticationFailed: true, response: '[AUTHENTICATIONFAILED] Authentication failed.' });
    expect(sessionEndReason(refused)).toBe('the IMAP server refused the login: [AUTHENTICATIONFAILED] Authentication failed.');
    expect(sessionEndReason(Object.assign(new Error('Command failed'), { authenticationFailed: true }))).toBe('the IMAP server refused the login');
    expect(sessionEndReason(socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:143'))).toBe('connect ECONNREFUSED 127.0.0.1:143');
    expect(sessionEndReason('odd')).toBe('odd');
  });
});
