/**
 * A read receipt (parse/read-receipt.ts) that landed on a ticket marks the mail of ours it names
 * as read: Message.readAt of that OUTBOUND message, the first time a reader's program says it was
 * displayed. Only on the ticket the receipt landed on (found by a verified reference), so naming
 * another ticket's Message-ID marks nothing there.
 */
import type { Em } from '../db/orm.js';
import type { ReadReceipt } from './types.js';

export async function markOurMailRead(em: Em, ticketId: number, receipt: ReadReceipt, at: Date): Promise<void> {
  if (receipt.disposition !== 'displayed' || !receipt.originalMessageId) return;
  await em.execute(`update message set read_at = ? where ticket_id = ? and message_id = ? and direction = 'OUTBOUND' and read_at is null`, [at, ticketId, receipt.originalMessageId]);
}
