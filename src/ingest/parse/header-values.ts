/**
 * Header values as plain strings: unfolded (RFC 5322 2.2.3), raw 8-bit bytes read as UTF-8
 * (RFC 6532) or, when they are not valid UTF-8, as Windows-1252 (what pre-MIME mailers sent),
 * encoded words decoded (RFC 2047), control and bidi characters removed, at most 64 KiB each.
 *
 * Charsets are decoded with the WHATWG TextDecoder, which knows every legacy charset browsers do
 * (ks_c_5601-1987, iso-2022-jp, shift_jis, gb2312, koi8-r, iso-8859-8-i ...). An unknown or refused
 * label (UTF-7, which can smuggle markup past filters) is read as UTF-8 with U+FFFD replacements:
 * never an exception.
 */
import { MAX_HEADER_VALUE_CHARS } from './limits.js';
import { plainString } from './plain-string.js';

/** One raw header line as mailparser's `headerLines` gives it: lower-case key, "Name: value" in latin1. */
export interface RawHeaderLine {
  key: string;
  line: string;
}

const ENCODED_WORD = /=\?([^?\s]{1,64})\?([BbQq])\?([^?\s]*)\?=/g;
const ONLY_WHITESPACE = /^[ \t]*$/;

/** Decodes `bytes` in `charset`, falling back to UTF-8 for labels TextDecoder does not know. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  // RFC 2231 5: "charset*language" in encoded words.
  const label = charset.split('*')[0]!.trim().toLowerCase();
  try {
    if (label !== 'utf-7' && label !== 'utf7') return new TextDecoder(label).decode(bytes);
  } catch {
    // unknown label: fall through
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** Raw header bytes (held in a latin1 string) read as UTF-8, else as Windows-1252. */
export function decodeRawBytes(latin1: string): string {
  if (/^[\u0000-\u007f]*$/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding === 'b' || encoding === 'B') return Buffer.from(text, 'base64');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const hex = char === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(char === '_' ? 0x20 : char.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Decodes RFC 2047 encoded words. Whitespace between adjacent encoded words is dropped (6.2), and
 * adjacent words in one charset are joined before decoding, so a multi-byte character split across
 * two words (common in Japanese subjects) survives.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let charset: string | null = null;
  let chunks: Buffer[] = [];
  for (const match of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, match.index);
    const wordCharset = match[1]!.toLowerCase();
    const adjacent = charset !== null && ONLY_WHITESPACE.test(between);
    if (!adjacent || charset !== wordCharset) {
      if (charset !== null) out += decodeCharset(Buffer.concat(chunks), charset);
      if (!adjacent) out += between;
      charset = wordCharset;
      chunks = [];
    }
    chunks.push(wordBytes(match[2]!, match[3]!));
    last = match.index + match[0].length;
  }
  if (charset !== null) out += decodeCharset(Buffer.concat(chunks), charset);
  return out + value.slice(last);
}

/** The value of one raw header line, unfolded and decoded, but with encoded words left as they are. */
export function rawHeaderValue(line: string): string {
  const colon = line.indexOf(':');
  const value = colon >= 0 ? line.slice(colon + 1) : '';
  // Unfold (RFC 5322 2.2.3); a bare CR or LF left over is a broken header, not a line break.
  return decodeRawBytes(value.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]/g, ' ')).trim();
}

/** The decoded plain-string value of one raw header line, capped at 64 KiB. */
export function decodeHeaderLine(line: string): string {
  // Cap before decoding as well, so a 10 MB line costs one slice, not a 10 MB regex pass.
  const raw = rawHeaderValue(line.length > 4 * MAX_HEADER_VALUE_CHARS ? line.slice(0, 4 * MAX_HEADER_VALUE_CHARS) : line);
  return plainString(decodeEncodedWords(raw)).slice(0, MAX_HEADER_VALUE_CHARS);
}

/** All header values by lower-case name, in order of appearance; nothing dropped, each value capped. */
export function headerMap(lines: readonly RawHeaderLine[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const name = plainString(key.toLowerCase());
    const values = map.get(name);
    const value = decodeHeaderLine(line);
    if (values) values.push(value);
    else map.set(name, [value]);
  }
  return map;
}
