/**
 * mergeTickets: one matter, two tickets (the customer wrote again instead of replying, or two
 * colleagues reported the same outage). The duplicate's messages, with their attachments, move to
 * the ticket that stays, so every reply to them threads there by its In-Reply-To; the duplicate's
 * requester, CCs and watchers join it (its requester as a CC, up to MAX_CCS); field values the
 * kept ticket lacks are taken over. The duplicate is closed, points to the kept ticket
 * (`mergedInto`), and keeps its own history: mail naming it by its [#N] tag or by one of our
 * Message-IDs is threaded onto the kept ticket (ingest-message.ts follows the pointer).
 *
 * Its requester is told, in the duplicate's own thread, which ticket holds their request now
 * (`ticket-merged`); the close itself sends no "closed" mail. An agent must work both tickets.
 */
import { Message, type Person, type Ticket } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { MAX_CCS } from '../ingest/people.js';
import { notify } from '../outbound/notify.js';
import { setStatus } from './change-status.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export async function mergeTickets(ctx: TicketCommandContext, number: number, intoNumber: number): Promise<TicketResult> {
  if (number === intoNumber) return failure(['into'], 'a ticket cannot be merged into itself');
  // Both rows locked, the lower number first, so two merges of the same pair take turns instead of deadlocking.
  const [first, second] = number < intoNumber ? [number, intoNumber] : [intoNumber, number];
  const a = await ticketToWork(ctx, first);
  if (isFailure(a)) return failure(first === number ? ['number'] : ['into'], a.errors[0]!.message);
  const b = await ticketToWork(ctx, second);
  if (isFailure(b)) return failure(second === number ? ['number'] : ['into'], b.errors[0]!.message);
  const [duplicate, kept] = first === number ? [a, b] : [b, a];
  const { em, actor } = ctx;
  await em.populate([duplicate, kept], ['requester', 'queue', 'category', 'assignee', 'ccs', 'watchers', 'mergedInto']);
  if (duplicate.mergedInto) return failure(['number'], `ticket #${number} was already merged into #${duplicate.mergedInto.number}`);
  if (kept.mergedInto) return failure(['into'], `ticket #${intoNumber} was merged into #${kept.mergedInto.number}; merge into that one`);

  // Before the messages move: the notice goes in the duplicate's own thread.
  await notify(em, { kind: 'merged', ticket: duplicate, into: kept, actor }, ctx.notify);

  const moved = await em.nativeUpdate(Message, { ticket: duplicate }, { ticket: kept });
  const joined = joinPeople(duplicate, kept);
  kept.fieldValues = { ...duplicate.fieldValues, ...kept.fieldValues };
  // The duplicate's customer messages moved here: unanswered there is unanswered here.
  kept.awaitingReplySince = earliest(kept.awaitingReplySince, duplicate.awaitingReplySince);
  kept.firstResponseAt = earliest(kept.firstResponseAt, duplicate.firstResponseAt);
  const now = new Date();
  recordEvent(em, kept, { kind: 'merged', actor, from: String(duplicate.number), detail: { messages: moved, ...joined } });
  kept.updatedAt = now;

  recordEvent(em, duplicate, { kind: 'merged-into', actor, to: String(kept.number), detail: { messages: moved } });
  if (duplicate.status !== TicketStatus.CLOSED) {
    recordEvent(em, duplicate, { kind: 'status', actor, from: duplicate.status, to: TicketStatus.CLOSED });
    setStatus(duplicate, TicketStatus.CLOSED, now);
  }
  duplicate.mergedInto = kept;
  duplicate.updatedAt = now;
  await em.flush();
  // Messages loaded before the move (the notice's thread) still name the duplicate in memory; the
  // API reads the kept ticket's messages from the database (loaders.ts), and nothing writes them.
  return { ok: true, value: kept };
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return a ?? b;
  return a <= b ? a : b;
}

/** The duplicate's people join the kept ticket: its requester and CCs as CCs (up to MAX_CCS), its watchers as watchers. */
function joinPeople(duplicate: Ticket, kept: Ticket): { ccsAdded: string[]; ccsNotAdded: string[]; watchersAdded: string[] } {
  const ccsAdded: string[] = [];
  const ccsNotAdded: string[] = [];
  const onKept = (p: Person) => p.id === kept.requester.id || kept.ccs.contains(p);
  for (const person of [duplicate.requester, ...duplicate.ccs]) {
    if (onKept(person)) continue;
    if (kept.ccs.length >= MAX_CCS) {
      ccsNotAdded.push(person.email);
      continue;
    }
    kept.ccs.add(person);
    ccsAdded.push(person.email);
  }
  const watchersAdded: string[] = [];
  for (const watcher of duplicate.watchers) {
    if (kept.watchers.contains(watcher)) continue;
    kept.watchers.add(watcher);
    watchersAdded.push(watcher.email);
  }
  return { ccsAdded, ccsNotAdded, watchersAdded };
}
