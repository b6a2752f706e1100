/**
 * What rules can look at in an inbound message, computed once per message. String facts are kept
 * lower-cased beside the original, because every operator but `matches` compares case-insensitively.
 */
import { stripForgeableHeaders } from '../ingest/classify.js';
import type { ParsedMessage } from '../ingest/types.js';
import { REPLY_PREFIX } from '../mail/headers.js';
import { deliveredTo } from '../mail/delivered-to.js';

export interface MessageFacts {
  from: string | null;
  fromDomain: string | null;
  /** To and Cc addresses, plus the address of the mailbox it arrived in and those it was delivered to (envelope, delivery headers). */
  to: string[];
  subject: string;
  body: string;
  /** Header values by lower-case name, without those a sender could forge to steer us (X-Postdesk-*, Authentication-Results). */
  headers: ReadonlyMap<string, readonly string[]>;
  hasAttachment: boolean;
  /** Declared and detected content types of stored and refused attachments, lower-case. */
  attachmentTypes: string[];
  /** Name of the mailbox it arrived in (`smtp`, `pipe` for the other doors). */
  mailbox: string;
  /** In-Reply-To or References present, or a reply prefix on the subject. */
  isReply: boolean;
}

/** Where a message arrived: the mailbox (or door) and, from the SMTP door, the envelope's RCPT TO addresses. */
export interface Arrival {
  name: string;
  address: string | null;
  envelopeRecipients?: readonly string[];
}

export function messageFacts(parsed: ParsedMessage, arrival: Arrival): MessageFacts {
  const from = parsed.from?.email ?? null;
  const to = [...parsed.to, ...parsed.cc].map((a) => a.email);
  if (arrival.address) to.push(arrival.address.toLowerCase());
  to.push(...(arrival.envelopeRecipients ?? []).map((a) => a.toLowerCase()), ...deliveredTo(parsed.headers));
  const attachmentTypes = new Set<string>();
  for (const a of parsed.attachments) {
    attachmentTypes.add(a.contentType);
    if (a.detectedType) attachmentTypes.add(a.detectedType);
  }
  for (const r of parsed.refused) attachmentTypes.add(r.contentType);
  return {
    from,
    fromDomain: from ? from.slice(from.lastIndexOf('@') + 1) : null,
    to: [...new Set(to)],
    subject: parsed.subject,
    body: parsed.text,
    headers: stripForgeableHeaders(parsed.headers),
    hasAttachment: parsed.attachments.length + parsed.refused.length > 0,
    attachmentTypes: [...attachmentTypes],
    mailbox: arrival.name,
    isReply: parsed.inReplyTo !== null || parsed.references.length > 0 || REPLY_PREFIX.test(parsed.subject),
  };
}

