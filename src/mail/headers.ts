/**
 * Pure helpers for the headers that thread mail: postdesk's own Message-IDs, the [#N] subject tag,
 * and forward detection.
 *
 * Our Message-IDs carry an HMAC of the ticket and message ids (RFC 5322 §3.6.4 leaves the left
 * part to us): `pd.<ticketId>.<messageRowId>.<hmac>@<domain>`. A reply naming an ID of this shape
 * whose HMAC does not verify is forged and never matches (TESTPLAN S4; osTicket signs its IDs the
 * same way, FreeScout's 2026 advisories show what happens without it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const OUR_ID = /^pd\.(\d{1,12})\.(\d{1,12})\.([0-9a-f]{24})@(.+)$/i;
const HMAC_HEX_LENGTH = 24; // 96 bits

function mac(secret: string, ticketId: number, messageRowId: number): string {
  return createHmac('sha256', secret).update(`${ticketId}.${messageRowId}`).digest('hex').slice(0, HMAC_HEX_LENGTH);
}

/** The domain part of our Message-IDs: the support address's domain. */
export function messageIdDomain(supportAddress: string): string {
  return supportAddress.slice(supportAddress.lastIndexOf('@') + 1).toLowerCase() || 'localhost';
}

/** A Message-ID (without angle brackets) for an outbound message of ours. */
export function ourMessageId(secret: string, domain: string, ticketId: number, messageRowId: number): string {
  return `pd.${ticketId}.${messageRowId}.${mac(secret, ticketId, messageRowId)}@${domain}`;
}

export type OurMessageIdCheck =
  | { kind: 'ours'; ticketId: number; messageRowId: number }
  | { kind: 'forged' }
  | { kind: 'foreign' };

/** Tells whether an ID is one we generated (and verifies its HMAC in constant time). */
export function checkOurMessageId(secret: string, domain: string, id: string): OurMessageIdCheck {
  const match = OUR_ID.exec(id);
  if (!match || match[4]!.toLowerCase() !== domain) return { kind: 'foreign' };
  const ticketId = Number(match[1]);
  const messageRowId = Number(match[2]);
  const given = Buffer.from(match[3]!.toLowerCase(), 'utf8');
  const expected = Buffer.from(mac(secret, ticketId, messageRowId), 'utf8');
  return timingSafeEqual(given, expected) ? { kind: 'ours', ticketId, messageRowId } : { kind: 'forged' };
}

/**
 * The ticket number of a `[#N]` tag anywhere in a subject ("Re: AW: [#12] printer" or
 * "printer [#12] still broken"); null when there is none. The first tag wins.
 */
export function findTicketTag(subject: string): number | null {
  const match = /\[#(\d{1,9})\]/.exec(subject);
  return match ? Number(match[1]) : null;
}

/** Re:, AW: (German), SV: (Nordic), Antw: (Dutch), VS: (Finnish), Odp: (Polish), YNT: (Turkish), also as "Re[2]:". */
export const REPLY_PREFIX = /^\s*(?:re|aw|sv|antw|vs|odp|ynt)\s*(?:\[\d+\])?\s*:/i;

/** Fwd:, Fw:, WG: (German), TR: (French), Doorst: (Dutch), RV: (Spanish), VS: (Norwegian). */
const FORWARD_PREFIX = /^\s*(?:fwd?|wg|tr|rv|doorst|vs)\s*(?:\[\d+\])?\s*:/i;

/** A forward starts a new thread. */
export function isForward(subject: string): boolean {
  return FORWARD_PREFIX.test(subject);
}

/** The outbound subject: the [#N] tag added once, in front. */
export function taggedSubject(number: number, subject: string): string {
  return findTicketTag(subject) === number ? subject : `[#${number}] ${subject}`;
}

/**
 * The subject without the tags a mail system in front of postdesk wrote into it (SUBJECT_TAGS,
 * e.g. "[EXTERNAL]"): at its start and between the reply and forward prefixes there
 * ("[EXTERNAL] Re: [#42] Printer" -> "Re: [#42] Printer", "Fwd: [EXT] Printer" -> "Fwd: Printer"),
 * matched without regard to case. A tag later in the subject is the sender's own text and stays.
 * A tag that ends in a letter or digit must end a word ("EXT" does not take "EXTRA" apart).
 */
export function withoutSubjectTags(subject: string, tags: readonly string[]): string {
  if (tags.length === 0) return subject;
  let kept = '';
  let rest = subject;
  let removed = false;
  for (;;) {
    const start = rest.length - rest.trimStart().length;
    const tag = tags.find((candidate) => startsWithTag(rest, start, candidate));
    if (tag !== undefined) {
      rest = rest.slice(start + tag.length);
      removed = true;
      continue;
    }
    const prefix = REPLY_PREFIX.exec(rest) ?? FORWARD_PREFIX.exec(rest);
    if (prefix === null) break;
    kept += prefix[0];
    rest = rest.slice(prefix[0].length);
  }
  if (!removed) return subject;
  return kept === '' ? rest.trimStart() : `${kept.trimStart()} ${rest.trimStart()}`.trimEnd();
}

function startsWithTag(text: string, at: number, tag: string): boolean {
  if (text.slice(at, at + tag.length).toLowerCase() !== tag.toLowerCase()) return false;
  return !/[\p{L}\p{N}]$/u.test(tag) || !/^[\p{L}\p{N}]/u.test(text.slice(at + tag.length, at + tag.length + 1));
}

/**
 * A subject for a ticket of its own (splitTicket): the reply and forward prefixes of any language
 * we know ("Re: AW: Fwd:") and every [#N] tag dropped, so the new ticket does not carry the old
 * ticket's number; "(no subject)" when nothing is left.
 */
export function subjectOfItsOwn(subject: string): string {
  let rest = subject.replace(/\[#\d{1,9}\]/g, ' ');
  for (;;) {
    const shorter = rest.replace(REPLY_PREFIX, '').replace(FORWARD_PREFIX, '');
    if (shorter === rest) break;
    rest = shorter;
  }
  return rest.replace(/\s+/g, ' ').trim() || '(no subject)';
}
