/**
 * Address lists as ParsedAddress values (TESTPLAN M5).
 *
 * Rules: addresses lower-cased; display names decoded (by the caller's address parser) and made
 * plain strings, null when empty; group members listed, group names dropped (RFC 5322 3.4);
 * entries without a usable address (an empty group "undisclosed-recipients:;", junk) skipped rather
 * than thrown on; each list capped at 1,000 entries (the ticket layer stores at most 50 CCs).
 */
import { MAX_EMAIL_CHARS } from '../../people/email-address.js';
import type { ParsedAddress } from '../types.js';
import { MAX_RECIPIENTS } from './limits.js';
import { plainLine, plainString } from './plain-string.js';

/** The shape of one parsed mailbox or group (mailparser's EmailAddress), kept structural. */
export interface AddressEntry {
  name?: string;
  address?: string;
  group?: AddressEntry[];
}

function toParsed(entry: AddressEntry): ParsedAddress | null {
  const email = plainString(entry.address ?? '').toLowerCase();
  // Longer than person.email holds: not an address we can use (RFC 5321 allows paths of 256 octets).
  if (!email || email.length > MAX_EMAIL_CHARS || !email.includes('@') || /\s/.test(email)) return null;
  const name = plainLine(entry.name ?? '').slice(0, 1000);
  return { email, name: name || null };
}

/**
 * Flattens groups and converts up to `limit` entries (iteratively: nested groups cannot recurse).
 * @param entries parsed address entries, possibly with groups
 */
export function toAddressList(entries: readonly AddressEntry[], limit = MAX_RECIPIENTS): ParsedAddress[] {
  const out: ParsedAddress[] = [];
  const queue: AddressEntry[] = [...entries].reverse();
  while (queue.length > 0 && out.length < limit) {
    const entry = queue.pop()!;
    if (entry.group) {
      for (let i = entry.group.length - 1; i >= 0; i--) queue.push(entry.group[i]!);
      continue;
    }
    const parsed = toParsed(entry);
    if (parsed) out.push(parsed);
  }
  return out;
}

/**
 * The start of an address header value holding at most `entries` comma-separated entries, so a
 * 10,000-address To is not parsed in full only to keep 1,000 (about 5 ms per 1,000 addresses).
 * Commas inside quoted strings, comments (which nest, RFC 5322 3.2.2) and angle brackets do not
 * separate entries.
 */
export function addressPrefix(value: string, entries = 2 * MAX_RECIPIENTS): string {
  let commas = 0;
  let quoted = false;
  let comment = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') i++;
    else if (quoted) quoted = char !== '"';
    else if (char === '"' && comment === 0) quoted = true;
    else if (char === '(') comment++;
    else if (char === ')' && comment > 0) comment--;
    else if (comment > 0) continue;
    else if (char === '<') angle = true;
    else if (char === '>') angle = false;
    else if (char === ',' && !angle && ++commas >= entries) return value.slice(0, i);
  }
  return value;
}

/** The first usable mailbox of a From header, or null when none parses. */
export function firstAddress(entries: readonly AddressEntry[]): ParsedAddress | null {
  return toAddressList(entries, 1)[0] ?? null;
}
