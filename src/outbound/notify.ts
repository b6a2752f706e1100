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
import type { Em } from '../db/orm.js';
import type { Message, Person, Ticket } from '../entities/index.js';
import type { TicketStatus } from '../entities/enums.js';

export type TicketNotification =
  /** A new ticket from inbound mail. `acknowledge` false: automatic mail, or a rule suppressed it. */
  | { kind: 'ticket-created'; ticket: Ticket; message: Message; acknowledge: boolean; emergency: boolean }
  /** An inbound message threaded onto an existing ticket. */
  | { kind: 'inbound-comment'; ticket: Ticket; message: Message }
  /** `replyToTicket`: a public OUTBOUND message written by an agent. */
  | { kind: 'public-reply'; ticket: Ticket; message: Message; actor: Person }
  /** `addNote`: an internal NOTE; watchers only. */
  | { kind: 'note-added'; ticket: Ticket; message: Message; actor: Person }
  /** Any status change (updateTicket, closeTicket, reopenTicket, approve/reject, auto-close, reopen by mail). */
  | { kind: 'status-changed'; ticket: Ticket; from: TicketStatus; to: TicketStatus; actor: Person | null; reason?: string | null }
  /** `escalateTicket`. */
  | { kind: 'escalated'; ticket: Ticket; note: string | null; actor: Person }
  /** A ticket became an emergency (new emergency mail, or the emergency copy of a known message). */
  | { kind: 'emergency'; ticket: Ticket; message: Message | null }
  /** A new ticket waits in PENDING_APPROVAL. */
  | { kind: 'approval-requested'; ticket: Ticket }
  /** Attachments were refused on an inbound message; the sender is told which and why. */
  | { kind: 'attachments-refused'; ticket: Ticket; message: Message; refused: readonly { filename: string; reason: string }[] };

/** What the outbound module needs besides the transaction: addresses, limits and the HMAC key. */
export interface NotifyContext {
  readonly config: Config;
  /** HMAC key of our Message-IDs. */
  readonly secret: string;
  /** For tests with a controllable clock. */
  readonly now?: () => Date;
}

/** Records what must be sent because of `notification`, in the caller's transaction. */
export async function notify(em: Em, notification: TicketNotification, ctx: NotifyContext): Promise<void> {
  // Filled in by the outbound work (issue 6): enqueue deliveries in `em`'s transaction.
  void em;
  void notification;
  void ctx;
}
