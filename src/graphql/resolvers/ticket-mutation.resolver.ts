/**
 * Working tickets. Each mutation is one transaction running one command from src/tickets/*; the
 * command checks the caller's scope (ticket-access.ts), records events with the actor and calls
 * notify() inside the same transaction. Validation failures come back as userErrors.
 */
import { Arg, Authorized, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { inTransaction } from '../../db/transaction.js';
import type { Em } from '../../db/orm.js';
import { Person, type Ticket } from '../../entities/index.js';
import type { CommandResult, FieldError } from '../../queues/create-queue.js';
import { Role } from '../../entities/enums.js';
import { approveTicket, rejectTicket } from '../../tickets/approve-ticket.js';
import { createTicket } from '../../tickets/create-ticket.js';
import { addNote, replyToTicket } from '../../tickets/reply-to-ticket.js';
import { forwardTicket } from '../../tickets/forward-ticket.js';
import { retryDelivery } from '../../tickets/retry-delivery.js';
import { ticketRowById, ticketRowsByIds } from '../../tickets/search.js';
import type { TicketCommandContext, TicketResult } from '../../tickets/ticket-command.js';
import { assignToMe, closeTicket, escalateTicket, reopenTicket } from '../../tickets/ticket-lifecycle.js';
import { markAsSpam } from '../../tickets/mark-spam.js';
import { setRequesterLanguage } from '../../tickets/requester-language.js';
import { mergeTickets } from '../../tickets/merge-tickets.js';
import { splitTicket } from '../../tickets/split-ticket.js';
import { snoozeTicket, unsnoozeTicket } from '../../tickets/snooze.js';
import { addTicketCc, addTicketWatcher, removeTicketCc, removeTicketWatcher } from '../../tickets/ticket-people.js';
import { updateTicket } from '../../tickets/update-ticket.js';
import { MAX_BULK_TICKETS, updateTickets } from '../../tickets/update-tickets.js';
import { chargeBulk } from '../rate-limit.js';
import type { TicketScope } from '../ticket-access.js';
import type { GraphQLContext } from '../context.js';
import { ATTACHMENTS_DESCRIPTION, CreateTicketInput, ForwardTicketInput, UpdateTicketInput } from '../types/ticket-inputs.js';
import { TicketObject, TicketPayload, TicketsPayload, presentTicketRow } from '../types/ticket.type.js';

type Command = (ctx: TicketCommandContext) => Promise<TicketResult>;

/** The command's context inside the mutation's transaction: the caller, their queues, notify's settings. */
async function commandContext(em: Em, context: GraphQLContext, scope: TicketScope): Promise<TicketCommandContext> {
  const actor = await em.findOneOrFail(Person, context.principal.personId);
  return { em, actor, scope, notify: { config: context.config, secret: context.secret } };
}

/** Runs a command in its own transaction and presents the ticket as it is after the commit. */
async function run(context: GraphQLContext, command: Command): Promise<TicketPayload> {
  const scope = await context.loaders.scope();
  const result = await inTransaction(context.orm, async (em) => {
    const outcome = await command(await commandContext(em, context, scope));
    return outcome.ok ? { ok: true as const, id: outcome.value.id } : outcome;
  });
  if (!result.ok) return { ticket: null, userErrors: result.errors };
  const row = await ticketRowById(context.em, result.id);
  if (row) context.loaders.primeTickets([row]);
  return { ticket: row ? presentTicketRow(row) : null, userErrors: [] };
}

/** Thrown to roll back a bulk command's transaction: tickets it already changed are left as they were. */
class BulkRefused extends Error {
  constructor(readonly errors: FieldError[]) {
    super('bulk command refused');
  }
}

/** Runs a command over several tickets in one transaction, all or nothing, and presents them after the commit. */
async function runBulk(context: GraphQLContext, command: (ctx: TicketCommandContext) => Promise<CommandResult<Ticket[]>>): Promise<TicketsPayload> {
  const scope = await context.loaders.scope();
  try {
    const ids = await inTransaction(context.orm, async (em) => {
      const outcome = await command(await commandContext(em, context, scope));
      if (!outcome.ok) throw new BulkRefused(outcome.errors);
      return outcome.value.map((ticket) => ticket.id);
    });
    const rows = await ticketRowsByIds(context.em, ids);
    context.loaders.primeTickets(rows);
    return { tickets: rows.map(presentTicketRow), userErrors: [] };
  } catch (error) {
    if (error instanceof BulkRefused) return { tickets: [], userErrors: error.errors };
    throw error;
  }
}

@Authorized(Role.AGENT)
@Resolver(() => TicketObject)
export class TicketMutationResolver {
  @Mutation(() => TicketPayload, { description: "Opens a ticket on a customer's behalf and mails them the body with its number; no routing rules run" })
  createTicket(@Arg('input', () => CreateTicketInput) input: CreateTicketInput, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => createTicket(c, input));
  }

  @Mutation(() => TicketPayload, { description: 'status, priority, type, category (name), queue (name), assignee (email); each change is an event' })
  updateTicket(@Arg('number', () => Int) number: number, @Arg('input', () => UpdateTicketInput) input: UpdateTicketInput, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => updateTicket(c, number, input));
  }

  @Mutation(() => TicketsPayload, {
    description: 'updateTicket for up to 100 tickets at once (assign, move, close …), all or nothing: one ticket refused changes none; each ticket gets its own events and mails',
  })
  updateTickets(@Arg('numbers', () => [Int]) numbers: number[], @Arg('input', () => UpdateTicketInput) input: UpdateTicketInput, @Ctx() ctx: GraphQLContext) {
    chargeBulk(ctx, Math.min(numbers.length, MAX_BULK_TICKETS));
    return runBulk(ctx, (c) => updateTickets(c, numbers, input));
  }

  @Mutation(() => TicketsPayload, {
    description:
      'Closes up to 100 tickets as spam, all or nothing, mailing nobody (no "closed" mail to the spammer); blockSenders (ADMIN only) also blocks their requesters, so their further mail is quarantined',
  })
  markAsSpam(
    @Arg('numbers', () => [Int]) numbers: number[],
    @Arg('blockSenders', () => Boolean, { nullable: true, defaultValue: false }) blockSenders: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    chargeBulk(ctx, Math.min(numbers.length, MAX_BULK_TICKETS));
    return runBulk(ctx, (c) => markAsSpam(c, numbers, blockSenders));
  }

  @Mutation(() => TicketPayload, { description: 'Public: mails the requester and CCs' })
  replyToTicket(
    @Arg('number', () => Int) number: number,
    @Arg('body', () => String) body: string,
    @Arg('attachments', () => [ID], { nullable: true, description: ATTACHMENTS_DESCRIPTION }) attachments: string[] | null,
    @Arg('lastSeenMessage', () => ID, {
      nullable: true,
      description: 'The newest message id the agent had read: when the ticket has a newer one (the customer wrote again, a colleague answered), nothing is sent and a userError names it',
    })
    lastSeenMessage: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return run(ctx, (c) => replyToTicket(c, number, { body, attachments, lastSeenMessage }));
  }

  @Mutation(() => TicketPayload, { description: 'Internal: mails nobody but watchers' })
  addNote(
    @Arg('number', () => Int) number: number,
    @Arg('body', () => String) body: string,
    @Arg('attachments', () => [ID], { nullable: true, description: ATTACHMENTS_DESCRIPTION }) attachments: string[] | null,
    @Arg('mention', () => [String], {
      nullable: true,
      description: 'Emails of up to 20 agents who may work the ticket (or admins): each is mailed the note even without watching it',
    })
    mention: string[] | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return run(ctx, (c) => addNote(c, number, { body, attachments, mention }));
  }

  @Mutation(() => TicketPayload, {
    description:
      "Internal: mails the agent's words and one message of the ticket (with its files) to people outside it, kept as a note; their answers thread back onto the ticket as third-party mail",
  })
  forwardTicket(@Arg('number', () => Int) number: number, @Arg('input', () => ForwardTicketInput) input: ForwardTicketInput, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => forwardTicket(c, number, input));
  }

  @Mutation(() => TicketPayload, {
    description: "Sends again the FAILED mail that carried a message (Message.delivery): the same mail and Message-ID, with a fresh count of attempts; an event records it. Returns the message's ticket",
  })
  retryDelivery(@Arg('message', () => ID) message: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => retryDelivery(c, message));
  }

  @Mutation(() => TicketPayload)
  addTicketWatcher(@Arg('number', () => Int) number: number, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => addTicketWatcher(c, number, email));
  }

  @Mutation(() => TicketPayload)
  removeTicketWatcher(@Arg('number', () => Int) number: number, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => removeTicketWatcher(c, number, email));
  }

  @Mutation(() => TicketPayload)
  addTicketCc(@Arg('number', () => Int) number: number, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => addTicketCc(c, number, email));
  }

  @Mutation(() => TicketPayload)
  removeTicketCc(@Arg('number', () => Int) number: number, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => removeTicketCc(c, number, email));
  }

  @Mutation(() => TicketPayload, {
    description:
      "The language (a BCP 47 tag: de, fr, pt-BR) mail to the ticket's requester is written in, on all their tickets, from TEMPLATES_DIR/<language>/; \"\" or null forgets it (their next mail that names one sets it again)",
  })
  setRequesterLanguage(@Arg('number', () => Int) number: number, @Arg('language', () => String, { nullable: true }) language: string | null, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => setRequesterLanguage(c, number, language));
  }

  @Mutation(() => TicketPayload)
  assignToMe(@Arg('number', () => Int) number: number, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => assignToMe(c, number));
  }

  @Mutation(() => TicketPayload, { description: 'The message (required) is kept as an internal note' })
  reopenTicket(@Arg('number', () => Int) number: number, @Arg('message', () => String) message: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => reopenTicket(c, number, message));
  }

  @Mutation(() => TicketPayload)
  escalateTicket(@Arg('number', () => Int) number: number, @Ctx() ctx: GraphQLContext, @Arg('note', () => String, { nullable: true }) note?: string | null) {
    return run(ctx, (c) => escalateTicket(c, number, note));
  }

  @Mutation(() => TicketPayload, {
    description:
      'Ticket `number` (a duplicate) joins ticket `into`: its messages, requester (as a CC), CCs and watchers move there, and its mail is threaded there from now on; it is closed, and its requester is told. Returns the ticket that stays',
  })
  mergeTickets(@Arg('number', () => Int) number: number, @Arg('into', () => Int) into: number, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => mergeTickets(c, number, into));
  }

  @Mutation(() => TicketPayload, {
    description:
      "A customer's mail on ticket `number` raises a new matter: it moves, with its attachments and the mail answering it, to a new ticket requested by its author, in the same queue (or `queue`), linked to `number` (linkedTo); replies to it thread there from now on, and its author and CCs are told the new number. Only inbound mail other than the ticket's first message can be split off. Returns the new ticket",
  })
  splitTicket(
    @Arg('number', () => Int) number: number,
    @Arg('messageId', () => ID, { description: 'Message.id of the inbound message that starts the new ticket' }) messageId: string,
    @Arg('subject', () => String, { nullable: true, description: "default: the message's, without Re:/Fwd: and [#N] tags" }) subject: string | null,
    @Arg('queue', () => String, { nullable: true, description: "a queue's name (agents: one of theirs); default: the ticket's queue" }) queue: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return run(ctx, (c) => splitTicket(c, { number, messageId, subject, queue }));
  }

  @Mutation(() => TicketPayload, {
    description: 'Out of the work list (filter snoozed: false) until `until` (at most 365 days ahead); it wakes then, or when the customer writes, with a mail to the assignee',
  })
  snoozeTicket(
    @Arg('number', () => Int) number: number,
    @Arg('until', () => Date) until: Date,
    @Arg('note', () => String, { nullable: true, description: 'why, in the snoozed event (at most 1,000 characters)' }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return run(ctx, (c) => snoozeTicket(c, number, until, note));
  }

  @Mutation(() => TicketPayload, { description: 'Ends a snooze now' })
  unsnoozeTicket(@Arg('number', () => Int) number: number, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => unsnoozeTicket(c, number));
  }

  @Mutation(() => TicketPayload)
  closeTicket(@Arg('number', () => Int) number: number, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => closeTicket(c, number));
  }

  @Mutation(() => TicketPayload, { description: 'ADMIN or the category approver: PENDING_APPROVAL → OPEN' })
  approveTicket(@Arg('number', () => Int) number: number, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => approveTicket(c, number));
  }

  @Mutation(() => TicketPayload, { description: 'ADMIN or the category approver: PENDING_APPROVAL → CLOSED with the reason' })
  rejectTicket(@Arg('number', () => Int) number: number, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext) {
    return run(ctx, (c) => rejectTicket(c, number, reason));
  }
}
