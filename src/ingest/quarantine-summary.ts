/**
 * Who sent a quarantined message and what it is about, so admins can triage the list
 * (`quarantinedMessages`) without downloading every raw message: from the parsed message, else
 * from its header block alone (a message whose body cannot be parsed, or whose structure is too
 * deep, mostly has readable headers), else unknown. For a message too large to fetch, the IMAP
 * poller parses the few header lines the mail server hands over (too-large-notice.ts).
 */
import { parseMessage } from './parse.js';
import { bodyOffset } from './store.js';
import type { AttachmentPolicy, ParsedMessage } from './types.js';

export interface QuarantineSummary {
  sender: string | null;
  subject: string | null;
}

/** A header block longer than this is read only this far (the From and Subject lines are near the top). */
const HEADER_BYTES = 64 * 1024;
const SENDER_CHARS = 320;
const SUBJECT_CHARS = 300;
/** The header block's parse keeps no file. */
const NO_FILES: AttachmentPolicy = { maxBytes: 0, maxImageBytes: 0, maxCount: 0, allowedExtensions: [] };
const UNKNOWN: QuarantineSummary = { sender: null, subject: null };

export function summaryOfParsed(parsed: Pick<ParsedMessage, 'from' | 'subject'>): QuarantineSummary {
  return { sender: parsed.from?.email.slice(0, SENDER_CHARS) ?? null, subject: parsed.subject.trim().slice(0, SUBJECT_CHARS) || null };
}

/** @param raw a whole message, or only some of its header lines */
export async function summaryOfHeaders(raw: Buffer): Promise<QuarantineSummary> {
  const parsed = await parseHeaderBlock(raw);
  return parsed ? summaryOfParsed(parsed) : UNKNOWN; // not even the header block reads: the raw bytes are there to look at
}

/**
 * The header block of `raw` (its first HEADER_BYTES at most) parsed as a message without a body;
 * null when even that does not parse.
 * @param raw a whole message, or only some of its header lines
 */
export async function parseHeaderBlock(raw: Buffer): Promise<ParsedMessage | null> {
  const head = raw.subarray(0, Math.min(bodyOffset(raw), HEADER_BYTES));
  try {
    return await parseMessage(Buffer.concat([head, Buffer.from('\r\n\r\n')]), NO_FILES);
  } catch {
    return null;
  }
}
