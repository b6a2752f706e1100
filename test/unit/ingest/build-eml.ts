/**
 * Builds test messages in code (big or generated inputs are never committed as files), and reads
 * the small fixtures under test/fixtures/eml/.
 */
import { readFileSync } from 'node:fs';

export interface PartSpec {
  contentType: string;
  content: Buffer;
  /** Sent as an RFC 2231 `filename*` (percent-encoded UTF-8), so any character can be tested. */
  filename?: string;
  disposition?: 'attachment' | 'inline';
  contentId?: string;
}

export interface EmlSpec {
  /** Extra header lines, e.g. "Subject: x"; From/To/Subject/Date/Message-ID are added unless given. */
  headers?: string[];
  text?: string;
  html?: string;
  parts?: PartSpec[];
  /** Content type of the multipart container (default multipart/mixed). */
  multipart?: string;
}

const DEFAULT_HEADERS: Record<string, string> = {
  from: 'From: Jane <jane@example.com>',
  to: 'To: support@desk.example',
  subject: 'Subject: test message',
  date: 'Date: Tue, 01 Jul 2025 10:00:00 +0000',
  'message-id': 'Message-ID: <built@example.com>',
};

function base64Lines(content: Buffer): string {
  return content.toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
}

function partBlock(part: PartSpec): string {
  const lines = [`Content-Type: ${part.contentType}`, 'Content-Transfer-Encoding: base64'];
  const disposition = part.disposition ?? 'attachment';
  lines.push(part.filename === undefined ? `Content-Disposition: ${disposition}` : `Content-Disposition: ${disposition}; filename*=UTF-8''${encodeURIComponent(part.filename)}`);
  if (part.contentId) lines.push(`Content-ID: <${part.contentId}>`);
  return `${lines.join('\r\n')}\r\n\r\n${base64Lines(part.content)}`;
}

/** A complete message as raw bytes (CRLF line endings). */
export function buildEml(spec: EmlSpec): Buffer {
  const given = new Set((spec.headers ?? []).map((line) => line.slice(0, line.indexOf(':')).toLowerCase()));
  const headers = [...Object.entries(DEFAULT_HEADERS).filter(([name]) => !given.has(name)).map(([, line]) => line), ...(spec.headers ?? [])];
  headers.push('MIME-Version: 1.0');
  const bodies: string[] = [];
  if (spec.text !== undefined) bodies.push(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${spec.text}`);
  if (spec.html !== undefined) bodies.push(`Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${spec.html}`);
  for (const part of spec.parts ?? []) bodies.push(partBlock(part));
  if (bodies.length === 1 && !spec.parts?.length) return Buffer.from(`${headers.join('\r\n')}\r\n${bodies[0]}\r\n`);
  const boundary = 'b0undary-test';
  const body = bodies.map((block) => `--${boundary}\r\n${block}\r\n`).join('') + `--${boundary}--\r\n`;
  return Buffer.from(`${headers.join('\r\n')}\r\nContent-Type: ${spec.multipart ?? 'multipart/mixed'}; boundary="${boundary}"\r\n\r\n${body}`);
}

/** A fixture from test/fixtures/eml/. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/eml/${name}`, import.meta.url));
}

/** Bytes that start with a magic number, padded with filler to `size`. */
export function fileBytes(magic: string | Buffer, size: number): Buffer {
  const bytes = Buffer.alloc(size, 0x41);
  (typeof magic === 'string' ? Buffer.from(magic, 'latin1') : magic).copy(bytes);
  return bytes;
}

export const MAGIC = {
  pdf: '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n',
  png: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  jpeg: Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  gif: 'GIF89a\x01\x00\x01\x00\x00\x00\x00',
  exe: (() => {
    const header = Buffer.alloc(0x84);
    header.write('MZ', 0, 'latin1');
    header.writeUInt32LE(0x80, 0x3c);
    header.write('PE\0\0', 0x80, 'latin1');
    return header;
  })(),
  cfb: Buffer.from('d0cf11e0a1b11ae1', 'hex'),
  zip: Buffer.from('504b0304', 'hex'),
  rar: 'Rar!\x1a\x07\x01\x00',
  /** Outlook's winmail.dat: TNEF signature, legacy key, then the TNEF version attribute. */
  tnef: Buffer.from('789f3e22a1be01069000040000000000010001000100', 'hex'),
};
