/**
 * Fast, simple RFC 5322 fixtures for benches (thousands per second, no MIME library), and a direct
 * writer into a Dovecot maildir for backlogs too big to APPEND one by one.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const WORDS = (
  'account access after again billing broken browser cannot change charged customer dashboard data delivery ' +
  'device download email error export failed hello help invoice issue login message missing monday morning ' +
  'order password payment please printer problem refund report request reset server since still subscription ' +
  'support team thanks ticket today update upload urgent user version website week working yesterday'
).split(' ');

/** A deterministic pseudo-random generator (mulberry32), so fixtures differ but runs are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plain prose of about `bytes` bytes in lines of at most 76 characters. */
export function prose(bytes: number, seed: number): string {
  const random = prng(seed);
  const lines: string[] = [];
  let total = 0;
  let line = '';
  while (total + line.length < bytes) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    if (line.length + word.length + 1 > 76) {
      lines.push(line);
      total += line.length + 1;
      line = '';
      if (random() < 0.15) lines.push('');
    }
    line = line ? `${line} ${word}` : word.charAt(0).toUpperCase() + word.slice(1);
  }
  if (line) lines.push(`${line}.`);
  return lines.join('\n');
}

export interface TextMail {
  readonly from: string;
  readonly to?: string;
  readonly subject: string;
  /** Approximate size of the whole message in bytes. */
  readonly size?: number;
  readonly seed?: number;
  /** Without angle brackets; default random. */
  readonly messageId?: string;
  readonly date?: Date;
  /** More header lines, e.g. `In-Reply-To: <…>` or `Auto-Submitted: auto-replied`. */
  readonly headers?: readonly string[];
  /** '\r\n' for APPEND/SMTP (default), '\n' for files in a maildir. */
  readonly eol?: '\r\n' | '\n';
}

function headerBlock(mail: { from: string; to?: string; subject: string; messageId?: string; date?: Date; headers?: readonly string[] }): string[] {
  const messageId = mail.messageId ?? `${randomBytes(10).toString('hex')}@customer.test`;
  const date = mail.date ?? new Date();
  return [
    `Received: from mx.customer.test (mx.customer.test [192.0.2.10]) by mail.example.com with ESMTPS id ${randomBytes(6).toString('hex')}; ${date.toUTCString().replace('GMT', '+0000')}`,
    `From: ${mail.from}`,
    `To: ${mail.to ?? 'Support <support@example.com>'}`,
    `Subject: ${mail.subject}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${messageId}>`,
    ...(mail.headers ?? []),
    'MIME-Version: 1.0',
  ];
}

/** A single-part text/plain message of about `size` bytes (default 4 KiB). */
export function textMail(mail: TextMail): Buffer {
  const eol = mail.eol ?? '\r\n';
  const head = [...headerBlock(mail), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit'];
  const headBytes = head.join('\n').length + 2;
  const body = prose(Math.max(200, (mail.size ?? 4096) - headBytes), mail.seed ?? 1);
  return Buffer.from(`${head.join(eol)}${eol}${eol}${body.split('\n').join(eol)}${eol}`, 'utf8');
}

export interface AttachmentMail {
  readonly from: string;
  readonly subject: string;
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
  /** Without angle brackets; default random. */
  readonly messageId?: string;
}

/** multipart/mixed: a short text part and one base64 attachment, CRLF line ends (for APPEND). */
export function attachmentMail(mail: AttachmentMail): Buffer {
  const boundary = `----=_bench_${randomBytes(8).toString('hex')}`;
  const base64 = mail.content.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 76) lines.push(base64.slice(i, i + 76));
  const text = [
    ...headerBlock(mail),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    'Hello, the report is attached. Please have a look.',
    '',
    `--${boundary}`,
    `Content-Type: ${mail.contentType}; name="${mail.filename}"`,
    `Content-Disposition: attachment; filename="${mail.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${text}\r\n`), Buffer.from(lines.join('\r\n')), Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

/** `bytes` bytes that look like a PDF to a magic-number sniffer: "%PDF-1.4\n", random bytes, "%%EOF". */
export function pdfLike(bytes: number): Buffer {
  const head = Buffer.from('%PDF-1.4\n');
  const tail = Buffer.from('\n%%EOF\n');
  return Buffer.concat([head, randomBytes(bytes - head.length - tail.length), tail]);
}

/**
 * Writes messages straight into a Dovecot maildir (`<home>/Maildir/new/`), owned by nobody:nogroup
 * like the mail Dovecot writes itself. Dovecot assigns UIDs in the order it finds them on the next
 * sync; the names sort in write order. Use LF line ends ('\n') for files on disk.
 */
export class MaildirWriter {
  private readonly base: string;
  private readonly uid: number;
  private readonly gid: number;
  private sequence = 0;

  constructor(home: string) {
    this.uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    this.gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    this.base = join(home, 'Maildir');
    for (const dir of [this.base, join(this.base, 'cur'), join(this.base, 'new'), join(this.base, 'tmp')]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chownSync(dir, this.uid, this.gid);
    }
  }

  write(raw: Buffer): void {
    const seconds = Math.floor(Date.now() / 1000);
    const name = `${seconds}.M${String(++this.sequence).padStart(6, '0')}P${process.pid}.${hostname().replace(/[/:]/g, '_')}`;
    const tmp = join(this.base, 'tmp', name);
    writeFileSync(tmp, raw, { mode: 0o600 });
    chownSync(tmp, this.uid, this.gid);
    renameSync(tmp, join(this.base, 'new', name));
  }
}
