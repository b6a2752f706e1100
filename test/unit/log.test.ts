import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlSecrets } from '../../src/log.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { log: createLogger('info', stream), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

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
