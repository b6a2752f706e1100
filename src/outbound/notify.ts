/**
 * The one seam between "something happened to a ticket" and "mail (or a webhook) goes out".
 *
 * Callers (the ingest pipeline, GraphQL mutations, scheduled automation) call `notify` inside the
 * same transaction as the change, with the same EntityManager: whatever it records is committed
 * or rolled back together with the change (transactional outbox). It never sends anything itself.
 *
 * The outbound module decides recipients, templates, loop safety and rate limits from these facts.
 */
import type { Config } from '../config/env.js';
import { LARGE_MESSAGE_BYTES, reclaimMemorySoon } from '../memory.js';
import type { Em } from '../db/orm.js';
import { Message, Person, type Ticket } from '../entities/index.js';
import { MessageDirection, Role, Satisfaction, TicketStatus } from '../entities/enums.js';
import { recordEvent } from '../tickets/record-event.js';
import { askersOf, THIRD_PARTY_FLAG, thirdPartyThread } from '../tickets/third-party.js';
import { ratingLinks } from '../tickets/satisfaction.js';
import type { MailFile } from './compose.js';
import { messageFiles } from './message-files.js';
import { Mailer, type MailPlan } from './mailer.js';
import { emergencyChatText, newTicketChatText, type ChatTicket } from './chat-text.js';
import { candidate } from './recipients.js';
import { bodyText, headerText } from './sanitize.js';
import { fill, type PhraseKey, type TemplateName, type TemplateVariables } from './templates.js';
import type { Wording } from './wording.js';
import type { RefusedAttachment } from '../ingest/types.js';
import { firstMessageThread, threadHeaders, type ThreadHeaders } from './thread-headers.js';
import { replyExpectation } from './reply-expectation.js';
import { conversationHistory } from './conversation-history.js';
import { actorVariables, messageVariables, personDisplay, ticketVariables } from './variables.js';

export type TicketNotification =
  /** A new ticket from inbound mail. `acknowledge` false: automatic mail, or a rule suppressed it. */
  | { kind: 'ticket-created'; ticket: Ticket; message: Message; acknowledge: boolean; emergency: boolean }
  /** An inbound message threaded onto an existing ticket. */
  | { kind: 'inbound-comment'; ticket: Ticket; message: Message }
  /** `createTicket`: an agent opened the ticket for its requester; `message` is the agent's OUTBOUND first message. */
  | { kind: 'ticket-opened'; ticket: Ticket; message: Message; actor: Person }
  /** `replyToTicket`: a public OUTBOUND message written by an agent. */
  | { kind: 'public-reply'; ticket: Ticket; message: Message; actor: Person }
  /** `addNote`: an internal NOTE; watchers, and the staff it mentions. */
  | { kind: 'note-added'; ticket: Ticket; message: Message; actor: Person; mentioned?: readonly Person[] }
  /** `forwardTicket`: the agent's note `message` and the `forwarded` message mailed to the note's `to`, people outside the ticket. */
  | { kind: 'forwarded'; ticket: Ticket; message: Message; forwarded: Message; forwardedFiles: readonly MailFile[]; actor: Person }
  /** Any status change (updateTicket, closeTicket, reopenTicket, approve/reject, auto-close, reopen by mail). */
  | {
      kind: 'status-changed';
      ticket: Ticket;
      from: TicketStatus;
      to: TicketStatus;
      actor: Person | null;
      /** A person's own words, or a sentence of postdesk's, written in the requester's language. */
      reason?: string | { phrase: PhraseKey; values: TemplateVariables } | null;
    }
  /** `mergeTickets`: the duplicate's requester learns which ticket now holds their request (sent before its messages move). */
  | { kind: 'merged'; ticket: Ticket; into: Ticket; actor: Person }
  /** `splitTicket`: `message` (moved to the new `ticket`) started it; its author learns the new number, in that message's thread. */
  | { kind: 'split'; ticket: Ticket; message: Message; from: Ticket; actor: Person }
  /** `updateTicket` (or its bulk form) gave the ticket to an agent other than the one acting. */
  | { kind: 'assigned'; ticket: Ticket; actor: Person }
  /** `escalateTicket`. */
  | { kind: 'escalated'; ticket: Ticket; note: string | null; actor: Person }
  /** A ticket became an emergency (new emergency mail, or the emergency copy of a known message). */
  | { kind: 'emergency'; ticket: Ticket; message: Message | null }
  /** A new ticket waits in PENDING_APPROVAL. */
  | { kind: 'approval-requested'; ticket: Ticket }
  /** Attachments were refused on an inbound message; the sender is told which and why. */
  | { kind: 'attachments-refused'; ticket: Ticket; message: Message; refused: readonly RefusedAttachment[] }
  /** The customer has waited longer than the priority's reply target (automation/reply-reminders.ts). */
  | { kind: 'reply-overdue'; ticket: Ticket; dueAt: Date; target: string }
  /** A snoozed ticket's time came (automation/wake-snoozed.ts). */
  | { kind: 'snooze-ended'; ticket: Ticket; until: Date };

/** What the outbound module needs besides the transaction: addresses, limits and the HMAC key. */
export interface NotifyContext {
  readonly config: Config;
  /** HMAC key of our Message-IDs. */
  readonly secret: string;
  /** For tests with a controllable clock. */
  readonly now?: () => Date;
}

/**
 * Records what must be sent because of `notification`, in the caller's transaction: outbox rows
 * with frozen bytes plus their pg-boss jobs. Flushes `em` (new tickets need their id and number).
 */
export async function notify(em: Em, notification: TicketNotification, ctx: NotifyContext): Promise<void> {
  await em.flush();
  const mailer = new Mailer(em, ctx, ctx.now?.() ?? new Date());
  await em.populate(notification.ticket, POPULATE[notification.kind] as never);
  await HANDLERS[notification.kind](mailer, em, notification as never, ctx);
  await em.flush();
}

/** What each kind reads from the ticket (loaded once; fewer queries for the common status mail). */
const BASE = ['requester', 'queue', 'category', 'assignee'] as const;
const WATCHERS = [...BASE, 'ccs', 'watchers', 'queue.watchers'] as const;
const POPULATE: Record<TicketNotification['kind'], readonly string[]> = {
  'ticket-created': WATCHERS,
  'inbound-comment': WATCHERS,
  'ticket-opened': WATCHERS,
  'note-added': WATCHERS,
  'public-reply': [...BASE, 'ccs'],
  forwarded: BASE,
  'status-changed': BASE,
  escalated: BASE,
  merged: BASE,
  split: WATCHERS,
  assigned: BASE,
  emergency: BASE,
  'approval-requested': [...BASE, 'category.approver', 'queue.approver'],
  'attachments-refused': BASE,
  'reply-overdue': [...BASE, 'queue.agents'],
  'snooze-ended': [...BASE, 'queue.agents'],
};

type Handler<K extends TicketNotification['kind']> = (mailer: Mailer, em: Em, n: Extract<TicketNotification, { kind: K }>, ctx: NotifyContext) => Promise<void>;

const HANDLERS: { [K in TicketNotification['kind']]: Handler<K> } = {
  'ticket-created': async (mailer, em, n, ctx) => {
    const { ticket, message } = n;
    const thread = firstMessageThread(message);
    if (n.acknowledge && !message.flags.includes('automatic')) {
      // A customer's mail staff forwarded, or staff's own mail to a customer copied to support: the
      // number goes to the agent who sent it; the customer hears from us when the agent answers.
      const forwardedBy = message.flags.includes('forwarded') || message.flags.includes('staff-mail') ? message.author : null;
      await mailer.mail({
        ticket,
        kind: n.emergency ? 'acknowledgement-emergency' : 'acknowledgement',
        template: n.emergency ? 'acknowledgement-emergency' : 'acknowledgement',
        to: [candidate(forwardedBy ?? ticket.requester)],
        cc: forwardedBy ? [] : ticket.ccs.getItems().map(candidate),
        autoSubmitted: 'auto-replied',
        limited: true,
        variables: async (wording) => ({
          ticket: { ...ticketVariables(ticket, wording), ...(await replyExpectation(em, ctx.config, ticket, mailer.now, wording)) },
          message: messageVariables(message),
        }),
        thread,
        answering: message,
      });
    }
    await announceNewTicket(mailer, ticket, message, message.author, thread, ctx);
  },

  'inbound-comment': async (mailer, em, n) => {
    const { ticket, message } = n;
    const thread = await threadHeaders(em, ticket, message);
    const variables = { message: messageVariables(message, true) };
    // A bad rating asks for a follow-up: whoever is responsible hears of it at once, instead of a watcher copy.
    const told = isBadRating(ticket, message) ? await mailBadRating(mailer, em, ticket, { ticket: ticketVariables(ticket), ...variables }, thread) : [];
    // A supplier's answer reaches the agents who asked them, even if they watch nothing (limited: mail causes it).
    if (message.flags.includes(THIRD_PARTY_FLAG) && message.author) {
      const askers = await askersOf(em, ticket, message.author.email);
      told.push(...(await mailEach(mailer, askers, { ticket, kind: 'watcher-comment', template: 'watcher-comment', limited: true, variables: { ticket: ticketVariables(ticket), ...variables }, thread })));
    }
    await mailWatchers(mailer, ticket, message.author, 'watcher-comment', 'watcher-comment', variables, thread, new Set(told));
  },

  'ticket-opened': async (mailer, em, n, ctx) => {
    const { ticket, message, actor } = n;
    const thread = { inReplyTo: null, references: [] }; // the thread starts here
    await mailAgentMessage(mailer, em, ticket, message, actor, 'ticket-opened', thread);
    await announceNewTicket(mailer, ticket, message, actor, thread, ctx);
  },

  'public-reply': async (mailer, em, n, ctx) => {
    const { ticket, message, actor } = n;
    const answering = await latestInbound(em, ticket, 'any');
    const history = (wording: Wording) => conversationHistory(em, ctx.config, ticket, message, mailer.now, wording);
    await mailAgentMessage(mailer, em, ticket, message, actor, 'public-reply', await threadHeaders(em, ticket, answering, message), history);
  },

  'note-added': async (mailer, em, n) => {
    const thread = await threadHeaders(em, n.ticket, null, n.message);
    const variables = { message: messageVariables(n.message), actor: actorVariables(n.actor) };
    const mentioned = n.mentioned ?? [];
    // A mention reaches its person even if they do not watch (or opted out): it asks them by name.
    // Not limited: only an agent's note causes it, never mail, so it cannot loop.
    await mailEach(mailer, mentioned, { ticket: n.ticket, kind: 'note-mention', template: 'note-mention', limited: false, variables: { ticket: ticketVariables(n.ticket), ...variables }, thread });
    await mailWatchers(mailer, n.ticket, n.actor, 'watcher-note', 'watcher-note', variables, thread, new Set(mentioned.map((p) => p.email)));
  },

  forwarded: async (mailer, em, n, ctx) => {
    const { ticket, message: note, forwarded, actor } = n;
    const uploads = await messageFiles(em, note.id);
    const zone = ctx.config.businessHours?.timezone ?? 'UTC';
    await mailer.mail({
      ticket,
      kind: 'forward',
      template: 'forward',
      // Addresses only: a forward makes nobody a person of the ticket (admit() finds a known person's language and bounce).
      to: note.to.map((address) => ({ email: address.email, name: address.name, person: null })),
      autoSubmitted: null,
      limited: false,
      variables: (wording) => ({
        ticket: ticketVariables(ticket, wording),
        note: messageVariables(note),
        message: { ...messageVariables(forwarded), date: wording.instant(forwarded.createdAt, zone, mailer.now), zone },
        actor: actorVariables(actor, wording),
        signature: signature(mailer, ticket, actor),
      }),
      thread: await thirdPartyThread(em, ticket, note.to.map((address) => address.email), note.id),
      carries: note,
      fromName: senderName(actor),
      files: [...n.forwardedFiles, ...uploads],
    });
  },

  'status-changed': async (mailer, em, n, ctx) => {
    const { ticket } = n;
    const template = statusTemplate(n.from, n.to);
    // The requester is not told about what they did themselves (their reply reopened the ticket).
    if (!template || (n.actor && n.actor.email === ticket.requester.email)) return;
    const last = template === 'status-waiting' ? await em.findOne(Message, { ticket, direction: MessageDirection.OUTBOUND }, { orderBy: { id: 'desc' } }) : null;
    const reasonIn = (wording: Wording) => (typeof n.reason === 'object' && n.reason !== null ? wording.phrase(n.reason.phrase, n.reason.values) : (n.reason ?? ''));
    await mailer.mail({
      ticket,
      kind: `status-${n.to.toLowerCase()}`,
      template,
      to: [candidate(ticket.requester)],
      autoSubmitted: 'auto-generated',
      limited: true,
      variables: (wording) => ({
        ticket: ticketVariables(ticket, wording),
        actor: actorVariables(n.actor, wording),
        reason: reasonIn(wording),
        // "waiting" quotes what the agent last asked, else the reason, else asks for more.
        needed: template !== 'status-waiting' ? reasonIn(wording) : last ? bodyText(last.bodyText) : reasonIn(wording) || wording.phrase('tell-us-more'),
        change: { from: n.from, to: n.to },
        // The closing notice's two mailto: links (tickets/satisfaction.ts); no other status mail has them.
        ...(template === 'status-closed' ? { rating: ratingLinks(mailer.replyAddress(ticket), ticket.number) } : {}),
      }),
      thread: await threadHeaders(em, ticket, null),
    });
    void ctx;
  },

  merged: async (mailer, em, n) => {
    const { ticket, into } = n;
    await mailer.mail({
      ticket,
      kind: 'ticket-merged',
      template: 'ticket-merged',
      to: [candidate(ticket.requester)],
      autoSubmitted: 'auto-generated',
      limited: true,
      variables: { ticket: ticketVariables(ticket), into: ticketVariables(into), actor: actorVariables(n.actor) },
      // In the duplicate's own thread, so the customer's mail program shows it with their request.
      thread: await threadHeaders(em, ticket, null),
    });
  },

  split: async (mailer, em, n, ctx) => {
    const { ticket, message } = n;
    const thread = await threadHeaders(em, ticket, message);
    if (!message.flags.includes('automatic')) {
      await mailer.mail({
        ticket,
        kind: 'ticket-split',
        template: 'ticket-split',
        to: [candidate(ticket.requester)],
        cc: ticket.ccs.getItems().map(candidate),
        autoSubmitted: 'auto-generated',
        limited: true,
        variables: { ticket: ticketVariables(ticket), from: ticketVariables(n.from), message: messageVariables(message), actor: actorVariables(n.actor) },
        thread,
        answering: message,
      });
    }
    await announceNewTicket(mailer, ticket, message, n.actor, thread, ctx);
  },

  assigned: async (mailer, em, n) => {
    const { ticket } = n;
    const assignee = ticket.assignee;
    if (!assignee || assignee.role === null || !assignee.active) return;
    // What the customer last said, so the mail alone tells the new owner what it is about.
    const latest = await latestCustomerWords(em, ticket);
    // Not limited: only an agent's action causes it, never mail, so it cannot loop.
    await mailEach(mailer, [assignee], {
      ticket,
      kind: 'ticket-assigned',
      template: 'ticket-assigned',
      limited: false,
      variables: { ticket: ticketVariables(ticket), actor: actorVariables(n.actor), message: messageVariables(latest, true) },
      thread: await threadHeaders(em, ticket, latest),
    });
  },

  escalated: async (mailer, em, n, ctx) => {
    const { ticket } = n;
    const address = ticket.queue?.escalationAddress ?? ctx.config.outbound.escalationAddress;
    if (!address) {
      recordEvent(em, ticket, { kind: 'notification-skipped', actorLabel: 'system', detail: { reason: 'escalation: neither the queue nor ESCALATION_ADDRESS names an address' } });
      return;
    }
    const messages = await em.find(Message, { ticket }, { populate: ['author'], orderBy: { id: 'asc' } });
    await mailer.mail({
      ticket,
      kind: 'escalation',
      template: 'escalation',
      to: [{ email: address, name: null, person: null }],
      autoSubmitted: 'auto-generated',
      limited: true,
      variables: { ticket: ticketVariables(ticket), actor: actorVariables(n.actor), note: n.note ?? '', thread: threadText(messages) },
      thread: await threadHeaders(em, ticket, null),
    });
  },

  emergency: async (mailer, em, n, ctx) => {
    const { ticket, message } = n;
    const thread = await threadHeaders(em, ticket, message);
    // Pages go first and on their own queue; they are not subject to the hourly limit (configured staff addresses).
    if (ctx.config.oncallWebhookUrl) {
      const payload = ticketPayload(ticket);
      await mailer.webhook(ticket, 'emergency', ctx.config.oncallWebhookUrl, { text: emergencyChatText(payload), ticket: payload, message: messagePayload(message) }, true);
    }
    for (const address of ctx.config.oncallAddresses) {
      await mailer.mail({
        ticket,
        kind: 'page',
        template: 'emergency-page',
        to: [{ email: address, name: null, person: null }],
        autoSubmitted: 'auto-generated',
        limited: false,
        variables: { ticket: ticketVariables(ticket), message: messageVariables(message) },
        thread,
        urgent: true,
      });
    }
  },

  'approval-requested': async (mailer, em, n) => {
    const { ticket } = n;
    // The designated approvers (category's, queue's) when there are any, else every active admin.
    const designated = [...new Map([ticket.category?.approver, ticket.queue?.approver].filter((p): p is Person => !!p).map((p) => [p.id, p])).values()];
    const approvers = designated.length > 0 ? designated : await em.find(Person, { role: Role.ADMIN, active: true }, { orderBy: { id: 'asc' } });
    const first = await em.findOne(Message, { ticket }, { populate: ['author'], orderBy: { id: 'asc' } });
    const thread = await threadHeaders(em, ticket, null);
    await mailEach(
      mailer,
      approvers.filter((approver) => approver.email !== ticket.requester.email),
      { ticket, kind: 'approval-request', template: 'approval-request', limited: true, variables: { ticket: ticketVariables(ticket), message: messageVariables(first) }, thread },
    );
  },

  'attachments-refused': async (mailer, em, n) => {
    const { ticket, message } = n;
    // Never answer automatic mail.
    if (!message.author || message.flags.includes('automatic')) return;
    await mailer.mail({
      ticket,
      kind: 'attachments-refused',
      template: 'attachments-refused',
      to: [candidate(message.author)],
      autoSubmitted: 'auto-replied',
      limited: true,
      variables: (wording) => ({
        ticket: ticketVariables(ticket, wording),
        message: messageVariables(message),
        refused: n.refused.map((r) => `- ${headerText(r.filename, 255)}: ${headerText(wording.phrase(r.why.phrase, r.why.values), 500)}`).join('\n'),
      }),
      thread: await threadHeaders(em, ticket, message),
      answering: message,
    });
  },

  'reply-overdue': async (mailer, em, n) => {
    const { ticket } = n;
    const recipients = await responsibleStaff(em, ticket);
    const detail = { dueAt: n.dueAt.toISOString(), target: n.target };
    if (recipients.length === 0) {
      recordEvent(em, ticket, { kind: 'notification-skipped', actorLabel: 'system', detail: { reason: 'reply overdue: no active agent or admin to remind', ...detail } });
      return;
    }
    const latest = await latestCustomerWords(em, ticket);
    const thread = await threadHeaders(em, ticket, latest);
    const waiting = { since: ticket.awaitingReplySince?.toISOString() ?? '', due: detail.dueAt, target: detail.target };
    // Staff only, and at most once per wait of the customer: no hourly limit (no mail can trigger another).
    const reminded = await mailEach(mailer, recipients, {
      ticket,
      kind: 'reply-overdue',
      template: 'reply-overdue',
      limited: false,
      variables: { ticket: ticketVariables(ticket), message: messageVariables(latest, true), waiting },
      thread,
    });
    const event = recordEvent(em, ticket, { kind: 'reply-overdue', actorLabel: 'automation:reply-reminders', to: reminded.join(', '), detail });
    event.createdAt = mailer.now;
  },

  'snooze-ended': async (mailer, em, n) => {
    const { ticket } = n;
    const thread = await threadHeaders(em, ticket, null);
    // Not limited: at most once per snooze an agent set, and nothing mail does can repeat it.
    await mailEach(mailer, await responsibleStaff(em, ticket), {
      ticket,
      kind: 'snooze-ended',
      template: 'snooze-ended',
      limited: false,
      variables: { ticket: ticketVariables(ticket), snooze: { until: n.until.toISOString() } },
      thread,
    });
  },
};

/** The ticket's latest inbound message that is not automatic (an out-of-office auto-reply says nothing new), with its author. */
function latestCustomerWords(em: Em, ticket: Ticket): Promise<Message | null> {
  return latestInbound(em, ticket, 'not-automatic');
}

/** The ticket's latest inbound message from the customer's side (never an answer to a forward, tickets/third-party.ts), with its author. */
function latestInbound(em: Em, ticket: Ticket, which: 'any' | 'not-automatic'): Promise<Message | null> {
  const skipped = which === 'any' ? [THIRD_PARTY_FLAG] : [THIRD_PARTY_FLAG, 'automatic'];
  return em.findOne(
    Message,
    { ticket, direction: MessageDirection.INBOUND, $not: { flags: { $overlap: skipped } } },
    { orderBy: { id: 'desc' }, populate: ['author'] },
  );
}

/** The staff responsible for the ticket (queue agents loaded only now: rarely needed on this path); returns whom it reached. */
async function mailBadRating(mailer: Mailer, em: Em, ticket: Ticket, variables: Record<string, TemplateVariables>, thread: ThreadHeaders): Promise<string[]> {
  await em.populate(ticket, ['queue.agents']);
  // Limited: a customer could send the rating mail again and again.
  return mailEach(mailer, await responsibleStaff(em, ticket), { ticket, kind: 'rating-bad', template: 'rating-bad', limited: true, variables, thread });
}

/** The requester's rating mail (applyRating flags it) that rated the ticket BAD. */
function isBadRating(ticket: Ticket, message: Message): boolean {
  return message.flags.includes('rating') && ticket.satisfaction === Satisfaction.BAD;
}

/**
 * Who is told that a ticket needs someone (an overdue reply, a snooze that ended, a bad rating): the assignee;
 * else the agents of the ticket's queue; else every admin (nobody else would notice an unrouted
 * ticket). Only active staff, never the requester.
 */
async function responsibleStaff(em: Em, ticket: Ticket): Promise<Person[]> {
  const staff = (people: readonly Person[]) => people.filter((p) => p.role !== null && p.active && p.email !== ticket.requester.email);
  for (const group of [ticket.assignee ? [ticket.assignee] : [], ticket.queue?.agents.getItems() ?? []]) {
    const people = staff(group);
    if (people.length > 0) return people;
  }
  return staff(await em.find(Person, { role: Role.ADMIN, active: true }, { orderBy: { id: 'asc' } }));
}

/** The status mail for a change, or null when the requester is not told (e.g. OPEN after their own reply). */
export function statusTemplate(from: TicketStatus, to: TicketStatus): TemplateName | null {
  if (from === to) return null;
  if (to === TicketStatus.CLOSED) return 'status-closed';
  if (from === TicketStatus.CLOSED) return 'status-reopened';
  if (to === TicketStatus.IN_PROGRESS) return 'status-in-progress';
  if (to === TicketStatus.WAITING_FOR_CUSTOMER) return 'status-waiting';
  if (from === TicketStatus.PENDING_APPROVAL && to === TicketStatus.OPEN) return 'status-approved';
  return null;
}

/** Every new ticket, from mail or opened by an agent: its watchers are mailed and the new-ticket webhook is called. */
async function announceNewTicket(mailer: Mailer, ticket: Ticket, message: Message, causedBy: Person | null, thread: ThreadHeaders, ctx: NotifyContext): Promise<void> {
  await mailWatchers(mailer, ticket, causedBy, 'watcher-new-ticket', 'watcher-new-ticket', { message: messageVariables(message) }, thread);
  if (ctx.config.newTicketWebhookUrl) {
    const payload = ticketPayload(ticket);
    await mailer.webhook(ticket, 'ticket.created', ctx.config.newTicketWebhookUrl, { text: newTicketChatText(payload), ticket: payload, message: messagePayload(message) }, false);
  }
}

/** An agent's OUTBOUND message to the requester and CCs, in the agent's name, carrying its stored Message-ID and its files. */
async function mailAgentMessage(
  mailer: Mailer,
  em: Em,
  ticket: Ticket,
  message: Message,
  actor: Person,
  template: 'public-reply' | 'ticket-opened',
  thread: ThreadHeaders,
  /** The conversation so far, quoted in the mail's language (public replies). */
  history: (wording: Wording) => Promise<string> = async () => '',
): Promise<void> {
  const files = await messageFiles(em, message.id);
  await mailer.mail({
    ticket,
    kind: template === 'public-reply' ? 'reply' : template,
    template,
    to: [candidate(ticket.requester)],
    cc: ticket.ccs.getItems().map(candidate),
    autoSubmitted: null,
    limited: false,
    variables: async (wording) => ({
      ticket: ticketVariables(ticket, wording),
      message: messageVariables(message),
      actor: actorVariables(actor, wording),
      signature: signature(mailer, ticket, actor),
      history: await history(wording),
    }),
    thread,
    carries: message,
    fromName: senderName(actor),
    files,
  });
  // The composed mail and its bind message are garbage now: given back as after a large inbound message.
  if (files.reduce((sum, file) => sum + file.size, 0) >= LARGE_MESSAGE_BYTES) reclaimMemorySoon();
}

/** The name an agent's own mail (a reply, a ticket opened for a customer, a forward) comes from, beside the desk's: theirs, else their address's local part. */
const senderName = (actor: Person): string => actor.name ?? actor.email.split('@')[0]!;

/** What ends an agent's mail unless the ticket's queue has its own signature: the agent's name and the desk's. */
export const DEFAULT_SIGNATURE = '{{actor.name}}, {{support.name}}';

/** The ticket's queue's signature (or the default) with its placeholders filled in; plain text. */
function signature(mailer: Mailer, ticket: Ticket, actor: Person): string {
  const desk = mailer.desk(ticket);
  return fill(ticket.queue?.signature ?? DEFAULT_SIGNATURE, { actor: actorVariables(actor), support: desk, ticket: ticketVariables(ticket) });
}

/** Queue watchers, ticket watchers and the assignee, one mail each, never the person who caused it, never opted-out agents, nobody in `alreadyTold`. */
async function mailWatchers(
  mailer: Mailer,
  ticket: Ticket,
  causedBy: Person | null,
  kind: string,
  template: TemplateName,
  variables: Record<string, TemplateVariables>,
  thread: { inReplyTo: string | null; references: string[] },
  alreadyTold: ReadonlySet<string> = new Set(),
): Promise<void> {
  const watchers = new Map<string, Person>();
  // The assignee hears of their tickets as if they watched them.
  for (const p of [...(ticket.queue?.watchers.getItems() ?? []), ...ticket.watchers.getItems(), ...(ticket.assignee ? [ticket.assignee] : [])]) watchers.set(p.email, p);
  const told = [...watchers.values()].filter(
    (watcher) => !(causedBy && watcher.email === causedBy.email) && !alreadyTold.has(watcher.email) && !watcher.watchOptOut && !(watcher.role && !watcher.active),
  );
  await mailEach(mailer, told, { ticket, kind, template, limited: true, variables: { ticket: ticketVariables(ticket), ...variables }, thread });
}

/** One automatic mail to each of `people`, each addressed to them alone; returns the addresses it went to. */
async function mailEach(mailer: Mailer, people: readonly Person[], plan: Omit<MailPlan, 'to' | 'autoSubmitted'>): Promise<string[]> {
  const sent: string[] = [];
  for (const person of people) sent.push(...(await mailer.mail({ ...plan, to: [candidate(person)], autoSubmitted: 'auto-generated' })));
  return sent;
}

function ticketPayload(ticket: Ticket): ChatTicket & Record<string, unknown> {
  return {
    number: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    priority: ticket.priority,
    type: ticket.type,
    queue: ticket.queue?.name ?? null,
    requester: { email: ticket.requester.email, name: ticket.requester.name },
    createdAt: ticket.createdAt.toISOString(),
  };
}

function messagePayload(message: Message | null): Record<string, unknown> | null {
  if (!message) return null;
  return { from: message.author?.email ?? null, subject: message.subject, excerpt: bodyText(message.bodyText).slice(0, 500) };
}

/** The whole thread as text for the escalation mail: every message and note, oldest first. */
function threadText(messages: readonly Message[]): string {
  return messages
    .map((m) => {
      const who = m.author ? personDisplay(m.author) : 'postdesk';
      return `--- ${m.direction} ${m.createdAt.toISOString()} ${who}\n${bodyText(m.bodyText).trim()}\n`;
    })
    .join('\n');
}
