/**
 * retryDelivery: sends again the mail that carried a message (an agent's reply, a ticket opened
 * for a customer, a forward) after it FAILED — the relay refused it for good (a 5xx: the
 * customer's mailbox was full, a relay misconfigured and since mended) or the retries ran out
 * while the relay was down — as FreeScout's and Zammad's "retry" does. The same frozen bytes and
 * Message-ID go out (threading unchanged), with a fresh count of attempts; an event records who
 * asked. A message no mail of ours carried, or whose mail is sent or still being tried, is a
 * userError.
 */
import { DeliveryStatus } from '../entities/enums.js';
import { forbidden } from '../errors.js';
import { enqueueJob } from '../outbound/outbox.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export async function retryDelivery(ctx: TicketCommandContext, messageId: string): Promise<TicketResult> {
  const id = /^[1-9]\d{0,9}$/.test(messageId) ? Number(messageId) : 0;
  const [row] = id > 0 ? await ctx.em.execute<{ number: number }[]>(`select t.number from message m join ticket t on t.id = m.ticket_id where m.id = ?`, [id]) : [];
  if (!row) {
    // As for ticket numbers (ticket-access.ts): an agent cannot tell a message that does not exist from another queue's.
    if (!ctx.scope.admin) throw forbidden(`message ${messageId} does not exist or is not on a ticket of your queues`);
    return failure(['message'], `no message ${messageId}`);
  }
  const ticket = await ticketToWork(ctx, Number(row.number));
  if (isFailure(ticket)) return ticket;
  const [delivery] = await ctx.em.execute<{ id: number; status: DeliveryStatus; recipients: string[] }[]>(
    `select id, status, recipients from outbound_delivery where thread_id = ? order by id desc limit 1 for update`,
    [id],
  );
  if (!delivery) return failure(['message'], `no mail of postdesk carried message ${id}: only agents' replies, tickets opened for customers and forwards are mailed`);
  if (delivery.status !== DeliveryStatus.FAILED) {
    const state = delivery.status === DeliveryStatus.SENT ? 'was sent' : 'is still being sent (a temporary failure is retried by itself)';
    return failure(['message'], `the mail of message ${id} ${state}: only a FAILED one is sent again`);
  }
  await ctx.em.execute(`update outbound_delivery set status = ?, attempts = 0, last_error = null, next_attempt_at = now() where id = ?`, [DeliveryStatus.QUEUED, delivery.id]);
  // In this transaction: the job exists exactly when the row is QUEUED again (outbox.ts); a process without a worker leaves it to the sweeper.
  await enqueueJob(ctx.em, Number(delivery.id), false);
  recordEvent(ctx.em, ticket, { kind: 'delivery-retried', actor: ctx.actor, to: delivery.recipients.join(', '), detail: { delivery: Number(delivery.id), message: id } });
  await ctx.em.flush();
  return { ok: true, value: ticket };
}
