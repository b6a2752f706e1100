/**
 * Mutations of whole RFC 5322 messages for the pipeline fuzzer (bench/fuzz-pipeline.ts, TESTPLAN
 * M1). Each mutator takes a message and a random source and returns a new message: some work on
 * bytes (flips, inserted control bytes, cut and repeated ranges, splices of two seeds), some on
 * the MIME structure a parser cares about (header repeats, charset and transfer-encoding labels,
 * broken boundaries, deep nesting, odd attachments). Deterministic for a given random source, so a
 * failure is reproduced by its seed and input number.
 */

export type Random = () => number;

export interface Mutator {
  readonly name: string;
  apply(message: Buffer, random: Random, seeds: readonly Buffer[]): Buffer;
}

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Byte strings that parsers treat specially. */
const TOKENS = ['\r', '\n', '\r\n', '\0', '\r\n\r\n', '--', '=?', '?=', '=\r\n', '\xff\xfe', ': ', ';', '"', '\t', '\\', 'boundary=', '=?utf-8?B?', '\x1b$B', '<', '>'];

/**
 * `length` letters of CJK scripts that do not repeat (so PostgreSQL cannot compress them), as the
 * latin1 string of their UTF-8 bytes, the form headers take here. Deterministic: runs replay.
 */
function utf8Letters(length: number): string {
  const letters = Array.from({ length }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20_000)));
  return Buffer.from(letters.join(''), 'utf8').toString('latin1');
}

/** Header values that have broken mail software before. */
const HEADER_VALUES = [
  // RFC 6532 UTF-8 headers: few characters, many bytes (an identifier of 991 characters, ~2,950 bytes).
  `<${utf8Letters(980)}@example.jp>`,
  `${utf8Letters(900)} <${utf8Letters(60)}@example.jp>`,
  '',
  '<>',
  '"unbalanced <a@b.example>',
  '=?utf-8?q?line=0Abreak=0D=0AX-Injected:_yes?=',
  '=?x-unknown?B?////?=',
  '=?utf-8?B?' + Buffer.from('\u202Egpj.exe').toString('base64') + '?=',
  '../../../etc/passwd',
  'a'.repeat(20_000),
  '"' + 'b'.repeat(5_000) + '" <long@example.com>',
  Array.from({ length: 300 }, (_, i) => `r${i}@example.com`).join(', '),
  'undisclosed-recipients:;',
  '=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=',
  '\u00e9t\u00e9 <\u00e9@\u00e9.example>',
  '<a@b> <c@d> <e@f>',
  'Re: Re: AW: SV: [#1] Fwd: [#999999999] subject',
  '=?utf-8?Q?nul=00here?= <nul@example.com>',
  '=?utf-16?B?2D3eAA==?=',
  '=?utf-8?B?wA==?= =?utf-8?B?gA==?=',
];

/** MIME parameters (RFC 2231 continuations and charsets, odd quoting) for Content-Type and Content-Disposition. */
const PARAMETERS = [
  `; filename*0*=utf-8''%00%E2%80%AE; filename*1=".exe"`,
  `; name*=x-unknown''%ff%fe%00`,
  `; filename*=utf-8'en'..%2F..%2Fetc%2Fpasswd`,
  `; filename="a\u0000b.pdf"`,
  `; charset="utf-8; boundary=x"`,
  `; filename*1="tail.pdf"; filename*0="head"`,
  `; boundary=""`,
  `; ${'x'.repeat(5000)}=1`,
];

const CHARSETS = ['utf-8', 'utf-7', 'utf-16', 'utf-16le', 'iso-2022-jp', 'gb18030', 'big5', 'koi8-r', 'windows-1252', 'x-unknown', '', 'us-ascii"', 'ks_c_5601-1987', 'shift_jis', 'iso-8859-8-i'];
const ENCODINGS = ['base64', 'quoted-printable', '7bit', '8bit', 'binary', 'x-uuencode', 'bogus', 'base64; x=1', ''];
const FILENAMES = ['../../etc/passwd', 'a\u202Efdp.exe', 'report.pdf', 'virus.exe', 'x.zip', '\u00e9t\u00e9.docx', 'n\0ul.txt', 'c'.repeat(400) + '.png', 'CON', '.htaccess'];
const CONTENT_TYPES = ['application/pdf', 'image/png', 'application/octet-stream', 'text/plain', 'message/rfc822', 'application/zip', 'multipart/mixed', 'image/jpeg; name=x.jpg'];

/** Where the header block ends (index of the blank line's first byte), or the whole message. */
function headerEnd(message: Buffer): number {
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : message.length;
}

/** The header lines (folded lines kept with their header), as latin1 strings with their line ends. */
function headerLines(message: Buffer): string[] {
  const head = message.subarray(0, headerEnd(message)).toString('latin1');
  const lines: string[] = [];
  for (const line of head.split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += line;
    else lines.push(line);
  }
  return lines;
}

function withHeaderLines(message: Buffer, lines: readonly string[]): Buffer {
  return Buffer.concat([latin1(lines.join('')), message.subarray(headerEnd(message))]);
}

/**
 * The message taken apart for wrapping in a multipart: `top`, its header lines that are not about
 * content plus MIME-Version, and `part`, its body with its own Content-* headers.
 */
function asPart(message: Buffer): { top: Buffer; part: Buffer } {
  const lines = headerLines(message);
  const top = latin1(lines.filter((line) => !/^(content-|mime-version)/i.test(line)).join('') + 'MIME-Version: 1.0\r\n');
  const part = Buffer.concat([latin1(lines.filter((line) => /^content-/i.test(line)).join('') + '\r\n'), message.subarray(headerEnd(message))]);
  return { top, part };
}

/** Replaces every match of `pattern` (global) in the message's latin1 text with `replace(random)`. */
function replaceAll(message: Buffer, pattern: RegExp, random: Random, replace: (match: string) => string): Buffer {
  const text = message.toString('latin1');
  return latin1(text.replace(pattern, (match) => (random() < 0.7 ? replace(match) : match)));
}

function range(message: Buffer, random: Random): [number, number] {
  const start = int(random, message.length + 1);
  const length = Math.min(message.length - start, 1 + int(random, random() < 0.8 ? 64 : 4096));
  return [start, start + length];
}

export const MUTATORS: readonly Mutator[] = [
  {
    name: 'flip bits',
    apply(message, random) {
      const copy = Buffer.from(message);
      for (let i = 1 + int(random, 8); i > 0 && copy.length > 0; i--) copy[int(random, copy.length)]! ^= 1 << int(random, 8);
      return copy;
    },
  },
  {
    name: 'insert token',
    apply(message, random) {
      const at = int(random, message.length + 1);
      const token = random() < 0.2 ? Buffer.from(Array.from({ length: 1 + int(random, 32) }, () => int(random, 256))) : latin1(pick(random, TOKENS));
      return Buffer.concat([message.subarray(0, at), token, message.subarray(at)]);
    },
  },
  {
    name: 'delete range',
    apply(message, random) {
      const [start, end] = range(message, random);
      return Buffer.concat([message.subarray(0, start), message.subarray(end)]);
    },
  },
  {
    name: 'repeat range',
    apply(message, random) {
      const [start, end] = range(message, random);
      const times = 1 + int(random, random() < 0.9 ? 4 : 200);
      const at = int(random, message.length + 1);
      const chunk = message.subarray(start, end);
      return Buffer.concat([message.subarray(0, at), ...Array.from({ length: times }, () => chunk), message.subarray(at)]);
    },
  },
  {
    name: 'splice two seeds',
    apply(message, random, seeds) {
      const other = pick(random, seeds);
      return Buffer.concat([message.subarray(0, int(random, message.length + 1)), other.subarray(int(random, other.length + 1))]);
    },
  },
  {
    name: 'truncate',
    apply(message, random) {
      return message.subarray(0, int(random, message.length + 1));
    },
  },
  {
    name: 'line ends',
    apply(message, random) {
      const text = message.toString('latin1');
      const form = int(random, 3);
      if (form === 0) return latin1(text.replace(/\r\n/g, '\n'));
      if (form === 1) return latin1(text.replace(/\r?\n/g, '\r\n'));
      return latin1(text.replace(/\r?\n/g, '\r'));
    },
  },
  {
    name: 'repeat a header',
    apply(message, random) {
      const lines = headerLines(message);
      if (lines.length === 0) return message;
      const at = int(random, lines.length);
      const times = 1 + int(random, random() < 0.7 ? 3 : 120);
      lines.splice(at, 0, ...Array.from({ length: times }, () => lines[at]!));
      return withHeaderLines(message, lines);
    },
  },
  {
    name: 'odd header value',
    apply(message, random) {
      const lines = headerLines(message);
      const named = lines.map((line, i) => [line, i] as const).filter(([line]) => /^[^\s:]+:/.test(line));
      if (named.length === 0) return message;
      const [line, i] = pick(random, named);
      const name = line.slice(0, line.indexOf(':'));
      const ending = /\r?\n$/.exec(line)?.[0] ?? '\r\n';
      lines[i] = `${name}: ${pick(random, HEADER_VALUES)}${ending}`;
      return withHeaderLines(message, lines);
    },
  },
  {
    name: 'odd threading header',
    apply(message, random) {
      // Added first, so it is the occurrence threading reads (the Message-ID is often replaced by steer's fresh one).
      const name = pick(random, ['Message-ID', 'In-Reply-To', 'References']);
      return withHeaderLines(message, [`${name}: ${pick(random, HEADER_VALUES)}\r\n`, ...headerLines(message)]);
    },
  },
  {
    name: 'charset label',
    apply(message, random) {
      return replaceAll(message, /charset=("?)[^";\s]*\1/gi, random, () => `charset=${pick(random, CHARSETS)}`);
    },
  },
  {
    name: 'transfer encoding',
    apply(message, random) {
      return replaceAll(message, /Content-Transfer-Encoding:[ \t]*[^\r\n]*/gi, random, () => `Content-Transfer-Encoding: ${pick(random, ENCODINGS)}`);
    },
  },
  {
    name: 'break a boundary',
    apply(message, random) {
      const text = message.toString('latin1');
      const match = /boundary=("?)([^";\r\n]+)\1/i.exec(text);
      if (!match) return message;
      const boundary = match[2]!;
      if (random() < 0.5) return latin1(text.split(`--${boundary}--`).join('')); // no closing delimiter
      return latin1(text.replace(match[0], `boundary="${boundary.slice(0, int(random, boundary.length + 1))}"`));
    },
  },
  {
    name: 'odd part header',
    apply(message, random) {
      return replaceAll(message, /^Content-[A-Za-z-]+:[^\r\n]*/gim, random, (line) => `${line.slice(0, line.indexOf(':'))}: ${pick(random, HEADER_VALUES)}`);
    },
  },
  {
    name: 'odd parameter',
    apply(message, random) {
      return replaceAll(message, /^(Content-(?:Type|Disposition):[^\r\n]*)/gim, random, (line) => line + pick(random, PARAMETERS));
    },
  },
  {
    name: 'nest in multiparts',
    apply(message, random) {
      const depth = random() < 0.8 ? 1 + int(random, 5) : 95 + int(random, 30);
      const { top, part } = asPart(message);
      let body = part;
      for (let level = depth; level > 0; level--) {
        const boundary = `fz${level}`;
        body = Buffer.concat([latin1(`Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\n`), body, latin1(`\r\n--${boundary}--\r\n`)]);
      }
      return Buffer.concat([top, body]);
    },
  },
  {
    name: 'add an attachment',
    apply(message, random) {
      const { top, part: inner } = asPart(message);
      const size = random() < 0.9 ? int(random, 20_000) : int(random, 3_000_000);
      const content = Buffer.alloc(size, int(random, 256));
      if (random() < 0.5) latin1(pick(random, ['%PDF-1.4\n', '\x89PNG\r\n\x1a\n', 'MZ', 'PK\x03\x04', '\xff\xd8\xff'])).copy(content);
      const base64 = (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
      const filename = pick(random, FILENAMES);
      const part = latin1(
        `Content-Type: ${pick(random, CONTENT_TYPES)}; name="${filename}"\r\nContent-Disposition: ${random() < 0.8 ? 'attachment' : 'inline'}; filename="${filename}"\r\n` +
          `Content-Transfer-Encoding: base64\r\nContent-ID: <part${int(random, 10)}@fuzz>\r\n\r\n${base64}\r\n`,
      );
      return Buffer.concat([top, latin1('Content-Type: multipart/mixed; boundary="fzatt"\r\n\r\n--fzatt\r\n'), inner, latin1('\r\n--fzatt\r\n'), part, latin1('--fzatt--\r\n')]);
    },
  },
];

/** Headers that steer the pipeline into its other branches: automatic mail, loops, emergencies. */
const BRANCH_HEADERS = [
  'Auto-Submitted: auto-replied',
  'Precedence: bulk',
  'X-Autoreply: yes',
  'List-Id: <list.example.org>',
  'Return-Path: <>',
  'X-Auto-Response-Suppress: All',
  'Cc: emergency@example.com',
  'From: MAILER-DAEMON@example.net',
  'X-Postdesk-Loop: support@example.com',
  'Reply-To: other@example.org',
];

/**
 * Makes a message a reply to an earlier input (In-Reply-To its Message-ID, or a [#N] subject tag),
 * or gives it a header that changes its class, so comments and automatic mail are fuzzed too.
 */
export function steer(message: Buffer, random: Random, earlierMessageId: string | null, ticketNumber: number | null): Buffer {
  const lines = headerLines(message);
  const roll = random();
  if (roll < 0.15 && earlierMessageId) lines.unshift(`In-Reply-To: <${earlierMessageId}>\r\n`);
  else if (roll < 0.25 && ticketNumber) lines.unshift(`Subject: Re: [#${ticketNumber}] fuzzed reply\r\n`);
  else if (roll < 0.35) lines.unshift(`${pick(random, BRANCH_HEADERS)}\r\n`);
  else return message;
  return withHeaderLines(message, lines);
}

/** The message with every Message-ID header replaced by one `<id>` (a fresh id keeps de-duplication from hiding a mutant). */
export function withMessageId(message: Buffer, id: string): Buffer {
  const lines = headerLines(message).filter((line) => !/^message-id[ \t]*:/i.test(line));
  return withHeaderLines(message, [`Message-ID: <${id}>\r\n`, ...lines]);
}

/** One to three mutators, stacked; the names say what was done (printed for every failure). */
export function mutate(seed: Buffer, random: Random, seeds: readonly Buffer[]): { message: Buffer; applied: string[] } {
  let message = seed;
  const applied: string[] = [];
  for (let n = 1 + int(random, 3); n > 0; n--) {
    const mutator = pick(random, MUTATORS);
    message = mutator.apply(message, random, seeds);
    applied.push(mutator.name);
  }
  return { message, applied };
}
