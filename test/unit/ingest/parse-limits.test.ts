import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { UnprocessableMessageError } from '../../../src/ingest/types.js';

const HEAD = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: limits\r\nMessage-ID: <limits@example.com>\r\n';
const parse = (raw: string | Buffer) => parseMessage(Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1'), DEFAULT_ATTACHMENT_POLICY);

async function quarantineCode(raw: string): Promise<string> {
  const error: unknown = await parse(raw).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnprocessableMessageError);
  return (error as UnprocessableMessageError).code;
}

function nested(depth: number): string {
  let raw = `${HEAD}Content-Type: multipart/mixed; boundary="b0"\r\n\r\n`;
  for (let i = 0; i < depth; i++) raw += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
  return `${raw}--b${depth}\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n`;
}

const manyParts = (count: number) =>
  `${HEAD}Content-Type: multipart/mixed; boundary="p"\r\n\r\n` + '--p\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(count) + '--p--\r\n';

describe('structural limits quarantine instead of crashing (TESTPLAN M2, M3, M4)', () => {
  it('multipart nested 1,000 deep -> TOO_DEEPLY_NESTED, no stack overflow', async () => {
    expect(await quarantineCode(nested(1000))).toBe('TOO_DEEPLY_NESTED');
  });

  it('nesting just under the limit still parses', async () => {
    const m = await parse(nested(98));
    expect(m.text).toContain('innermost');
  });

  it('50,000 tiny parts -> TOO_MANY_PARTS', async () => {
    expect(await quarantineCode(manyParts(50_000))).toBe('TOO_MANY_PARTS');
  });

  it('a header block over 1 MiB -> HEADER_TOO_LARGE (one 10 MB line, 100,000 fields, a 1 MB folded Subject)', async () => {
    expect(await quarantineCode(`${HEAD}X-Long: ${'a'.repeat(10_000_000)}\r\n\r\nbody`)).toBe('HEADER_TOO_LARGE');
    expect(await quarantineCode(`${HEAD}${'X-Field: v\r\n'.repeat(100_000)}\r\nbody`)).toBe('HEADER_TOO_LARGE');
    expect(await quarantineCode(`${HEAD}Subject: ${'word\r\n '.repeat(200_000)}\r\n\r\nbody`)).toBe('HEADER_TOO_LARGE');
  });

  it('NUL and bare CR in header names, and a header block without a body, do not crash', async () => {
    const m = await parse(`${HEAD}X-\u0000Nul: a\r\nX-Bare\rCR: b\r\n\r\nbody\r\n`);
    expect(m.text).toContain('body');
    for (const name of m.headers.keys()) expect(name).not.toMatch(/[\u0000\r\n]/);
    const headersOnly = await parse(`${HEAD}`);
    expect(headersOnly.subject).toBe('limits');
  });
});

describe('broken MIME parses (TESTPLAN M7)', () => {
  it.each([
    ['missing closing boundary', `${HEAD}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nopen part`],
    ['undeclared boundary', `${HEAD}Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n`],
    ['two Content-Type headers', `${HEAD}Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\nhi\r\n`],
    ['mixed CRLF and LF', `${HEAD.replace(/\r\n/g, '\n')}Content-Type: multipart/mixed; boundary=x\r\n\n--x\nContent-Type: text/plain\r\n\r\nhi\n--x--\r\n`],
    ['invalid base64', `${HEAD}Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64###\r\n`],
    ['invalid quoted-printable', `${HEAD}Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=4\r\n`],
    ['8-bit bytes in headers', `${HEAD}X-Raw: \xff\xfe\xc3\r\n\r\nhi\r\n`],
    ['boundary text inside base64', `${HEAD}Content-Type: multipart/mixed; boundary=QUJD\r\n\r\n--QUJD\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKQUJD\r\n--QUJD--\r\n`],
    ['empty input', ''],
  ])('%s', async (_case, raw) => {
    const m = await parse(raw);
    expect(m.text.isWellFormed()).toBe(true);
  });
});

describe('bodies are bounded (TESTPLAN M8, M9)', () => {
  it('cuts a 10 MB text body at 1 MiB with a visible marker', async () => {
    const m = await parse(`${HEAD}Content-Type: text/plain\r\n\r\n${'hello world\r\n'.repeat(800_000)}`);
    expect(m.text.length).toBeLessThan(1.1 * 1024 * 1024);
    expect(m.text.endsWith('[… truncated]')).toBe(true);
  });

  it('derives bounded text from a 10 MB HTML-only body and from 100,000 nested divs', async () => {
    const big = await parse(`${HEAD}Content-Type: text/html\r\n\r\n${'<p><b>hi</b> <a href="http://x.test/">there</a></p>\r\n'.repeat(200_000)}`);
    expect(big.text).toContain('hi there');
    expect(big.html?.endsWith('<p>[… truncated]</p>')).toBe(true);
    const deep = await parse(`${HEAD}Content-Type: text/html\r\n\r\n${'<div>'.repeat(100_000)}deep text${'</div>'.repeat(100_000)}`);
    expect(deep.text).toContain('deep text');
    expect(deep.html).toContain('deep text');
  });

  it('link-detection DoS bodies parse quickly with our settings', async () => {
    const started = performance.now();
    await parse(`${HEAD}Content-Type: text/plain\r\n\r\n${'xn--' + 'a.xn--'.repeat(33)}\r\n`);
    await parse(`${HEAD}Content-Type: text/plain\r\n\r\n${'xn--a.'.repeat(170_000)}\r\n`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('visibleText stays fast on inputs that make the reply parser quadratic', async () => {
    const started = performance.now();
    const m = await parse(`${HEAD}Content-Type: text/plain\r\n\r\nhi\r\n${'\r\n'.repeat(200_000)}> quoted\r\n`);
    expect(m.visibleText.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
