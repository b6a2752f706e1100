/**
 * Which ticket, if any, an inbound message belongs to. Pure: the caller looks up candidates.
 *
 * The rule, in order (the threading contract):
 *  1. In-Reply-To, then References from the newest ID backwards, naming a message postdesk stored
 *     or sent -> a comment on that ticket, even if the subject changed. IDs that only look like
 *     ours (bad HMAC) were dropped by the caller.
 *  2. Else a `[#N]` tag in the subject -> a comment on ticket N only when the sender is its
 *     requester, a CC, a watcher or an agent of its queue, someone a forward of the ticket named
 *     (tickets/third-party.ts), or writes from a domain of the requester's organisation (an
 *     admin defined it); anyone else gets a new ticket linked
 *     to N, so a stranger who knows a number cannot join someone else's ticket (TESTPLAN S3).
 *     A tag naming no ticket is ignored.
 *  3. Else, when a message already stored names this one in its In-Reply-To or References (the
 *     answer arrived first: the original was held up by greylisting, a queue or a quarantine, or
 *     came through another mailbox) -> a comment on the answer's ticket, but again only for its
 *     requester, CCs, watchers, queue agents and organisation: a reply-all puts the original's sender there.
 *     The caller looks this up only when rules 1 and 2 found nothing (`needsAnswerLookup`).
 *  4. Else a new ticket. A forward (Fwd:/WG:/TR:) without known references is a new ticket.
 */
import { emailDomain } from '../people/email-address.js';

export interface TaggedTicket {
  id: number;
  /** Lower-case addresses allowed to post by tag: requester, CCs, watchers, queue agents, people a forward named. */
  participants: ReadonlySet<string>;
  /** Mail domains of the requester's organisation (people/organizations.ts): anyone writing from them may post too. */
  colleagueDomains?: ReadonlySet<string>;
}

/** Whether `sender` may post to `ticket` by tag (rule 2) or as an early answer's original (rule 3). */
function mayPost(ticket: TaggedTicket, sender: string | null): boolean {
  if (sender === null) return false;
  return ticket.participants.has(sender) || (ticket.colleagueDomains?.has(emailDomain(sender)) ?? false);
}

export interface ThreadInput {
  /** Ticket ids found for In-Reply-To and References, newest reference first; null where unknown. */
  referenced: readonly (number | null)[];
  /** The ticket a [#N] tag names, when it exists. */
  tagged: TaggedTicket | null;
  /** Sender's lower-case address (null when From is unparseable). */
  sender: string | null;
  /** Subject starts with Fwd:/WG:/TR: … */
  forward: boolean;
  /** The ticket of a stored message whose In-Reply-To or References names this message (rule 3). */
  answeredOn?: TaggedTicket | null;
}

/** How a comment found its ticket; `answered`: rule 3, the original after its answer. */
export type ThreadVia = 'reference' | 'tag' | 'answered' | 'emergency-flood';

export type ThreadDecision =
  /** `emergency-flood`: set by routing/emergency-flood.ts, not by chooseThread. */
  | { kind: 'comment'; ticketId: number; via: ThreadVia }
  | { kind: 'new'; linkedTo: number | null; reason: 'no-thread' | 'stranger-tag' | 'forward' };

export function chooseThread(input: ThreadInput): ThreadDecision {
  const referenced = input.referenced.find((id): id is number => id !== null);
  if (referenced !== undefined) return { kind: 'comment', ticketId: referenced, via: 'reference' };
  if (input.forward) return { kind: 'new', linkedTo: input.tagged?.id ?? null, reason: 'forward' };
  if (input.tagged) {
    if (mayPost(input.tagged, input.sender)) {
      return { kind: 'comment', ticketId: input.tagged.id, via: 'tag' };
    }
    return { kind: 'new', linkedTo: input.tagged.id, reason: 'stranger-tag' };
  }
  if (input.answeredOn && mayPost(input.answeredOn, input.sender)) {
    return { kind: 'comment', ticketId: input.answeredOn.id, via: 'answered' };
  }
  return { kind: 'new', linkedTo: null, reason: 'no-thread' };
}

/** Whether rule 3 could change `decision`: only a message that would otherwise start a ticket of its own. */
export function needsAnswerLookup(decision: ThreadDecision): boolean {
  return decision.kind === 'new' && decision.reason === 'no-thread';
}

/** The IDs to look up, in the order rule 1 tries them: In-Reply-To, then References newest first (at most 50). */
export function referenceOrder(inReplyTo: string | null, references: readonly string[]): string[] {
  const ordered = [...(inReplyTo ? [inReplyTo] : []), ...references.slice(-50).reverse()];
  return [...new Set(ordered.filter((id) => id.length > 0))];
}
