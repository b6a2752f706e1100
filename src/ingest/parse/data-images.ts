/**
 * Images embedded in HTML as data: URLs (`<img src="data:image/png;base64,…">`), as some webmail
 * editors, mobile clients pasting a screenshot and contact-form or monitoring generators send
 * them, instead of as MIME parts referenced by cid:.
 *
 * The sanitiser removes every data: URL (TESTPLAN S1), so such a screenshot would be visible only
 * in the raw source, and its base64 would fill the plain text derived from the HTML
 * ("shot [data:image/png;base64,iVBORw0…]", hundreds of kilobytes for one screenshot) and push the
 * rest of the HTML past the 1 MiB that is kept. Here they are found, so that parse.ts can file
 * each one as an inline image under the attachment policy and put a reference in its place.
 *
 * Found by scanning, not by a regular expression over whole tags: each `src=` is matched where it
 * stands and its tag checked by looking back to the nearest `<`, so the work stays linear in the
 * length of the HTML whatever its shape. The sanitiser still runs over the result.
 */

/** An image's place in the scanned text: `text.slice(start, end)` is replaced. */
export interface DataImageMatch {
  start: number;
  end: number;
  /** Lower-cased, e.g. "image/png". */
  contentType: string;
  /** The decoded bytes. */
  content: Buffer;
  /** The base64 without whitespace: one image embedded twice (a signature logo) is one file. */
  key: string;
}

/** More would make more refusals than a message has parts (limits.ts MAX_PARTS); the rest are dropped by the sanitiser. */
export const MAX_DATA_IMAGES = 1_000;

const MEDIA_TYPE = String.raw`image\/[a-z0-9.+-]{1,100}`;
// RFC 2397 parameters (`;name=shot.png`, `;charset=…`), each short, at most ten.
const PARAMETERS = String.raw`(?:;[a-z0-9._-]{1,100}(?:=[^;,"'<>\s]{0,200})?){0,10}`;
/** `src=` and an optional quote, then the URL's head. Sticky-free, global: found one after another. */
const SRC_ATTRIBUTE = new RegExp(String.raw`\ssrc\s*=\s*(["']?)data:(${MEDIA_TYPE})${PARAMETERS};base64,`, 'gi');
/** In text derived from the HTML by html-to-text: "[data:image/png;base64,…]". */
const TEXT_REFERENCE = new RegExp(String.raw`\[()data:(${MEDIA_TYPE})${PARAMETERS};base64,`, 'gi');
const BASE64 = /[A-Za-z0-9+/=\s]*/y;
const WHITESPACE = /\s+/g;

/**
 * The data: images in `<img>` src attributes of `html`, in order; each match spans the URL alone
 * (inside its quotes), so the attribute stays well formed when it is replaced.
 */
export function findDataImagesInHtml(html: string): DataImageMatch[] {
  const insideImgTag = imgTagReader(html);
  return scan(html, SRC_ATTRIBUTE, (match, quote, end) => {
    if (!insideImgTag(match.index)) return null;
    if (quote) return html[end] === quote ? end : null;
    return end === html.length || /[\s>]/.test(html[end]!) ? end : null;
  }, (match) => match.index + match[0].indexOf('data:'));
}

/** The "[data:image/…;base64,…]" references html-to-text wrote for such images, brackets included. */
export function findDataImagesInText(text: string): DataImageMatch[] {
  return scan(text, TEXT_REFERENCE, (_match, _quote, end) => (text[end] === ']' ? end + 1 : null), (match) => match.index);
}

/** The extension a file of this image type gets: "png", "jpg", "gif", "webp", "svg" (from "svg+xml"). */
export function dataImageExtension(contentType: string): string {
  const subtype = contentType.slice('image/'.length).split('+')[0]!;
  return subtype === 'jpeg' || subtype === 'pjpeg' ? 'jpg' : subtype.replace(/^x-/, '');
}

/** `text` with each match replaced by what `replacement` gives for it. */
export function replaceMatches(text: string, matches: readonly DataImageMatch[], replacement: (match: DataImageMatch) => string): string {
  let result = '';
  let at = 0;
  for (const match of matches) {
    result += text.slice(at, match.start) + replacement(match);
    at = match.end;
  }
  return result + text.slice(at);
}

function scan(
  text: string,
  head: RegExp,
  endOf: (match: RegExpExecArray, quote: string, payloadEnd: number) => number | null,
  startOf: (match: RegExpExecArray) => number,
): DataImageMatch[] {
  const found: DataImageMatch[] = [];
  if (!/data:image\//i.test(text)) return found; // the common case costs one search
  head.lastIndex = 0;
  for (let match = head.exec(text); match !== null && found.length < MAX_DATA_IMAGES; match = head.exec(text)) {
    BASE64.lastIndex = head.lastIndex;
    const payload = BASE64.exec(text)![0];
    const payloadEnd = head.lastIndex + payload.length;
    head.lastIndex = payloadEnd;
    const end = endOf(match, match[1] ?? '', payloadEnd);
    const key = payload.replace(WHITESPACE, '');
    if (end === null || key === '') continue;
    const content = Buffer.from(key, 'base64');
    if (content.length === 0) continue;
    found.push({ start: startOf(match), end, contentType: match[2]!.toLowerCase(), content, key });
  }
  return found;
}

/**
 * For increasing positions: whether each is inside the attributes of an `<img` tag (no `>` since
 * the nearest `<`). The nearest `<` is found by walking forward from the last one, so a long scan
 * reads the HTML once, not once per match.
 */
function imgTagReader(html: string): (index: number) => boolean {
  let open = -1;
  let next = html.indexOf('<');
  let close = -1; // the first `>` at or after `open` once measured (html.length: none)
  let measured = -1;
  let isImg = false;
  return (index) => {
    while (next >= 0 && next < index) {
      open = next;
      next = html.indexOf('<', next + 1);
    }
    if (open < 0) return false;
    if (measured !== open) {
      measured = open;
      isImg = /^<img[\s/]/i.test(html.slice(open, open + 5));
      if (close < open) {
        const found = html.indexOf('>', open);
        close = found < 0 ? html.length : found;
      }
    }
    return isImg && close > index;
  };
}
