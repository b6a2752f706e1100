/**
 * updateTickets: updateTicket for up to 100 tickets at once — the bulk actions of a work list
 * (assign these to me, move them to Billing, close these spam tickets). Each ticket gets its own
 * events and mails, exactly as if it were updated alone.
 *
 * All or nothing: the first ticket that cannot be updated (unknown, awaiting approval, an agent who
 * may not work the target queue …) refuses the whole request, and the caller rolls back what was
 * already changed. Tickets are updated (and their rows locked) in ascending number order, so two
 * bulk updates over overlapping tickets take turns instead of deadlocking.
 */
import type { Ticket } from '../entities/index.js';
import type { CommandResult } from '../queues/create-queue.js';
import type { FieldError } from '../queues/create-queue.js';
import { failure, isFailure, type TicketCommandContext } from './ticket-command.js';
import { updateTicket, type UpdateTicketData } from './update-ticket.js';

export const MAX_BULK_TICKETS = 100;

/** @returns the tickets in the order of `numbers`; errors name the number's index (`["numbers", "3"]`) */
/**
 * The tickets of a bulk command checked (1 to 100, none twice): each number's index in the list,
 * for errors that name it. Work through them with `ascending` (the order their rows are locked in).
 */
export function bulkNumbers(numbers: readonly number[]): Map<number, number> | { ok: false; errors: FieldError[] } {
  if (numbers.length === 0) return failure(['numbers'], 'name at least one ticket');
  if (numbers.length > MAX_BULK_TICKETS) return failure(['numbers'], `at most ${MAX_BULK_TICKETS} tickets at once`);
  const index = new Map<number, number>();
  for (const [i, number] of numbers.entries()) {
    if (index.has(number)) return failure(['numbers', String(i)], `#${number} is named twice`);
    index.set(number, i);
  }
  return index;
}

/** The numbers in the order bulk commands lock their tickets. */
export const ascending = (numbers: readonly number[]) => [...numbers].sort((a, b) => a - b);

export async function updateTickets(ctx: TicketCommandContext, numbers: readonly number[], input: UpdateTicketData): Promise<CommandResult<Ticket[]>> {
  const index = bulkNumbers(numbers);
  if (isFailure(index)) return index;
  const updated = new Map<number, Ticket>();
  for (const number of ascending(numbers)) {
    const result = await updateTicket(ctx, number, input);
    if (!result.ok) {
      const at = ['numbers', String(index.get(number))];
      return { ok: false, errors: result.errors.map((e) => ({ field: e.field[0] === 'number' ? at : e.field, message: `#${number}: ${e.message}` })) };
    }
    updated.set(number, result.value);
  }
  return { ok: true, value: numbers.map((number) => updated.get(number)!) };
}
