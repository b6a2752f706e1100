/** The download headers of attachments (src/http/attachments.ts): pure, table-tested. */
import { describe, expect, it } from 'vitest';
import { contentDisposition, safeContentType } from '../../../src/http/attachments.js';

describe('contentDisposition', () => {
  it.each([
    ['report.pdf', `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`],
    ['Résumé.pdf', `attachment; filename="R_sum_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`],
    ['a "quoted" name.txt', `attachment; filename="a _quoted_ name.txt"; filename*=UTF-8''a%20%22quoted%22%20name.txt`],
    ['back\\slash;semi.txt', `attachment; filename="back_slash;semi.txt"; filename*=UTF-8''back%5Cslash%3Bsemi.txt`],
    ["it's (1) *.txt", `attachment; filename="it's (1) *.txt"; filename*=UTF-8''it%27s%20%281%29%20%2A.txt`],
    ['100%.txt', `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`],
    ['\u0000\r\nX-Evil: 1.txt', `attachment; filename="X-Evil: 1.txt"; filename*=UTF-8''X-Evil%3A%201.txt`],
    ['报告.docx', `attachment; filename="__.docx"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.docx`],
    ['', `attachment; filename="attachment"; filename*=UTF-8''attachment`],
  ])('%j', (name, expected) => {
    const header = contentDisposition(name);
    expect(header).toBe(expected);
    expect(header).not.toMatch(/[\r\n\u0000]/);
  });
});

describe('safeContentType', () => {
  it.each([
    ['application/pdf', 'application/pdf'],
    ['IMAGE/PNG', 'image/png'],
    ['text/plain', 'text/plain'],
    ['text/html', 'application/octet-stream'],
    ['application/xhtml+xml', 'application/octet-stream'],
    ['image/svg+xml', 'application/octet-stream'],
    ['text/xml', 'application/octet-stream'],
    ['application/javascript', 'application/octet-stream'],
    ['text/plain\r\nSet-Cookie: a=b', 'application/octet-stream'],
    ['text/plain; charset=utf-8', 'application/octet-stream'],
    ['nonsense', 'application/octet-stream'],
  ])('%j → %s', (stored, sent) => expect(safeContentType(stored)).toBe(sent));
});
