/**
 * Satisfaction ratings, by mail: the closing notice carries two mailto: links ("good", "bad") whose
 * subject is `Re: [#42] Rating: good`. Clicking one opens a mail to support; sent, it threads onto
 * the ticket by its tag (only for the requester, as every tag does: threading rule b), and the
 * ticket's rating is set — the latest one counts, so a customer may change their mind.
 *
 * Mail, not web links: postdesk needs no public web address, and mail security scanners that
 * "click" every link in a mail cannot rate on a customer's behalf.
 *
 * A rating mail is kept as a comment like any mail (what they wrote beside it is their comment)
 * but is not a request: it reopens nothing, makes nobody wait for an answer, fills no fields.
 */
import type { Em } from '../db/orm.js';
import type { Person, Ticket } from '../entities/index.js';
import { Satisfaction } from '../entities/enums.js';
import { recordEvent } from './record-event.js';

const RATING = /\bRating:\s*(good|bad)\b/i;

/** The rating a subject carries (`… Rating: good`), or null. */
export function ratingIn(subject: string | null | undefined): Satisfaction | null {
  const match = subject ? RATING.exec(subject) : null;
  if (!match) return null;
  return match[1]!.toLowerCase() === 'good' ? Satisfaction.GOOD : Satisfaction.BAD;
}

/** The mailto: links of the closing notice: to `address` (where replies go), subject with the ticket's tag and the rating. */
export function ratingLinks(address: string, ticketNumber: number): { good: string; bad: string } {
  const link = (word: string) => `mailto:${address}?subject=${encodeURIComponent(`Re: [#${ticketNumber}] Rating: ${word}`)}`;
  return { good: link('good'), bad: link('bad') };
}

/** Sets the ticket's rating, with a `rated` event (from the old rating to the new). */
export function recordRating(em: Em, ticket: Ticket, rating: Satisfaction, actor: Person | null, at: Date): void {
  recordEvent(em, ticket, { kind: 'rated', actor, from: ticket.satisfaction, to: rating });
  ticket.satisfaction = rating;
  ticket.satisfactionAt = at;
}
