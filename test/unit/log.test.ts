import { afterEach, describe, expect, it, vi } from 'vitest';
import { redactUrlSecrets, throttledLog } from '../../src/log.js';
import { captureLog as capture } from '../harness/log-capture.js';

describe('logging (TESTPLAN S21)', () => {
  it('writes one line per event even when the text carries newlines and fake JSON', () => {
    const { log, lines } = capture();
    const subject = 'Invoice\n{"level":"error","msg":"forged"}\r\nsecond line';
    log.info({ subject }, 'ticket created');
    log.info(subject);
    expect(lines()).toHaveLength(2);
    const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]?.subject).toBe(subject);
    expect(parsed[1]?.msg).toBe(subject);
  });

  it('redacts tokens, passwords and authorization headers', () => {
    const { log, lines } = capture();
    log.info({ token: 'pd_secret1', headers: { authorization: 'Bearer pd_secret2' }, mailbox: { pass: 'hunter2' } }, 'x');
    log.info({ config: { password: 'p4ss' } }, 'y');
    const text = lines().join('\n');
    for (const secret of ['pd_secret1', 'pd_secret2', 'hunter2', 'p4ss']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('strips passwords from URLs in messages', () => {
    expect(redactUrlSecrets('connecting to imaps://bob:s3cr%40t@mail.example.com:993/INBOX')).toBe(
      'connecting to imaps://bob:***@mail.example.com:993/INBOX',
    );
    expect(redactUrlSecrets('postgres://postdesk:pw@127.0.0.1:5432/db and smtp://u:p@h')).toBe('postgres://postdesk:***@127.0.0.1:5432/db and smtp://u:***@h');
    expect(redactUrlSecrets('https://example.com/a:b@c')).toBe('https://example.com/a:b@c');
    const { log, lines } = capture();
    log.warn('cannot reach imap://bob:hunter2@host');
    expect(lines()[0]).not.toContain('hunter2');
  });
});

describe('throttledLog: a failure repeating while a dependency is down', () => {
  afterEach(() => vi.useRealTimers());

  it('writes the first, then at most one line per interval carrying how many were held back', () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T06:00:00Z') });
    const { log, entries } = capture();
    const failed = throttledLog(log, 'error', 'job queue error', 60_000);
    for (let i = 0; i < 50; i++) {
      failed({ attempt: i });
      vi.advanceTimersByTime(1000); // one failed poll a second
    }
    failed({ attempt: 50 });
    const written = entries();
    expect(written.map((l) => [l.level, l.msg, l.attempt, l.suppressed])).toEqual([['error', 'job queue error', 0, undefined]]);

    vi.advanceTimersByTime(10_000); // 60 s after the first line
    failed({ attempt: 51 });
    failed({ attempt: 52 });
    const after = entries();
    expect(after.map((l) => [l.attempt, l.suppressed])).toEqual([
      [0, undefined],
      [51, 50],
    ]);
  });
});
