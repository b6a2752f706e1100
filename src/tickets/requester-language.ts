/**
 * The language mail to a ticket's requester is written in, set by staff: a customer whose mail
 * client says nothing (Gmail, Apple Mail) or says the wrong thing. It is the person's, so it holds
 * for all their tickets; "" or null forgets it, and their next mail that names one sets it again.
 */
import { canonicalLanguage, NOT_A_LANGUAGE } from '../people/language.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export async function setRequesterLanguage(ctx: TicketCommandContext, number: number, language: string | null): Promise<TicketResult> {
  const wanted = language?.trim() ? canonicalLanguage(language) : null;
  if (language?.trim() && !wanted) return failure(['language'], NOT_A_LANGUAGE);
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  await ctx.em.populate(ticket, ['requester']);
  const { requester } = ticket;
  if (requester.language !== wanted) {
    recordEvent(ctx.em, ticket, { kind: 'requester-language', actor: ctx.actor, from: requester.language, to: wanted });
    requester.language = wanted;
    await ctx.em.flush();
  }
  return { ok: true, value: ticket };
}
