/**
 * The shapes that flow through the inbound pipeline: raw bytes -> ParsedMessage (parse.ts) ->
 * Classification (classify.ts) -> ThreadDecision (thread.ts) -> IngestOutcome (ingest-message.ts).
 */
import type { REFUSAL_PHRASES } from '../outbound/templates.js';

export interface ParsedAddress {
  /** Lower-cased address. */
  email: string;
  /** Decoded display name (RFC 2047), control characters removed; null when absent. */
  name: string | null;
}

export interface ParsedAttachment {
  /** Display name: decoded, path separators, control and bidi characters removed, at most 255 chars. */
  filename: string;
  /** As declared by the sender, lower-cased, e.g. "application/pdf". */
  contentType: string;
  /** Type recognised from the bytes (magic numbers), e.g. "application/pdf"; null when unknown. */
  detectedType: string | null;
  content: Buffer;
  size: number;
  /** Hex SHA-256 of content. */
  sha256: string;
  /** Shown in the body (Content-Disposition inline with a Content-ID), e.g. a cid: image. */
  inline: boolean;
  /** Without angle brackets; null when absent. */
  contentId: string | null;
}

/** An attachment not stored as a ticket file, and why (listed on the ticket). */
/** Why an attachment was refused: a phrase of templates/phrases.json and its values, so the sender's notice can say it in their language. */
export interface RefusalReason {
  readonly phrase: (typeof REFUSAL_PHRASES)[number];
  readonly values: Readonly<Record<string, string | number>>;
}

export interface RefusedAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** In the default wording: what the ticket's history keeps (refusalRecord) and the API shows. */
  reason: string;
  /** The same reason, to be worded in the language of the notice's reader. */
  why: RefusalReason;
}

export interface AttachmentPolicy {
  /** Largest attachment in bytes (default 20 MiB). */
  maxBytes: number;
  /** Largest .jpg/.jpeg/.png in bytes (default 10 MiB). */
  maxImageBytes: number;
  /** Most attachments stored per message (default 10); the rest are refused. */
  maxCount: number;
  /** Allowed file extensions, lower case without dot (default jpg jpeg png gif pdf docx doc txt xlsx xls csv zip rar). */
  allowedExtensions: readonly string[];
}

export interface ParsedMessage {
  /** Message-ID without angle brackets; null when absent or empty. */
  messageId: string | null;
  inReplyTo: string | null;
  /** Message-IDs from References, oldest first, at most the last 50. */
  references: string[];
  /** Decoded subject; '' when absent. */
  subject: string;
  from: ParsedAddress | null;
  replyTo: ParsedAddress[];
  to: ParsedAddress[];
  cc: ParsedAddress[];
  /** Date header when valid and not in the future; null otherwise (the caller uses arrival time). */
  date: Date | null;
  /** Header values by lower-case name (decoded, unfolded), in order of appearance. */
  headers: ReadonlyMap<string, readonly string[]>;
  /** Plain text: the text part, else text derived from HTML. Valid UTF-8. */
  text: string;
  /** The new part of `text`: quoted history and signature removed. */
  visibleText: string;
  /** Sanitised HTML body; null when the message had none. */
  html: string | null;
  attachments: ParsedAttachment[];
  refused: RefusedAttachment[];
  /** Number of Received headers (loop detection). */
  receivedCount: number;
  /** For multipart/report delivery notices: the machine-readable parts, if any. */
  deliveryReport: DeliveryReport | null;
  /** For a read receipt (multipart/report of a disposition notification, parse/read-receipt.ts): what it says. */
  readReceipt: ReadReceipt | null;
  /**
   * The first mail attached whole (a message/rfc822 or message/global file part, as "Forward as
   * attachment" sends it), when no larger than the attachment size limit; a staff member's forward
   * is unpacked from it (forwarded-attachment.ts). Null when there is none.
   */
  attachedMessage: AttachedMessage | null;
  /** The group of ours that delivered it (own-group.ts: support@ as a Google Group); null when none did. Set after parsing. */
  viaGroup: string | null;
  /** It carries a calendar invitation or event the attachment policy does not store as a file (parse/calendar-parts.ts): in the raw message only. */
  calendar: boolean;
}

export interface AttachedMessage {
  /** The attached mail's bytes. */
  content: Buffer;
  /** Its entry in `refused` when the attachment policy refused it as a file (.eml is not allowed by default). */
  refusal: RefusedAttachment | null;
}

/** What a read receipt (RFC 8098) says; each field null when it does not say it. */
export interface ReadReceipt {
  /** Message-ID of the mail that was read. */
  originalMessageId: string | null;
  /** displayed, deleted, dispatched or processed. */
  disposition: string | null;
  /** Who read it (Final-Recipient). */
  recipient: string | null;
}

/** What a DSN (RFC 3464) or a non-standard bounce says. */
export interface DeliveryReport {
  /** Message-ID of the message that bounced, from the returned headers; null when not found. */
  originalMessageId: string | null;
  /** Addresses that failed permanently (Action: failed / X-Failed-Recipients). */
  failedRecipients: string[];
}

/** A message that cannot be ingested as it is: quarantined with this code and reason. */
export class UnprocessableMessageError extends Error {
  constructor(
    /** MESSAGE_UNPARSEABLE, HEADER_TOO_LARGE, TOO_DEEPLY_NESTED, TOO_MANY_PARTS, MESSAGE_TOO_LARGE */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UnprocessableMessageError';
  }
}
