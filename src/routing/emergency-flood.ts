/**
 * Emergency floods (TESTPLAN L15). A monitoring system that mails the emergency address hundreds
 * of times a minute must give on-call one incident and one page, with every message stored on it.
 *
 * A new emergency (one that threads onto no ticket by reference or tag) from a sender who has an
 * emergency incident (URGENT INCIDENT) that is still open and was opened less than
 * FLOOD_WINDOW_MINUTES ago is threaded onto that incident as a comment: stored and visible there,
 * no second ticket, no second page (the incident already is an emergency), no acknowledgement.
 * Once the window has passed, the next emergency opens a new incident and pages again. So every
 * emergency is either paged itself or follows a page for the same sender by at most 10 minutes,
 * and each incident is paged exactly once. The first emergency is never held back: emergencies
 * skip the per-sender rate limit and the automatic-mail quarantine (ingest-message.ts).
 */
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import { Ticket, type Person } from '../entities/index.js';
import { Priority, TicketStatus, TicketType } from '../entities/enums.js';
import type { ThreadDecision } from '../ingest/thread.js';
import { recordEvent } from '../tickets/record-event.js';

export const FLOOD_WINDOW_MINUTES = 10;

/**
 * `decision`, or a comment on the sender's recent open emergency incident when `decision` would
 * open a new ticket for an emergency. Serialised per sender (advisory lock until commit), so
 * concurrent deliveries of one flood find the same incident instead of opening one each.
 */
export async function threadEmergencyFlood(em: Em, decision: ThreadDecision, emergency: boolean, sender: Person | null, now: Date): Promise<ThreadDecision> {
  if (decision.kind !== 'new' || !emergency || !sender) return decision;
  await lockKeys(em, [`emergency-flood:${sender.email}`]);
  if (sender.id === undefined) return decision; // a sender seen for the first time has no incident yet
  const incident = await em.findOne(
    Ticket,
    {
      requester: sender,
      priority: Priority.URGENT,
      type: TicketType.INCIDENT,
      status: { $ne: TicketStatus.CLOSED },
      createdAt: { $gt: new Date(now.getTime() - FLOOD_WINDOW_MINUTES * 60_000) },
    },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
  if (!incident) return decision;
  recordEvent(em, incident, {
    kind: 'emergency-threaded',
    actorLabel: 'emergency-flood',
    detail: { text: `another emergency from ${sender.email} within ${FLOOD_WINDOW_MINUTES} minutes of this incident: added here, not paged again` },
  });
  return { kind: 'comment', ticketId: incident.id, via: 'emergency-flood' };
}
