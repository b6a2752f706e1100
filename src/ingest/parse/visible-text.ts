/**
 * The new part of a message: its text without quoted history and signature.
 *
 * Rules: email-reply-parser decides (quote headers in many languages, "> " blocks, Outlook's
 * "-----Original Message-----" and "From: … Sent: …" blocks, signatures); when it leaves nothing
 * (a message that is all quote) the result is empty: that is how a bare quote is told from a
 * real reply (it must not reopen a closed ticket); the full text stays stored beside it. Outlook's
 * header block without "Original Message" line and without an address ("From: Jane Doe" / "Sent:
 * …" / "To: …") escapes the library, so a From line directly followed by a Sent or Date line with
 * a To or Subject line right after cuts the text too (English, German, French, Dutch, Italian,
 * Spanish labels, optionally *bold*). First of all, our own mail starts with a reply marker
 * (REPLY_MARKER, "## Please type your reply above this line ##"): where a reply quotes it, what is
 * above is the new part, in any language and from any client; a reply with nothing above it
 * (written under the quote) is read as if there were no marker. A message signed inline with
 * OpenPGP (RFC 4880 §7: "-----BEGIN PGP SIGNED MESSAGE-----", armor headers, the dash-escaped
 * text, the signature block) shows only its text: the armor is no news.
 *
 * Bounds: the library's regular expressions are quadratic on some inputs (16 KB of blank lines
 * took 2.2 s, 64 KB 35 s; 64 KB of "From: a <" 1 s). So it only sees a normalised copy of the
 * first 32 KiB (worst case seen: ~50 ms): trailing whitespace trimmed, blank-line runs collapsed
 * to one, lines cut into 1,000-character pieces. A reply's new part comes first, so when nothing
 * but blank lines is hidden in that prefix, the whole text is the visible text.
 */
import EmailReplyParser from 'email-reply-parser';

const MAX_INPUT_CHARS = 32 * 1024;
const MAX_LINE_CHARS = 1000;
const OUTLOOK_FROM = /^[ \t]*\*?(?:from|von|de|van|da)[ \t]*:/i;
const OUTLOOK_SENT = /^[ \t]*\*?(?:sent|date|gesendet|datum|envoy[ée]|verzonden|inviato|enviado)[ \t]*:/i;
const OUTLOOK_TO = /^[ \t]*\*?(?:to|cc|subject|an|betreff|[àa]|objet|aan|onderwerp|oggetto|para|asunto)[ \t]*:/i;

function normalise(text: string): string {
  const out: string[] = [];
  let blank = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    if (!line) {
      if (!blank) out.push('');
      blank = true;
      continue;
    }
    blank = false;
    for (let i = 0; i < line.length; i += MAX_LINE_CHARS) out.push(line.slice(i, i + MAX_LINE_CHARS));
  }
  return out.join('\n');
}

/** `text` up to an Outlook header block (From, Sent, To/Subject lines), or unchanged when it has none. */
function cutOutlookHeader(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i + 2 < lines.length; i++) {
    if (OUTLOOK_FROM.test(lines[i]!) && OUTLOOK_SENT.test(lines[i + 1]!) && lines.slice(i + 2, i + 5).some((line) => OUTLOOK_TO.test(line))) {
      return lines.slice(0, i).join('\n').trimEnd();
    }
  }
  return text;
}

/**
 * The visible (new) part of `text`.
 * @param text the message's plain text
 * @param replyMarker the line above our mail (REPLY_MARKER): a reply's new part ends where it is
 *   quoted, whatever the mail client wrote around it; null: none
 */
export function visibleText(signed: string, replyMarker: string | null = null): string {
  const text = withoutCleartextSignature(signed);
  const split = replyMarker ? splitAtMarker(text, replyMarker) : null;
  if (!split) return newPart(text);
  // Nothing above the marker: the answer may be under the quote (bottom-posting); else a bare quote.
  return newPart(split.above) || (split.below === null ? '' : newPart(split.below));
}

const SIGNED_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE_BEGIN = '-----BEGIN PGP SIGNATURE-----';
const SIGNATURE_END = '-----END PGP SIGNATURE-----';
/** A message signed inside a signed message (a forward of one) is unwrapped too, this many deep. */
const MAX_SIGNED_DEPTH = 3;

/**
 * `text` with each complete OpenPGP cleartext-signature frame replaced by its signed text, the
 * dash-escaping undone ("- -----BEGIN" back to "-----BEGIN"); text around a frame stays. A frame
 * without its signature's end is left as it is. The signature is not verified.
 */
export function withoutCleartextSignature(text: string): string {
  if (!text.includes(SIGNED_BEGIN)) return text;
  let lines = text.split(/\r\n|\r|\n/);
  for (let depth = 0; depth < MAX_SIGNED_DEPTH; depth++) {
    const begin = lines.findIndex((line) => line.trimEnd() === SIGNED_BEGIN);
    if (begin < 0) break;
    const body = lines.findIndex((line, i) => i > begin && line.trim() === ''); // armor headers ("Hash: SHA256") end at a blank line
    const signature = lines.findIndex((line, i) => i > body && line.trimEnd() === SIGNATURE_BEGIN);
    const end = lines.findIndex((line, i) => i > signature && line.trimEnd() === SIGNATURE_END);
    if (body < 0 || signature < 0 || end < 0) break;
    const signed = lines.slice(body + 1, signature).map((line) => (line.startsWith('- ') ? line.slice(2) : line));
    lines = [...lines.slice(0, begin), ...signed, ...lines.slice(end + 1)];
  }
  return lines.join('\n');
}

function newPart(text: string): string {
  return cutOutlookHeader(replyParserVisible(text)).trim();
}

const markerKey = (line: string): string => line.replace(/^[\s>]+/, '').trim().replace(/\s+/g, ' ').toLowerCase();
const QUOTED = /^\s*>/;

/**
 * `text` around the first line that is the marker: the lines above it without the client's
 * attribution line, and, when the marker is quoted, what follows the quote; null when no line is
 * the marker.
 */
function splitAtMarker(text: string, marker: string): { above: string; below: string | null } | null {
  const key = markerKey(marker);
  const lines = text.slice(0, MAX_INPUT_CHARS).split(/\r\n|\r|\n/);
  const at = lines.findIndex((line) => line.length <= 2 * marker.length + 20 && markerKey(line) === key);
  if (at < 0) return null;
  const above = lines.slice(0, at);
  while (above.length > 0 && above.at(-1)!.trim() === '') above.pop();
  let after = at + 1;
  while (after < lines.length && (QUOTED.test(lines[after]!) || lines[after]!.trim() === '')) after++;
  return { above: withoutAttribution(above).join('\n'), below: QUOTED.test(lines[at]!) ? lines.slice(after).join('\n') : null };
}

/**
 * Lines without a last paragraph that introduces a quote in whatever language ("On Tue, 1 Dec 2026
 * at 10:00, Support <support@…> wrote:", "ti 1.12.2026 klo 10.00 Support kirjoitti:"): at most two
 * lines, ending in a colon, naming an address or a time of day. A customer's own last line rarely
 * looks like that right above the quote; if it does, it stays in bodyText.
 */
function withoutAttribution(lines: string[]): string[] {
  let start = lines.length;
  while (start > 0 && lines[start - 1]!.trim() !== '' && lines.length - start < 3) start--;
  const paragraph = lines.slice(start).join(' ').trim();
  const attribution = lines.length - start <= 2 && paragraph.endsWith(':') && /@|\b\d{1,2}[:.]\d{2}\b/.test(paragraph) && (start === 0 || lines[start - 1]!.trim() === '');
  return attribution ? lines.slice(0, start) : lines;
}

function replyParserVisible(text: string): string {
  const prefix = normalise(text.slice(0, MAX_INPUT_CHARS));
  let email;
  try {
    email = new EmailReplyParser().read(prefix);
  } catch {
    return text;
  }
  // Nothing but blank lines hidden in the prefix: the whole text is new (and keeps its own line breaks).
  if (!email.getFragments().some((fragment) => fragment.isHidden() && fragment.getContent().trim() !== '')) return text;
  return email.getVisibleText().trim();
}
