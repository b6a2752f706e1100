/**
 * Message identifiers and the Date header, made safe for threading (TESTPLAN M11).
 *
 * Rules: a msg-id (RFC 5322 3.6.4) is kept without its angle brackets and whitespace; an empty one,
 * one longer than 998 bytes of UTF-8 (no legal header line is longer) or one with a control character
 * (never legal; PostgreSQL refuses NUL, and no id we store has one to match) is ignored.
 * References keeps the last 50 ids, oldest first: threading looks at the nearest ancestors, and a
 * 10,000-id header must not cost 10,000 lookups. A Date that is missing, invalid or more than a day ahead of our
 * clock is null, so the caller falls back to the arrival time (a far-future date would pin a
 * ticket to the top of every list).
 */
import { MAX_MESSAGE_ID_BYTES, MAX_REFERENCES } from './limits.js';

const ANGLE_ID = /<([^<>]*)>/g;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

function cleanId(value: string): string | null {
  const id = value.replace(/[\s<>]/g, '');
  return id.length > 0 && Buffer.byteLength(id) <= MAX_MESSAGE_ID_BYTES && !CONTROL.test(id) ? id : null;
}

/** Every msg-id in a header value: the bracketed ones, or the whitespace-separated words of a value without brackets. */
export function messageIdsIn(value: string): string[] {
  const bracketed = [...value.matchAll(ANGLE_ID)].map((match) => match[1]!);
  const candidates = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/);
  return candidates.map(cleanId).filter((id): id is string => id !== null);
}

/**
 * The first msg-id of a Message-ID or In-Reply-To header, or null.
 * @param values the header's decoded values (only the first occurrence counts)
 */
export function firstMessageId(values: readonly string[] | undefined): string | null {
  const value = values?.[0];
  return value === undefined ? null : (messageIdsIn(value)[0] ?? null);
}

/** The last 50 msg-ids of all References headers together, oldest first. */
export function referenceIds(values: readonly string[] | undefined): string[] {
  const ids: string[] = [];
  for (const value of values ?? []) {
    for (const id of messageIdsIn(value)) {
      ids.push(id);
      // Trim as we go, so a huge References header never holds more than twice the cap.
      if (ids.length >= 2 * MAX_REFERENCES) ids.splice(0, ids.length - MAX_REFERENCES);
    }
  }
  return ids.slice(-MAX_REFERENCES);
}

/**
 * The Date header as a Date, or null when missing, invalid or more than a day after `now`.
 * RFC 5322 3.3 dates (comments and folding included) are what V8's Date parser accepts.
 */
export function headerDate(values: readonly string[] | undefined, now: Date): Date | null {
  const value = values?.[0];
  if (!value) return null;
  const date = new Date(value.replace(/\s+/g, ' '));
  const time = date.getTime();
  if (Number.isNaN(time) || time > now.getTime() + ONE_DAY_MS) return null;
  return date;
}
