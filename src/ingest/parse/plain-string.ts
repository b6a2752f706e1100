/**
 * Plain strings for one-line fields (subject, display names, filenames, header values).
 *
 * Rule: no character that can break a line or a header (CR, LF, NUL, every other C0 and C1 control,
 * DEL, U+2028/U+2029) and none that can reorder what a reader sees (bidi embeddings, overrides and
 * isolates U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F, U+061C): a subject like
 * "invoice\u202Efdp.exe" must not display as "invoiceexe.pdf" (TESTPLAN S1, S12). Tabs become
 * spaces; lone surrogates become U+FFFD so the result is valid UTF-8 for PostgreSQL.
 */

const UNSAFE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/g;
const NUL = /\u0000/g;

/** `value` with control and bidi-control characters removed, tabs as spaces, trimmed. */
export function plainString(value: string): string {
  return value.toWellFormed().replace(/\t/g, ' ').replace(UNSAFE, '').trim();
}

/** `value` with runs of whitespace collapsed to one space as well (display names, filenames). */
export function plainLine(value: string): string {
  return plainString(value).replace(/\s+/g, ' ');
}

/**
 * Multi-line text made storable: well-formed UTF-16 (so valid UTF-8) and no NUL, which PostgreSQL
 * text columns refuse. Line breaks and other characters stay.
 */
export function storableText(value: string): string {
  return value.toWellFormed().replace(NUL, '');
}
