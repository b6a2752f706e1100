/**
 * Read receipts: message disposition notifications (RFC 8098), which Outlook and Thunderbird send
 * when a reader allows it ("Read: …", "Return Receipt (displayed)"). They are automatic answers to
 * a mail, like an out-of-office: they thread onto that mail's ticket (by In-Reply-To or, as Outlook
 * writes none, by the Original-Message-ID of the report) and change nothing there; one that answers
 * nothing of ours is quarantined, not a ticket. The machine-readable part is no customer's file.
 *
 * Rules: the top-level type is `multipart/report; report-type=disposition-notification`; the
 * fields come from its `message/disposition-notification` part (or the RFC 6533 global form):
 * `Original-Message-ID`, `Disposition` (the type after the `;`: displayed, deleted, dispatched,
 * processed), `Final-Recipient` (who read it).
 */
import type { ReadReceipt } from '../types.js';
import { addressOf, fieldBlocks } from './delivery-report.js';
import { firstMessageId } from './identifiers.js';
import { plainString } from './plain-string.js';

/** Content types of the machine-readable part (RFC 8098 §3, RFC 6533 §6). */
export const DISPOSITION_TYPES = new Set(['message/disposition-notification', 'message/global-disposition-notification']);

/** Whether a top-level Content-Type (value and parameters) is a read receipt. */
export function isReadReceiptType(value: string, params: Readonly<Record<string, string>>): boolean {
  return value.toLowerCase() === 'multipart/report' && (params['report-type'] ?? '').trim().toLowerCase() === 'disposition-notification';
}

/** What the receipt says, from its disposition-notification part's text (null when it had none). */
export function readReceiptOf(notification: string | null): ReadReceipt {
  const fields = fieldBlocks(notification ?? '')[0]!; // one block of fields (RFC 8098 §3.1)
  const disposition = fields.get('disposition')?.split(';')[1];
  const type = disposition === undefined ? '' : plainString(disposition).trim().toLowerCase().split(/[\s/]/)[0]!;
  const id = fields.get('original-message-id');
  return {
    originalMessageId: id === undefined ? null : firstMessageId([id]),
    disposition: /^[a-z-]{1,20}$/.test(type) ? type : null,
    recipient: addressOf(fields.get('final-recipient')),
  };
}
