/**
 * What every ticket command shares: who acts, within which scope, and how results come back.
 * Validation failures are data (`{ ok: false, errors }` with a field path) so GraphQL can show them
 * as userErrors; a ticket outside the caller's scope is FORBIDDEN (ticket-access.ts).
 */
import type { Em } from '../db/orm.js';
import type { Person, Ticket } from '../entities/index.js';
import { findVisibleTicket, type TicketScope } from '../graphql/ticket-access.js';
import type { NotifyContext } from '../outbound/notify.js';
import type { CommandResult, FieldError } from '../queues/create-queue.js';

export interface TicketCommandContext {
  /** The transaction's EntityManager. */
  readonly em: Em;
  readonly actor: Person;
  readonly scope: TicketScope;
  readonly notify: NotifyContext;
}

export type TicketResult = CommandResult<Ticket>;

export const MAX_BODY_LENGTH = 100_000;

export function failure(field: string[], message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ field, message }] };
}

/**
 * The ticket the command works on, or a userError on `number` when an admin names an unknown one.
 * Its row stays locked until the command commits: two commands on one ticket at once (two agents
 * assigning it to themselves, a status change while auto-close runs) take turns, and the second
 * sees what the first did, so no change is lost and each event's "from" is what it replaced.
 */
export async function ticketToWork(ctx: TicketCommandContext, number: number): Promise<Ticket | { ok: false; errors: FieldError[] }> {
  const ticket = await findVisibleTicket(ctx.em, ctx.scope, number, true);
  if (!ticket) return failure(['number'], `no ticket #${number}`);
  return ticket;
}

export function isFailure(value: unknown): value is { ok: false; errors: FieldError[] } {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

/** A required free-text argument: not blank, not longer than the limit. */
export function checkText(field: string, value: string, max = MAX_BODY_LENGTH): FieldError | null {
  if (value.trim().length === 0) return { field: [field], message: 'must not be blank' };
  if (value.length > max) return { field: [field], message: `must be at most ${max} characters` };
  return null;
}
