/**
 * A reply threaded onto an existing ticket: the comment, CC changes, and the status it causes.
 *
 *  - WAITING_FOR_CUSTOMER -> OPEN when the customer answers.
 *  - CLOSED -> reopened only when, after quoted history and signature are stripped, new text or
 *    an attachment remains (a bare quote or an auto-reply does not reopen); a reply after the
 *    reopen window opens a new linked ticket instead (the caller does that).
 *  - A rating from the closing notice's links (`Rating: good` in the subject, from the requester)
 *    records the rating and changes nothing else (tickets/satisfaction.ts).
 *  - An answer from someone an agent forwarded the ticket to (flag third-party) changes no status
 *    and starts no reply clock: the customer said nothing (tickets/forward-ticket.ts).
 *  - CCs the requester adds are added; CCs added by anyone else are not (TESTPLAN S8).
 *  - "Label: value" lines in the new text fill the category's empty fields (category-fields.ts).
 *  - Mail that fails DMARC where the From domain enforces it (p=quarantine/reject, TESTPLAN S6)
 *    is stored and flagged but acts as no one: no status change (no reopen, and no
 *    WAITING_FOR_CUSTOMER -> OPEN either: that event would name the forged sender as its actor;
 *    the comment still notifies and still resets the auto-close clock), and no CCs.
 */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import type { Message, Person, Ticket } from '../entities/index.js';
import { TicketStatus, type Satisfaction } from '../entities/enums.js';
import { fillFieldsFromMail } from '../tickets/category-fields.js';
import { refusalRecord } from './parse/attachments.js';
import { setStatus } from '../tickets/change-status.js';
import { markEmergency } from '../tickets/mark-emergency.js';
import { recordEvent } from '../tickets/record-event.js';
import { ratingIn, recordRating } from '../tickets/satisfaction.js';
import { endSnooze } from '../tickets/snooze.js';
import { isThirdParty, THIRD_PARTY_FLAG } from '../tickets/third-party.js';
import type { Classification } from './classify.js';
import type { ThreadVia } from './thread.js';
import { ownAddresses } from './own-addresses.js';
import { addCcs } from './people.js';
import { provenanceLabel } from './store.js';
import { writeInboundMessage, type InboundMessageInput } from './write-message.js';

const DAY_MS = 86_400_000;

export type ReplyResult = { kind: 'comment'; message: Message } | { kind: 'reopen-window-passed' };

export async function applyReply(
  em: Em,
  ticket: Ticket,
  input: InboundMessageInput,
  options: { classification: Classification; emergency: boolean; config: Config; via: ThreadVia; archived?: boolean },
): Promise<ReplyResult> {
  const { parsed } = input;
  const hasNewContent = parsed.visibleText.trim().length > 0 || parsed.attachments.some((a) => !a.inline);
  // Archived history (a mailbox's archiveBefore) joins its ticket and changes it no more than an auto-reply does.
  const automatic = options.classification.automatic || options.archived === true;
  const actor = input.author;
  const actsAsSender = !input.provenance.auth?.enforcingFail;
  const rating = ratingIn(parsed.subject);
  if (rating && !automatic && actsAsSender && actor && actor.email === ticket.requester.email) return applyRating(em, ticket, input, rating, actor);
  const thirdParty = actor !== null && (await isThirdParty(em, ticket, actor.email));
  // A third party's answer joins even a ticket closed long ago: it is the desk's business, not a new request.
  if (ticket.status === TicketStatus.CLOSED && !automatic && hasNewContent && ticket.closedAt && !thirdParty) {
    const age = input.receivedAt.getTime() - ticket.closedAt.getTime();
    if (age > options.config.reopenWindowDays * DAY_MS) return { kind: 'reopen-window-passed' };
  }
  const flags = [...input.flags];
  if (!hasNewContent) flags.push('quoted-only');
  if (thirdParty) flags.push(THIRD_PARTY_FLAG);
  const message = writeInboundMessage(em, ticket, { ...input, flags });
  if (input.receivedAt > ticket.updatedAt) ticket.updatedAt = input.receivedAt; // archived history is older

  // Someone the ticket was forwarded to answers the agent who asked: work for the desk (a snooze
  // waiting for them ends), but the customer said nothing (no status change, no reply clock, no fields).
  if (thirdParty && !automatic && hasNewContent && actsAsSender && ticket.snoozedUntil) endSnooze(em, ticket, { actor }, 'a third party answered');
  if (!automatic && hasNewContent && actsAsSender && !thirdParty) {
    if (ticket.status === TicketStatus.WAITING_FOR_CUSTOMER || ticket.status === TicketStatus.CLOSED) {
      const from = ticket.status;
      setStatus(ticket, TicketStatus.OPEN);
      recordEvent(em, ticket, { kind: from === TicketStatus.CLOSED ? 'reopened' : 'status', actor, from, to: TicketStatus.OPEN });
    }
    // The customer said something new: it waits for an answer from the oldest unanswered message on.
    ticket.awaitingReplySince ??= input.receivedAt;
    // ... and a snoozed ticket wakes up: the customer does not wait for the snooze to end.
    if (ticket.snoozedUntil) endSnooze(em, ticket, { actor }, 'the customer wrote');
  }
  // The answer to "please send your instance ID" fills the category's empty fields (the caller
  // loaded the category with the ticket).
  if (!automatic && hasNewContent && actsAsSender && !thirdParty) fillFieldsFromMail(em, ticket, ticket.category, parsed.visibleText, actor);
  if (options.emergency) markEmergency(em, ticket, { actor, actorLabel: provenanceLabel(input.provenance) });
  if (actor && actor.email === ticket.requester.email && !automatic && actsAsSender) {
    await addCcs(em, ticket, [...parsed.to, ...parsed.cc], new Set([...ownAddresses(options.config), ticket.requester.email]), actor);
  }
  recordRefused(em, ticket, input, actor);
  return { kind: 'comment', message };
}

/**
 * The requester's rating from the closing notice's links (tickets/satisfaction.ts): kept as a
 * comment (their words beside it are their comment), the rating recorded, and nothing else — it
 * reopens nothing (even past the reopen window it joins the ticket), and nobody waits for an answer.
 */
function applyRating(em: Em, ticket: Ticket, input: InboundMessageInput, rating: Satisfaction, actor: Person): ReplyResult {
  const message = writeInboundMessage(em, ticket, { ...input, flags: [...input.flags, 'rating'] });
  ticket.updatedAt = input.receivedAt;
  recordRating(em, ticket, rating, actor, input.receivedAt);
  recordRefused(em, ticket, input, actor);
  return { kind: 'comment', message };
}

function recordRefused(em: Em, ticket: Ticket, input: InboundMessageInput, actor: Person | null): void {
  if (input.parsed.refused.length > 0) recordEvent(em, ticket, { kind: 'attachments-refused', actor, detail: { refused: input.parsed.refused.map(refusalRecord) } });
}
