/**
 * Raw message bytes -> ParsedMessage. The only file that imports mailparser (in maintenance mode:
 * a swap to another parser stays here); the rules live in ./parse/, one small module each.
 *
 * Limits first (./parse/limits.ts): the structure is pre-scanned, so a message that would cost the
 * parser unbounded time or stack is quarantined before it is parsed. Then mailparser's streaming
 * MailParser (not simpleParser) runs with link detection and text-to-HTML off (TESTPLAN S10, M9);
 * each attachment is read from its stream, hashed, checked against the policy and released, so a
 * refused 20 MB part never sits in memory and the parser never stalls on an unreleased part.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MailParser, parseAddressHeader, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';
import type { AttachedMessage, AttachmentPolicy, ParsedAttachment, ParsedMessage, RefusedAttachment } from './types.js';
import { UnprocessableMessageError } from './types.js';
import { addressPrefix, firstAddress, toAddressList, type AddressEntry } from './parse/addresses.js';
import { detectType, refusalReason, refused, sizeLimit } from './parse/attachments.js';
import { isCalendarPart } from './parse/calendar-parts.js';
import { cryptoPart } from './parse/crypto-parts.js';
import { dataImageExtension, findDataImagesInHtml, findDataImagesInText, replaceMatches } from './parse/data-images.js';
import { DISPOSITION_TYPES, isReadReceiptType, readReceiptOf } from './parse/read-receipt.js';
import { bannerMatcher } from './parse/banners.js';
import { boundText, stripHtml } from './parse/body-text.js';
import { buildDeliveryReport, isDeliveryReportType, RETURNED_TYPES, returnedFromRaw, STATUS_TYPES } from './parse/delivery-report.js';
import { extensionOf, safeFilename, unnamedFilename } from './parse/filenames.js';
import { headerMap, rawHeaderValue } from './parse/header-values.js';
import { firstMessageId, headerDate, referenceIds } from './parse/identifiers.js';
import { checkStructure, MAX_CONTENT_TYPE_CHARS, MAX_HEADER_BYTES, MAX_HTML_TO_TEXT_CHARS, MAX_MESSAGE_ID_CHARS, MAX_PARTS } from './parse/limits.js';
import { plainString } from './parse/plain-string.js';
import { readPart } from './parse/read-part.js';
import { sanitizeMessageHtml } from './parse/sanitize-html.js';
import { visibleText } from './parse/visible-text.js';

const MIB = 1024 * 1024;

/** B's defaults (TESTPLAN S12): 20 MB per file, 10 MB per image, 10 files, common office types. */
export const DEFAULT_ATTACHMENT_POLICY: AttachmentPolicy = Object.freeze({
  maxBytes: 20 * MIB,
  maxImageBytes: 10 * MIB,
  maxCount: 10,
  allowedExtensions: Object.freeze(['jpg', 'jpeg', 'png', 'gif', 'pdf', 'docx', 'doc', 'txt', 'xlsx', 'xls', 'csv', 'zip', 'rar']),
});

/** The machine-readable parts of a DSN are read as text up to this size; they are small. */
const REPORT_PART_BYTES = 256 * 1024;
/** A mail attached whole (parts shown inline are part of the body instead). */
const ATTACHED_MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);
/** Enough first bytes of a refused part to recognise its type by its magic number. */
const SIGNATURE_BYTES = 64;
/** A parse that has not finished after this long is given up (quarantined), never awaited forever. */
const PARSE_TIMEOUT_MS = 60_000;
/** Feeding the parser in slices (views, not copies) lets it yield between them. */
const FEED_CHUNK_BYTES = 64 * 1024;

interface Collected {
  headerLines: HeaderLines;
  isReport: boolean;
  isReadReceipt: boolean;
  /** The text of a read receipt's disposition-notification part. */
  disposition: string | null;
  text: MessageText | null;
  attachments: ParsedAttachment[];
  refused: RefusedAttachment[];
  statusTexts: string[];
  returned: string | null;
  inlineCount: number;
  attachedMessage: AttachedMessage | null;
  calendar: boolean;
}

export interface ParseOptions {
  /** The clock for rejecting future Date headers (default: now). */
  readonly now?: Date;
  /** The line above our mail where a reply's new part ends (REPLY_MARKER); null or absent: none. */
  readonly replyMarker?: string | null;
  /** Warning banners of the desk's own mail system, left out of text and HTML (EXTERNAL_BANNERS). */
  readonly banners?: readonly string[];
}

/**
 * Parses one raw message.
 * @param raw the message exactly as received (RFC 5322, any line endings)
 * @param policy which attachments to keep (DEFAULT_ATTACHMENT_POLICY unless configured)
 * @throws UnprocessableMessageError HEADER_TOO_LARGE, TOO_MANY_PARTS, TOO_DEEPLY_NESTED, or
 *   MESSAGE_UNPARSEABLE with mailparser's reason
 */
export async function parseMessage(raw: Buffer, policy: AttachmentPolicy, options: ParseOptions = {}): Promise<ParsedMessage> {
  const { now = new Date(), replyMarker = null } = options;
  const banners = bannerMatcher(options.banners ?? []);
  checkStructure(raw);
  const mail = await runParser(raw, policy);
  await takeDataImages(mail, policy);
  const headers = headerMap(mail.headerLines);
  const rawValues = (key: string): string[] => mail.headerLines.filter((line) => line.key === key).map((line) => rawHeaderValue(line.line));
  const addresses = (key: string): AddressEntry[] => parseAddressHeader(rawValues(key).map((value) => addressPrefix(value)), { flatten: true }).value;

  const html = mail.text?.html ? sanitizeMessageHtml(mail.text.html, banners) : null;
  let text = mail.text?.text ?? '';
  // html-to-text was skipped (too long or too deep) or failed: derive text linearly instead of none.
  if (!text.trim() && mail.text?.html && mail.text.textConversionError) text = stripHtml(mail.text.html);
  text = boundText(text);
  if (banners) text = banners.stripLeading(text);

  return {
    messageId: firstMessageId(headers.get('message-id')),
    inReplyTo: firstMessageId(headers.get('in-reply-to')),
    // From the uncapped raw values: the ids that count are the last ones of a long header.
    references: referenceIds(rawValues('references')),
    subject: headers.get('subject')?.[0] ?? '',
    from: firstAddress(addresses('from')),
    replyTo: toAddressList(addresses('reply-to')),
    to: toAddressList(addresses('to')),
    cc: toAddressList(addresses('cc')),
    date: headerDate(headers.get('date'), now),
    headers,
    text,
    visibleText: visibleText(text, replyMarker),
    html,
    attachments: mail.attachments,
    refused: mail.refused,
    receivedCount: headers.get('received')?.length ?? 0,
    readReceipt: mail.isReadReceipt ? readReceiptOf(mail.disposition) : null,
    deliveryReport: mail.isReport ? buildDeliveryReport(mail.statusTexts, mail.returned ?? returnedFromRaw(raw), headers.get('x-failed-recipients') ?? []) : null,
    attachedMessage: mail.attachedMessage,
    calendar: mail.calendar,
    viaGroup: null,
  };
}

/** mailparser's own limit errors (code EMAXLEN) map onto our quarantine codes; anything else is unparseable. */
function unprocessable(error: unknown): UnprocessableMessageError {
  if (error instanceof UnprocessableMessageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/header size/i.test(message)) {
    return new UnprocessableMessageError('HEADER_TOO_LARGE', `a header block is larger than ${MAX_HEADER_BYTES} bytes (${message})`, { cause: error });
  }
  if (/child nodes/i.test(message)) {
    return new UnprocessableMessageError('TOO_MANY_PARTS', `more than ${MAX_PARTS} MIME parts (${message})`, { cause: error });
  }
  return new UnprocessableMessageError('MESSAGE_UNPARSEABLE', `unparseable message: ${message}`, { cause: error });
}

function* slices(raw: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < raw.length; offset += FEED_CHUNK_BYTES) yield raw.subarray(offset, offset + FEED_CHUNK_BYTES);
}

function runParser(raw: Buffer, policy: AttachmentPolicy): Promise<Collected> {
  const parser = new MailParser({
    skipTextLinks: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    keepDeliveryStatus: true,
    checksumAlgo: false,
    maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
    maxHeadSize: MAX_HEADER_BYTES,
    maxChildNodes: MAX_PARTS,
  });
  const mail: Collected = { headerLines: [], isReport: false, isReadReceipt: false, disposition: null, text: null, attachments: [], refused: [], statusTexts: [], returned: null, inlineCount: 0, attachedMessage: null, calendar: false };
  return new Promise<Collected>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      if (error === null) resolve(mail);
      else reject(unprocessable(error));
    };
    // Limits make a stall unlikely; this turns one into a quarantine instead of a blocked mailbox.
    const watchdog = setTimeout(() => settle(new Error(`parser did not finish within ${PARSE_TIMEOUT_MS / 1000} s`)), PARSE_TIMEOUT_MS);
    // The parser waits for release() before the next part, so parts are handled in order.
    let queue = Promise.resolve();
    parser.on('headers', (headers: Headers) => {
      mail.isReport = isReport(headers, isDeliveryReportType);
      mail.isReadReceipt = isReport(headers, isReadReceiptType);
    });
    parser.on('headerLines', (lines: HeaderLines) => {
      mail.headerLines = lines;
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        mail.text = data;
        return;
      }
      // Released in every case: an unreleased part stalls the parser (STACK.md trap).
      queue = queue
        .then(() => (settled ? undefined : takePart(data, mail, policy)))
        .catch(settle)
        .finally(() => data.release?.());
    });
    parser.on('error', settle);
    parser.on('end', () => void queue.then(() => settle(null)));
    Readable.from(slices(raw)).pipe(parser);
  });
}

/** Whether the top-level Content-Type is a report of the kind `test` recognises. */
function isReport(headers: Headers, test: (value: string, params: Record<string, string>) => boolean): boolean {
  const contentType = headers.get('content-type') as { value?: unknown; params?: unknown } | undefined;
  const { value, params } = contentType ?? {};
  if (typeof value !== 'string' || typeof params !== 'object' || params === null) return false;
  return test(value, params as Record<string, string>);
}

/** Reads one attachment part and files it as stored, refused, or DSN report material. */
async function takePart(part: AttachmentStream, mail: Collected, policy: AttachmentPolicy): Promise<void> {
  // One-line fields, stored and shown: no NUL or control characters, whatever the part's header
  // said, and no type longer than a media type can be (bytes of no known type, then). mailparser
  // gives `false` for an empty Content-Type.
  const declared = typeof part.contentType === 'string' ? plainString(part.contentType).toLowerCase() : '';
  const contentType = declared && declared.length <= MAX_CONTENT_TYPE_CHARS ? declared : 'application/octet-stream';
  if (mail.isReport && (STATUS_TYPES.has(contentType) || (RETURNED_TYPES.has(contentType) && mail.returned === null))) {
    const { head } = await readPart(part.content, 0, REPORT_PART_BYTES);
    if (STATUS_TYPES.has(contentType)) mail.statusTexts.push(head.toString('utf8'));
    else mail.returned = head.toString('utf8');
    return;
  }
  // A read receipt's report part, and the mail it returns: what the receipt says, not files.
  if (mail.isReadReceipt && (DISPOSITION_TYPES.has(contentType) || RETURNED_TYPES.has(contentType))) {
    const { head } = await readPart(part.content, 0, REPORT_PART_BYTES);
    if (DISPOSITION_TYPES.has(contentType)) mail.disposition ??= head.toString('utf8');
    return;
  }
  // Longer than a header line may be: no cid: reference can name it, and the column would refuse it.
  const cid = typeof part.cid === 'string' ? plainString(part.cid) : '';
  const contentId = cid && cid.length <= MAX_MESSAGE_ID_CHARS ? cid : null;
  const inline = contentId !== null && (part.contentDisposition === 'inline' || part.related === true);
  const given = part.filename ?? locationName(part.headers);
  const filename = given ? safeFilename(given) : unnamedFilename(contentType, inline ? ++mail.inlineCount : null);
  const extension = extensionOf(filename);
  // The first mail attached whole is read even when policy refuses it as a file: it may be a
  // customer's mail a staff member forwarded, unpacked later (forwarded-attachment.ts).
  const attachedMessage = ATTACHED_MESSAGE_TYPES.has(contentType) && mail.attachedMessage === null;
  const keep = Math.max(policy.allowedExtensions.includes(extension) ? sizeLimit(extension, policy) : 0, attachedMessage ? policy.maxBytes : 0);
  // A part not kept is still recognised by its first bytes, so a refusal can say what it was.
  const { content, head, size, sha256 } = await readPart(part.content, keep, SIGNATURE_BYTES);
  const detected = await detectType(content ?? head);
  let reason = refusalReason(filename, size, detected, mail.attachments.length, policy);
  if (reason !== null) {
    if (isCalendarPart(head)) {
      mail.calendar = true; // an invitation, not the customer's file; the raw message keeps it
      return;
    }
    const crypto = cryptoPart(contentType, contentTypeParam(part.headers, 'smime-type'), content ?? head, extension);
    if (crypto?.kind === 'signature' || crypto?.kind === 'control') return; // not the customer's file; the raw message keeps it
    if (crypto?.kind === 'encrypted') reason = crypto.reason;
  }
  if (reason !== null || content === null) {
    const refusal = refused({ filename, contentType, size }, reason ?? { phrase: 'refused-unreadable', values: {} });
    mail.refused.push(refusal);
    if (attachedMessage && content) mail.attachedMessage = { content, refusal };
    return;
  }
  mail.attachments.push({ filename, contentType, detectedType: detected?.mime ?? null, content, size, sha256, inline, contentId });
  if (attachedMessage) mail.attachedMessage = { content, refusal: null };
}

/** A parameter of a part's Content-Type (mailparser keeps them parsed), or null. */
function contentTypeParam(headers: Headers, name: string): string | null {
  const params = (headers.get('content-type') as { params?: Record<string, unknown> } | undefined)?.params;
  const value = params?.[name];
  return typeof value === 'string' ? value : null;
}

/**
 * Images embedded in the HTML as data: URLs become inline image files under the same policy as
 * parts (./parse/data-images.ts): in the HTML a cid: reference to the file takes the URL's place
 * (a refused one's image is left out), and in text derived from the HTML "[inline-1.png]" takes
 * the base64's. One image embedded twice is one file.
 */
async function takeDataImages(mail: Collected, policy: AttachmentPolicy): Promise<void> {
  const html = mail.text?.html;
  const matches = html ? findDataImagesInHtml(html) : [];
  if (!html || matches.length === 0) return;
  const taken = new Map<string, { filename: string; source: string }>();
  for (const { key, contentType, content } of matches) {
    if (taken.has(key)) continue;
    const filename = `inline-${++mail.inlineCount}.${dataImageExtension(contentType)}`;
    const detected = await detectType(content);
    const reason = refusalReason(filename, content.length, detected, mail.attachments.length, policy);
    if (reason !== null) {
      mail.refused.push(refused({ filename, contentType, size: content.length }, reason));
      taken.set(key, { filename, source: '' });
      continue;
    }
    const sha256 = createHash('sha256').update(content).digest('hex');
    const contentId = `data-image-${sha256.slice(0, 24)}@postdesk.invalid`;
    mail.attachments.push({ filename, contentType, detectedType: detected?.mime ?? null, content, size: content.length, sha256, inline: true, contentId });
    taken.set(key, { filename, source: `cid:${contentId}` });
  }
  const text = mail.text!.text;
  mail.text = {
    ...mail.text!,
    html: replaceMatches(html, matches, (match) => taken.get(match.key)!.source),
    text: text && replaceMatches(text, findDataImagesInText(text).filter((match) => taken.has(match.key)), (match) => `[${taken.get(match.key)!.filename}]`),
  };
}

/** RFC 2557 Content-Location names some inline parts that have no filename (Apple Mail). */
function locationName(headers: Headers): string | undefined {
  const location = headers.get('content-location');
  return typeof location === 'string' ? location.split(/[?#]/)[0] : undefined;
}
