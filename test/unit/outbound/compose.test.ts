/**
 * TESTPLAN S9: nothing a customer, an admin or a template writes can add a header or a recipient.
 * 500 fuzzed values (CR, LF, CRLF, NUL, U+2028/U+2029, NEL, encoded-words carrying =0A/=0D, 5,000-character
 * names) in the display names and the subject; every composed message must parse back with exactly
 * the intended header set and recipients.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMail, type MailSpec } from '../../../src/outbound/compose.js';
import { displayName, headerText } from '../../../src/outbound/sanitize.js';

const NASTY = ['\r', '\n', '\r\n', '\0', '\u2028', '\u2029', '\u0085', '\r\nBcc: evil@attacker.test', '\nX-Injected: 1', '=?utf-8?q?a=0ABcc:_evil@attacker.test?=', '=?utf-8?b?YQ0KQmNjOiBldmlsQGF0dGFja2VyLnRlc3Q=?=', '\r\n\r\n<html>body</html>', '\u202e', '\t'];

function fuzz(seed: number): string {
  let x = seed * 2654435761;
  const next = () => ((x = (x * 1103515245 + 12345) >>> 0), x);
  const parts: string[] = [];
  const n = 1 + (next() % 6);
  for (let i = 0; i < n; i++) parts.push(next() % 3 === 0 ? 'word' : NASTY[next() % NASTY.length]!);
  if (seed % 25 === 0) parts.push('x'.repeat(5000));
  return parts.join('');
}

const EXPECTED_HEADERS = ['from', 'reply-to', 'to', 'cc', 'subject', 'message-id', 'in-reply-to', 'references', 'date', 'mime-version', 'content-type', 'x-auto-response-suppress', 'x-postdesk-loop', 'auto-submitted'];

function spec(value: string): MailSpec {
  return {
    from: { email: 'support@example.com', name: value },
    replyTo: 'support@example.com',
    to: [{ email: 'alice@customer.test', name: value }],
    cc: [{ email: 'bob@customer.test', name: value }],
    subject: `[#7] ${value}`,
    text: `Body ${value}`,
    html: `<p>${value}</p>`,
    messageId: 'pd.1.2.abc@example.com',
    inReplyTo: 'x@customer.test',
    references: ['x@customer.test'],
    autoSubmitted: 'auto-generated',
    loopMarker: value,
    date: new Date('2026-11-23T00:00:00Z'),
  };
}

describe('header sanitising', () => {
  it('flattens every line break and control character to one line', () => {
    for (const v of NASTY) expect(headerText(`a${v}b`)).not.toMatch(/[\r\n\0\u2028\u2029\u0085\u202e]/);
    expect(headerText('Re:\r\nBcc: x@y')).toBe('Re: Bcc: x@y');
    expect(headerText('x'.repeat(5000)).length).toBe(250);
    expect(displayName('\r\n')).toBeNull();
  });
});

describe('composeMail under header injection (S9)', () => {
  it('500 fuzzed values: only the intended headers and recipients', async () => {
    for (let i = 0; i < 500; i++) {
      const value = fuzz(i + 1);
      const raw = await composeMail(spec(value));
      const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
      const names = head
        .split('\r\n')
        .filter((line) => !/^[ \t]/.test(line))
        .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
      expect(names.every((n) => EXPECTED_HEADERS.includes(n)), `case ${i}: ${JSON.stringify(names)}`).toBe(true);
      expect(new Set(names).size, `case ${i}: a header twice`).toBe(names.length);
      expect(head, `case ${i}: a bare CR, LF or NUL`).not.toMatch(/\0|(?<!\r)\n|\r(?!\n)/);
      const parsed = await simpleParser(raw);
      const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((a) => a.address) : [];
      const cc = parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value.map((a) => a.address) : [];
      expect(to, `case ${i}`).toEqual(['alice@customer.test']);
      expect(cc, `case ${i}`).toEqual(['bob@customer.test']);
      expect(parsed.bcc).toBeUndefined();
      expect(parsed.headers.has('x-injected')).toBe(false);
      expect(parsed.subject).not.toMatch(/[\r\n]/);
    }
  });

  it('writes Auto-Submitted only on automatic mail', async () => {
    const reply = await composeMail({ ...spec('Agent'), autoSubmitted: null });
    expect(reply.toString()).not.toMatch(/^Auto-Submitted:/im);
    expect(reply.toString()).toMatch(/^X-Auto-Response-Suppress: All\r$/im);
    const auto = await composeMail(spec('Agent'));
    expect(auto.toString()).toMatch(/^Auto-Submitted: auto-generated\r$/im);
  });

  it('drops references that are not plain Message-IDs', async () => {
    const raw = await composeMail({ ...spec('x'), inReplyTo: 'bad id>\r\nBcc: e@x', references: ['ok@x.test', 'a b@c', '<x>'] });
    const parsed = await simpleParser(raw);
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.references).toBe('<ok@x.test>');
  });
});
