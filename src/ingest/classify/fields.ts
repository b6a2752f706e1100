/**
 * Small readers of header values for the classifier (pure). Header names are lower case, as in
 * ParsedMessage.headers; values are decoded and unfolded but otherwise as the sender wrote them.
 */
import type { ParsedAddress } from '../types.js';

export type HeaderMap = ReadonlyMap<string, readonly string[]>;

/** Every value of one header, in order; [] when absent. */
export function values(headers: HeaderMap, name: string): readonly string[] {
  return headers.get(name) ?? [];
}

/**
 * A structured value without RFC 5322 comments, trimmed and lower-cased:
 * "Auto-Replied (vacation)" -> "auto-replied". Nested comments are rare enough to ignore.
 */
export function bare(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').trim().toLowerCase();
}

/** An address: a local part without spaces, brackets or quotes, and a dotted domain. */
export const ADDRESS = String.raw`[^\s<>()\[\]"',;:@]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`;

const WHOLE_ADDRESS = new RegExp(String.raw`^<?(${ADDRESS})>?$`, 'u');

/**
 * The distinct addresses in a list like "a@x, <b@y>", lower-cased, at most `limit`. Split first,
 * then matched whole: an unanchored scan of a long header without an @ would be quadratic.
 */
export function addressesIn(text: string, limit = 100): string[] {
  const found = new Set<string>();
  for (const token of text.split(/[\s,;]+/)) {
    const match = WHOLE_ADDRESS.exec(token);
    if (match) found.add(match[1]!.toLowerCase());
    if (found.size >= limit) break;
  }
  return [...found];
}

/**
 * "MAILER-DAEMON" or "postmaster" when the sender's local part is one of those role names
 * (RFC 5321 §4.5.1 postmaster; MAILER-DAEMON is what MTAs sign their bounces with); null otherwise.
 */
export function daemonSender(from: ParsedAddress | null): 'MAILER-DAEMON' | 'postmaster' | null {
  if (!from) return null;
  const at = from.email.lastIndexOf('@');
  const local = (at < 0 ? from.email : from.email.slice(0, at)).toLowerCase();
  if (local === 'mailer-daemon') return 'MAILER-DAEMON';
  if (local === 'postmaster') return 'postmaster';
  return null;
}

/** The first Message-ID in an In-Reply-To value, without angle brackets; null when none. */
export function firstMessageId(value: string | undefined): string | null {
  if (!value) return null;
  const match = /<([^<>\s]{1,900})>/.exec(value);
  if (match) return match[1]!;
  const plain = value.trim();
  return /^[^<>\s]{1,900}@[^<>\s]+$/.test(plain) ? plain : null;
}
