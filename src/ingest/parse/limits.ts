/**
 * Parser limits, and a cheap pre-scan of the raw bytes that enforces the structural ones before
 * mailparser sees the message (TESTPLAN M2, M3, M4).
 *
 * Rule: a top-level header block over 1 MiB, more than 10,000 MIME parts or multipart nesting deeper
 * than 100 makes the message unprocessable (quarantined with the raw bytes kept), instead of
 * costing the parser time and memory or its recursive tree walk a stack overflow.
 */
import { UnprocessableMessageError } from '../types.js';

/** Ten times Postfix's header_size_limit (102,400), as TESTPLAN M4 proposes. */
export const MAX_HEADER_BYTES = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MAX_DEPTH = 100;
/** Each decoded header value (RFC 5322 2.1.1 caps a line at 998 octets; folded values may be longer). */
export const MAX_HEADER_VALUE_CHARS = 64 * 1024;
/** Plain text kept per message; more is cut with TRUNCATED_MARKER. */
export const MAX_TEXT_CHARS = 1024 * 1024;
/** HTML given to the sanitiser (2 MB of tag-dense HTML took ~0.4 s); more is cut with a marker. */
export const MAX_HTML_CHARS = 1024 * 1024;
/** HTML longer than this is not given to mailparser's html-to-text (it is slow on big input). */
export const MAX_HTML_TO_TEXT_CHARS = 512 * 1024;
/** Deepest element nesting the sanitiser sees (browsers flatten beyond 512 anyway). */
export const MAX_HTML_DEPTH = 256;
/** Per address list (TESTPLAN M5); the ticket layer stores at most 50 CCs of them. */
export const MAX_RECIPIENTS = 1000;
export const MAX_REFERENCES = 50;
/** RFC 5322 2.1.1: no line, and so no sane msg-id, is longer than 998 characters. */
export const MAX_MESSAGE_ID_CHARS = 998;
/**
 * And no line is longer than 998 octets, however its UTF-8 is counted (RFC 6532 allows UTF-8 in
 * headers): 998 characters of other scripts are about 3,000 bytes, past the 2,704 bytes of a
 * btree index entry, and the message row with such an id could not be stored.
 */
export const MAX_MESSAGE_ID_BYTES = 998;
/** RFC 6838 4.2: type and subtype are at most 127 characters each. */
export const MAX_CONTENT_TYPE_CHARS = 255;
export const TRUNCATED_MARKER = '[… truncated]';

const LF = 0x0a;
const DASH = 0x2d;
const BOUNDARY_PARAM = /\bboundary\s*=\s*(?:"([^"]{1,200})"|([^\s;()"]{1,200}))/i;
const RFC822_TYPE = /^content-type\s*:\s*message\/(?:rfc822|global)\b/i;

/** Offset of the blank line that ends the top-level header block (RFC 5322 2.1), or -1. */
export function headerBlockEnd(raw: Buffer, searchLimit = raw.length): number {
  const window = raw.subarray(0, Math.min(raw.length, searchLimit));
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  if (crlf < 0) return lf;
  return lf < 0 ? crlf : Math.min(crlf, lf);
}

/**
 * Throws UnprocessableMessageError when the raw message breaks a structural limit.
 *
 * Approximation (linear, one pass over the lines): parts are counted as delimiter lines
 * (`--boundary`, RFC 2046 5.1.1) of a boundary declared by an enclosing header block; nesting is
 * the stack of open multipart boundaries plus embedded message/rfc822 headers. A `boundary=`
 * parameter on a non-multipart Content-Type still counts, so both figures are upper bounds of what
 * mailparser (mailsplit) would build; ordinary mail is far below either limit.
 */
export function checkStructure(raw: Buffer): void {
  const end = headerBlockEnd(raw, MAX_HEADER_BYTES + 4);
  if ((end < 0 && raw.length > MAX_HEADER_BYTES) || end > MAX_HEADER_BYTES) {
    throw new UnprocessableMessageError('HEADER_TOO_LARGE', `header block larger than ${MAX_HEADER_BYTES} bytes`);
  }
  // Stack entries: a multipart boundary, or null for an embedded message (which closes with its container).
  const stack: (string | null)[] = [];
  let inHeaders = true;
  let embedded = false;
  let parts = 0;
  for (let start = 0; start < raw.length; ) {
    let stop = raw.indexOf(LF, start);
    if (stop < 0) stop = raw.length;
    const lineEnd = stop > start && raw[stop - 1] === 0x0d ? stop - 1 : stop;
    if (lineEnd - start >= 2 && raw[start] === DASH && raw[start + 1] === DASH) {
      const token = raw.toString('latin1', start + 2, lineEnd).trimEnd();
      const open = stack.lastIndexOf(token);
      const close = token.endsWith('--') ? stack.lastIndexOf(token.slice(0, -2)) : -1;
      if (open >= 0) {
        stack.length = open + 1;
        inHeaders = true;
        embedded = false;
        if (++parts > MAX_PARTS) throw new UnprocessableMessageError('TOO_MANY_PARTS', `more than ${MAX_PARTS} MIME parts`);
      } else if (close >= 0) {
        stack.length = close;
        inHeaders = false;
      }
    } else if (inHeaders) {
      if (lineEnd === start) {
        // RFC 2046 5.2.1: an embedded message starts with its own header block.
        inHeaders = embedded;
        if (embedded) pushLevel(stack, null);
        embedded = false;
      } else {
        const line = raw.toString('latin1', start, Math.min(lineEnd, start + 4096));
        const boundary = BOUNDARY_PARAM.exec(line);
        const value = boundary?.[1] ?? boundary?.[2];
        if (value) pushLevel(stack, value);
        if (RFC822_TYPE.test(line)) embedded = true;
      }
    }
    start = stop + 1;
  }
}

function pushLevel(stack: (string | null)[], entry: string | null): void {
  stack.push(entry);
  if (stack.length > MAX_DEPTH) {
    throw new UnprocessableMessageError('TOO_DEEPLY_NESTED', `MIME parts nested deeper than ${MAX_DEPTH} levels`);
  }
}
