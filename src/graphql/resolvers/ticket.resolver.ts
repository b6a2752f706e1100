/**
 * Reading tickets: ticket(number), tickets(filter, orderBy, first, after), ticketCounts, and the
 * Ticket/Message/TicketEvent/TicketConnection fields. Which tickets a caller sees is decided in
 * ticket-access.ts (through the request's scope); relations come from the request's DataLoaders.
 */
import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { fillSavedReply } from '../../tickets/saved-replies.js';
import { SavedReplyTextType } from '../types/saved-reply.type.js';
import { Priority, Role } from '../../entities/enums.js';
import { hasOwnHours } from '../../queues/queue-hours.js';
import { replyDueAt } from '../../tickets/reply-targets.js';
import { countTickets, listTickets, ticketRowByNumber } from '../../tickets/search.js';
import type { GraphQLContext } from '../context.js';
import { queueHoursOfRow, type PersonRow, type QueueRow, type TicketFieldRow } from '../loaders.js';
import { findVisibleQueue, visibleTicketRow } from '../ticket-access.js';
import { asInstance } from '../types/as-instance.js';
import { AttachmentObject, presentAttachment } from '../types/attachment.type.js';
import { MessageDeliveryObject, MessageObject, presentDelivery, presentMessage } from '../types/message.type.js';
import { decodeCursor, encodeCursor, pageSize } from '../types/pagination.js';
import { PersonType } from '../types/person.type.js';
import { presentQueueHours, QueueType } from '../types/queue.type.js';
import { TicketEventObject, presentTicketEvent } from '../types/ticket-event.type.js';
import { TicketFilter, TicketOrder } from '../types/ticket-inputs.js';
import { TicketConnection, TicketCounts, TicketFieldObject, TicketObject, presentTicketRow } from '../types/ticket.type.js';

const CURSOR_KIND = 'ticket';

const presentPerson = (p: PersonRow): PersonType => ({ email: p.email, name: p.name });
const people = (list: PersonRow[]): PersonType[] => list.map(presentPerson);

function presentQueueRow(q: QueueRow): QueueType {
  return {
    id: String(q.id),
    name: q.name,
    emailAddress: q.email_address,
    keywords: [...q.keywords],
    defaultAssignee: q.default_assignee ? presentPerson(q.default_assignee) : null,
    agents: people(q.agents),
    watchers: people(q.watchers),
    approver: q.approver ? presentPerson(q.approver) : null,
    autoCloseDays: q.auto_close_days,
    escalationAddress: q.escalation_address,
    signature: q.signature,
    acknowledgementNote: q.acknowledgement_note,
    language: q.language,
    ...presentQueueHours(queueHoursOfRow(q)),
  };
}

@Authorized(Role.AGENT)
@Resolver(() => TicketObject)
export class TicketResolver {
  @Query(() => TicketObject, { nullable: true, description: 'Null for an unknown number (admins); agents get FORBIDDEN outside their queues' })
  async ticket(@Arg('number', () => Int) number: number, @Ctx() { em, loaders }: GraphQLContext): Promise<TicketObject | null> {
    const row = visibleTicketRow(await loaders.scope(), number, await ticketRowByNumber(em, number));
    if (!row) return null;
    loaders.primeTickets([row]);
    return presentTicketRow(row);
  }

  @Query(() => TicketConnection)
  async tickets(
    @Ctx() { em, loaders, config }: GraphQLContext,
    @Arg('filter', () => TicketFilter, { nullable: true }) filter?: TicketFilter | null,
    @Arg('orderBy', () => TicketOrder, { nullable: true, description: 'Default UPDATED_AT DESC' }) orderBy?: TicketOrder | null,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<TicketConnection> {
    const size = pageSize(first);
    const scope = await loaders.scope();
    // Naming a queue an agent does not work is FORBIDDEN, not an empty list.
    if (filter?.queue != null) await findVisibleQueue(em, scope, filter.queue);
    const page = await listTickets(em, {
      filter,
      order: orderBy,
      first: size,
      after: decodeCursor(CURSOR_KIND, after),
      scope,
      searchTimeoutMs: config.searchTimeoutMs,
      replyClock: config,
    });
    loaders.primeTickets(page.rows);
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(CURSOR_KIND, `${row.position}|${row.id}`), node: presentTicketRow(row) }));
    return asInstance(TicketConnection, {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      countTotal: page.countTotal,
    });
  }

  @Query(() => TicketCounts, { description: 'Visible tickets per status, those nobody is assigned to and those awaiting a reply, optionally of one queue' })
  async ticketCounts(@Ctx() { em, loaders, config }: GraphQLContext, @Arg('queue', () => String, { nullable: true }) queue?: string | null): Promise<TicketCounts> {
    const scope = await loaders.scope();
    const queueId = queue != null ? ((await findVisibleQueue(em, scope, queue))?.id ?? -1) : null;
    const { byStatus: c, unassigned, awaitingReply, replyOverdue } = await countTickets(em, scope, queueId, config);
    return {
      open: c.OPEN,
      inProgress: c.IN_PROGRESS,
      waitingForCustomer: c.WAITING_FOR_CUSTOMER,
      pendingApproval: c.PENDING_APPROVAL,
      closed: c.CLOSED,
      total: Object.values(c).reduce((a, b) => a + b, 0),
      unassigned,
      awaitingReply,
      replyOverdue,
    };
  }

  @FieldResolver(() => String, { nullable: true })
  async category(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<string | null> {
    return t.categoryId === null ? null : loaders.category.load(t.categoryId);
  }

  @FieldResolver(() => [TicketFieldObject], { description: "Its category's fields with the ticket's values, in the category's order" })
  async fields(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<TicketFieldRow[]> {
    return t.categoryId === null ? [] : loaders.fields.load(t.rowId);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'The number of the ticket this one was merged into (mergeTickets): its mail goes there' })
  async mergedInto(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<number | null> {
    return (await loaders.links.load(t.rowId)).mergedInto;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'The number of the ticket this one was opened from: splitTicket, a [#N] tag from someone not on ticket N, or a reply after REOPEN_WINDOW_DAYS',
  })
  async linkedTo(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<number | null> {
    return (await loaders.links.load(t.rowId)).linkedTo;
  }

  @FieldResolver(() => [Int], {
    description: "The numbers of the tickets opened from this one (their linkedTo): split off, or a stranger's mail naming its [#N] tag, which agents should see here",
  })
  async linkedFrom(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<number[]> {
    return loaders.linkedFrom.load(t.rowId);
  }

  @FieldResolver(() => [SavedReplyTextType], { description: "The saved replies this ticket's queue offers (and every queue's), filled in for it and for the caller, by name" })
  async savedReplies(@Root() t: TicketObject, @Ctx() { loaders, principal }: GraphQLContext): Promise<SavedReplyTextType[]> {
    const [replies, requester, agent, queue] = await Promise.all([
      loaders.savedReplies.load(t.queueId ?? 0),
      loaders.person.load(t.requesterId),
      loaders.person.load(principal.personId),
      t.queueId === null ? null : loaders.queue.load(t.queueId),
    ]);
    const context = {
      ticket: { number: t.number, subject: t.subject, queue: queue?.name ?? '' },
      requester: requester ?? { email: '', name: null },
      agent: agent ?? { email: '', name: null },
    };
    return replies.map((r) => ({ name: r.name, text: fillSavedReply(r.body, context) }));
  }

  @FieldResolver(() => QueueType, { nullable: true })
  async queue(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<QueueType | null> {
    const queue = t.queueId === null ? null : await loaders.queue.load(t.queueId);
    return queue ? presentQueueRow(queue) : null;
  }

  @FieldResolver(() => PersonType)
  async requester(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType> {
    const person = await loaders.person.load(t.requesterId);
    return person ? presentPerson(person) : { email: '', name: null };
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The language (a BCP 47 tag) mail to the requester is written in: theirs (learned from their mail's Content-Language, or set with setRequesterLanguage), else the queue's; null: the desk's default. A language without templates in TEMPLATES_DIR gets the default ones",
  })
  async language(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<string | null> {
    return loaders.language.load(t.rowId);
  }

  @FieldResolver(() => PersonType, { nullable: true })
  async assignee(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType | null> {
    const person = t.assigneeId === null ? null : await loaders.person.load(t.assigneeId);
    return person ? presentPerson(person) : null;
  }

  @FieldResolver(() => [PersonType])
  async ccs(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType[]> {
    return people(await loaders.ccs.load(t.rowId));
  }

  @FieldResolver(() => [PersonType])
  async watchers(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType[]> {
    return people(await loaders.watchers.load(t.rowId));
  }

  @FieldResolver(() => [MessageObject], { description: 'Oldest first; includes internal notes' })
  async messages(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<MessageObject[]> {
    return (await loaders.messages.load(t.rowId)).map(presentMessage);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      "When support's answer is due: awaitingReplySince plus the priority's reply target (REPLY_TARGETS), counted in opening time when BUSINESS_HOURS is set or the queue keeps its own (URGENT: around the clock); null when nobody waits or the priority has no target",
  })
  async replyDueAt(@Root() t: TicketObject, @Ctx() { config, loaders }: GraphQLContext): Promise<Date | null> {
    const byTheClock = replyDueAt(t.awaitingReplySince, t.priority, config.replyTargets);
    if (byTheClock === null || t.priority === Priority.URGENT) return byTheClock;
    if (!config.businessHours) {
      const queue = t.queueId === null ? null : await loaders.queue.load(t.queueId);
      if (!queue || !hasOwnHours(queueHoursOfRow(queue))) return byTheClock;
    }
    // Opening time: the database counts it, as the overdue filter does.
    return loaders.replyDue.load(t.rowId);
  }

  @FieldResolver(() => MessageObject, { nullable: true, description: 'The newest message (for lists)' })
  async lastMessage(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<MessageObject | null> {
    const message = await loaders.lastMessage.load(t.rowId);
    return message ? presentMessage(message) : null;
  }

  @FieldResolver(() => [TicketEventObject], { description: 'The history, oldest first: kind, actor, from → to' })
  async events(@Root() t: TicketObject, @Ctx() { loaders }: GraphQLContext): Promise<TicketEventObject[]> {
    return (await loaders.events.load(t.rowId)).map(presentTicketEvent);
  }
}

@Authorized(Role.AGENT)
@Resolver(() => MessageObject)
export class MessageResolver {
  @FieldResolver(() => PersonType, { nullable: true, description: 'The author' })
  async from(@Root() m: MessageObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType | null> {
    const person = m.authorId === null ? null : await loaders.person.load(m.authorId);
    return person ? presentPerson(person) : null;
  }

  @FieldResolver(() => [AttachmentObject])
  async attachments(@Root() m: MessageObject, @Ctx() { loaders }: GraphQLContext): Promise<AttachmentObject[]> {
    return (await loaders.attachments.load(m.rowId)).map(presentAttachment);
  }

  /** Sanitised when stored (never the sender's raw HTML). */
  @FieldResolver(() => String, { nullable: true })
  bodyHtml(@Root() m: MessageObject, @Ctx() { loaders }: GraphQLContext): Promise<string | null> {
    return loaders.bodyHtml.load(m.rowId);
  }

  @FieldResolver(() => String, {
    description:
      'What is new in the message: for mail received, its text without quoted history and signature (empty when it is nothing but a quote; bodyText keeps everything); for other messages, bodyText',
  })
  async visibleText(@Root() m: MessageObject, @Ctx() { loaders }: GraphQLContext): Promise<string> {
    return (await loaders.visibleText.load(m.rowId)) ?? m.bodyText;
  }

  @FieldResolver(() => MessageDeliveryObject, {
    nullable: true,
    description: "Whether the mail carrying this message (an agent's reply, a forward) went out: QUEUED, SENT or FAILED, with the relay's last error; null for messages no mail of ours carried",
  })
  async delivery(@Root() m: MessageObject, @Ctx() { loaders }: GraphQLContext): Promise<MessageDeliveryObject | null> {
    const row = await loaders.delivery.load(m.rowId);
    return row ? presentDelivery(row) : null;
  }
}

@Authorized(Role.AGENT)
@Resolver(() => TicketEventObject)
export class TicketEventResolver {
  @FieldResolver(() => PersonType, { nullable: true, description: 'The person who did it; null for system actors' })
  async actor(@Root() e: TicketEventObject, @Ctx() { loaders }: GraphQLContext): Promise<PersonType | null> {
    const person = e.actorId === null ? null : await loaders.person.load(e.actorId);
    return person ? presentPerson(person) : null;
  }
}

@Authorized(Role.AGENT)
@Resolver(() => TicketConnection)
export class TicketConnectionResolver {
  @FieldResolver(() => Int, { description: 'All tickets matching the filter (not just this page)' })
  totalCount(@Root() connection: TicketConnection): Promise<number> {
    return connection.countTotal();
  }
}
