/**
 * A customer's mail a staff member forwarded *as an attachment* (Outlook's, Gmail's and
 * Thunderbird's "Forward as attachment"): the original travels whole, as a message/rfc822 part,
 * not as a header block in the text (forwarded.ts reads those). It is a mail like any other, so
 * it is parsed like one, and the ticket gets what the customer sent as if it had been forwarded
 * inline: the original's sender, subject and CCs, its text below the agent's words after a
 * "Forwarded message" block, its files as the message's files.
 *
 * The attached .eml itself is then no refused file (it was unpacked, not dropped); the original's
 * own refused files are listed instead, and the count limit applies to all files together. The raw
 * source stays stored byte for byte, as for every message.
 */
import { escapeHtml } from '../outbound/sanitize.js';
import { emailAddress } from '../people/email-address.js';
import { parseMessage } from './parse.js';
import { refused } from './parse/attachments.js';
import { boundText } from './parse/body-text.js';
import { sanitizeMessageHtml } from './parse/sanitize-html.js';
import type { ForwardedOriginal } from './forwarded.js';
import { UnprocessableMessageError, type AttachmentPolicy, type ParsedAddress, type ParsedMessage } from './types.js';

/** A forward and its original: who wrote the original, and the message the ticket stores. */
export interface ForwardedMail {
  original: ForwardedOriginal;
  /** The forward with the original's text and files merged in: what the ticket stores. */
  parsed: ParsedMessage;
}

const validEmail = emailAddress();

/**
 * The mail attached to `parsed` as the original of a forward, or null when there is none, it cannot
 * be parsed, or its sender is no valid address (the forward is then stored as it came).
 */
export async function attachedForward(parsed: ParsedMessage, policy: AttachmentPolicy): Promise<ForwardedMail | null> {
  if (!parsed.attachedMessage) return null;
  let original: ParsedMessage;
  try {
    original = await parseMessage(parsed.attachedMessage.content, policy);
  } catch (error) {
    if (error instanceof UnprocessableMessageError) return null;
    throw error;
  }
  if (!original.from || !validEmail.safeParse(original.from.email).success) return null;
  return {
    original: { from: original.from, cc: original.cc, subject: original.subject.trim() || null },
    parsed: mergedForward(parsed, original, policy.maxCount),
  };
}

function mergedForward(forward: ParsedMessage, original: ParsedMessage, maxCount: number): ParsedMessage {
  const block = forwardedBlock(original);
  const room = Math.max(0, maxCount - forward.attachments.length);
  const overflow = original.attachments.slice(room).map((part) => refused(part, { phrase: 'refused-too-many', values: { max: maxCount } }));
  const html = forward.html === null && original.html === null ? null : sanitizeMessageHtml(`${forward.html ?? preformatted(forward.text)}<hr>${preformatted(block)}${original.html ?? preformatted(original.text)}`);
  return {
    ...forward,
    text: boundText(`${forward.text.trimEnd()}\n\n${block}\n\n${original.text}`),
    visibleText: [forward.visibleText, block, original.visibleText].filter(Boolean).join('\n\n'),
    html,
    attachments: [...forward.attachments, ...original.attachments.slice(0, room)],
    refused: [...forward.refused.filter((r) => r !== forward.attachedMessage?.refusal), ...original.refused, ...overflow],
    attachedMessage: null,
  };
}

/** The header block mail clients put above a forwarded mail, from the original's headers. */
function forwardedBlock(original: ParsedMessage): string {
  const lines = [
    '---------- Forwarded message ---------',
    `From: ${mailbox(original.from!)}`,
    original.date ? `Date: ${original.date.toUTCString()}` : null,
    original.subject ? `Subject: ${original.subject}` : null,
    original.to.length > 0 ? `To: ${original.to.map(mailbox).join(', ')}` : null,
    original.cc.length > 0 ? `Cc: ${original.cc.map(mailbox).join(', ')}` : null,
  ];
  return lines.filter((line) => line !== null).join('\n');
}

function mailbox(address: ParsedAddress): string {
  return address.name ? `${address.name} <${address.email}>` : address.email;
}

function preformatted(text: string): string {
  return `<pre>${escapeHtml(text)}</pre>`;
}
