/**
 * The one place that decides which tickets and queues a principal may read and work.
 *
 * ADMIN: everything. AGENT: only tickets in queues whose `agents` include them (a ticket without a
 * queue is admins' only). Every ticket-reading path — ticket, tickets/search, counts, mutations,
 * attachment downloads — goes through `ticketScope` and the helpers below, so there is nothing to
 * forget in a resolver: nested fields (messages, events, attachments) are reachable only through a
 * ticket that already passed here.
 *
 * An agent asking for a ticket they may not see gets FORBIDDEN whether or not it exists, so the
 * answer never tells them which ticket numbers exist in other queues.
 */
import { LockMode } from '@mikro-orm/core';
import type { Principal } from '../auth/tokens.js';
import type { Em } from '../db/orm.js';
import { readRows } from '../db/read-query.js';
import { Queue, Ticket } from '../entities/index.js';
import { Role } from '../entities/enums.js';
import { forbidden } from '../errors.js';

export interface TicketScope {
  readonly admin: boolean;
  /** Queues the agent works (empty for admins, who are not limited). */
  readonly queueIds: readonly number[];
}

export async function ticketScope(em: Em, principal: Principal): Promise<TicketScope> {
  if (principal.role === Role.ADMIN) return { admin: true, queueIds: [] };
  const rows = await readRows<{ queue_id: number }>(em, `select queue_id from queue_agent where person_id = $1 order by queue_id`, [principal.personId]);
  return { admin: false, queueIds: rows.map((r) => Number(r.queue_id)) };
}

/** Whether a ticket in this queue (null: no queue) is visible within the scope. */
export function scopeAllowsQueue(scope: TicketScope, queueId: number | null): boolean {
  return scope.admin || (queueId !== null && scope.queueIds.includes(queueId));
}

/** The message an agent gets for any ticket outside their queues (existing or not). */
export function ticketForbidden(number: number) {
  return forbidden(`ticket #${number} does not exist or is not in one of your queues`);
}

/**
 * The ticket with this number if the scope may work it. Admins get null for an unknown number;
 * agents get FORBIDDEN for an unknown number and for another queue's ticket alike. With `lock`
 * (inside a transaction) its row is locked until the commit.
 */
export async function findVisibleTicket(em: Em, scope: TicketScope, number: number, lock = false): Promise<Ticket | null> {
  const ticket = Number.isInteger(number) ? await em.findOne(Ticket, { number }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) : null;
  return visibleTicketRow(scope, number, ticket ? { queue_id: ticket.queue?.id ?? null } : null) ? ticket : null;
}

/** The same rule for a ticket read as a plain row (the `ticket` query): the row, null, or FORBIDDEN. */
export function visibleTicketRow<T extends { queue_id: number | null }>(scope: TicketScope, number: number, row: T | null): T | null {
  if (scope.admin) return row;
  if (!row || !scopeAllowsQueue(scope, row.queue_id === null ? null : Number(row.queue_id))) throw ticketForbidden(number);
  return row;
}

/**
 * A queue the scope may name (filter or reassignment target). Agents get FORBIDDEN for a queue
 * they are not in, whether or not it exists; admins get null for an unknown name.
 */
export async function findVisibleQueue(em: Em, scope: TicketScope, name: string): Promise<Queue | null> {
  const queue = await em.findOne(Queue, { name });
  if (scope.admin) return queue;
  if (!queue || !scope.queueIds.includes(queue.id)) throw forbidden(`queue "${name}" does not exist or you are not one of its agents`);
  return queue;
}
