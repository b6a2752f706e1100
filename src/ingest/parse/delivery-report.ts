/**
 * What a delivery status notification says (RFC 3464, RFC 6522), read from its parts.
 *
 * Rules: a recipient failed when its per-recipient block says `Action: failed` (3.2.3); its address
 * is the Final-Recipient, else the Original-Recipient (`rfc822; user@host`, 2.3.2); addresses in
 * X-Failed-Recipients (Exim, Gmail) count too. The bounced message's Message-ID comes from the
 * returned message/rfc822 or text/rfc822-headers part, its header block only. Addresses are
 * lower-cased and listed once, at most 1,000.
 */
import { MAX_EMAIL_CHARS } from '../../people/email-address.js';
import type { DeliveryReport } from '../types.js';
import { firstMessageId } from './identifiers.js';
import { MAX_RECIPIENTS } from './limits.js';
import { plainString } from './plain-string.js';

/** Content types of the machine-readable DSN parts (RFC 3464 2.1, RFC 6533 for the global ones). */
export const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
export const RETURNED_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);

/** Whether a top-level Content-Type (value and parameters) is an RFC 3464 delivery report. */
export function isDeliveryReportType(value: string, params: Readonly<Record<string, string>>): boolean {
  return value.toLowerCase() === 'multipart/report' && (params['report-type'] ?? '').trim().toLowerCase() === 'delivery-status';
}

function unfoldedLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').replace(/\n(?=[ \t])/g, '').split('\n');
}

export function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const semicolon = field.indexOf(';');
  // Plain first: a report is sender-controlled text, and PostgreSQL refuses NUL.
  const address = plainString(semicolon >= 0 ? field.slice(semicolon + 1) : field)
    .replace(/[<>\s]/g, '')
    .toLowerCase();
  return address.includes('@') && address.length <= MAX_EMAIL_CHARS ? address : null;
}

/**
 * The blocks of `Name: value` fields of a report part (DSN, RFC 3464 §2.1; MDN, RFC 8098 §3.1),
 * separated by empty lines; names lower-cased, values as written. Lines without a name are skipped.
 */
export function fieldBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [new Map()];
  for (const line of unfoldedLines(text)) {
    if (line.trim() === '') {
      blocks.push(new Map());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) blocks.at(-1)!.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1));
  }
  return blocks;
}

/** Failed recipients named in a message/delivery-status body. */
export function failedRecipients(statusText: string): string[] {
  const found: string[] = [];
  for (const fields of fieldBlocks(statusText)) {
    const action = (fields.get('action') ?? '').trim().split(/\s/)[0]!.toLowerCase();
    const address = addressOf(fields.get('final-recipient')) ?? addressOf(fields.get('original-recipient'));
    if (action === 'failed' && address) found.push(address);
  }
  return found;
}

/** The Message-ID in the header block of a returned message (or of returned headers), or null. */
export function returnedMessageId(returned: string): string | null {
  const text = returned.replace(/\r\n?/g, '\n');
  const blank = text.indexOf('\n\n');
  const headers = unfoldedLines(blank >= 0 ? text.slice(0, blank) : text);
  const line = headers.find((header) => /^message-id\s*:/i.test(header));
  return line ? firstMessageId([line.slice(line.indexOf(':') + 1)]) : null;
}

const RETURNED_PART = /^content-type:[ \t]*(?:message\/(?:rfc822|global)|text\/rfc822-headers)\b/im;
const RAW_SCAN_BYTES = 1024 * 1024;

/**
 * The returned headers found in the raw report, for a returned message the parser embedded (an
 * inline message/rfc822 part is parsed as part of the report, so it never arrives as a part of its
 * own): the bytes after the header block of the first returned-message part, up to 64 KiB.
 */
export function returnedFromRaw(raw: Buffer): string | null {
  const text = raw.toString('latin1', 0, Math.min(raw.length, RAW_SCAN_BYTES));
  const part = RETURNED_PART.exec(text);
  if (!part) return null;
  const blank = /\r?\n\r?\n/.exec(text.slice(part.index));
  return blank ? text.slice(part.index + blank.index + blank[0].length, part.index + blank.index + 64 * 1024) : null;
}

/**
 * The report, from the texts of its status parts, its returned part and X-Failed-Recipients.
 * @param statusTexts bodies of message/delivery-status parts
 * @param returned body of the returned message or headers part, or null when there is none
 * @param xFailedRecipients values of X-Failed-Recipients headers
 */
export function buildDeliveryReport(statusTexts: readonly string[], returned: string | null, xFailedRecipients: readonly string[]): DeliveryReport {
  const recipients = new Set<string>();
  for (const text of statusTexts) for (const address of failedRecipients(text)) recipients.add(address);
  for (const value of xFailedRecipients) {
    for (const entry of value.split(',')) {
      const address = addressOf(entry);
      if (address) recipients.add(address);
    }
  }
  return {
    originalMessageId: returned === null ? null : returnedMessageId(returned),
    failedRecipients: [...recipients].slice(0, MAX_RECIPIENTS),
  };
}
