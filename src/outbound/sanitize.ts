/**
 * Header hygiene for outbound mail. Anything a customer wrote (subject, display name, filename) or
 * an admin configured (queue name) may carry CR, LF, NUL, Unicode line separators or bidi controls;
 * in a header those would start a new header line (header injection, TESTPLAN S9) or mislead the
 * reader. We flatten them to spaces before nodemailer encodes the value, so no encoding step can
 * ever turn them back into line breaks (the CVE-2024-6923 shape).
 */

// C0 controls (CR, LF, NUL, TAB …), DEL, C1 controls (NEL U+0085 …), U+2028/U+2029, bidi overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * One line of header text: unsafe characters become spaces, runs of spaces collapse, at most `max`
 * characters. A literal encoded-word (`=?utf-8?q?a=0A…?=`) typed by a customer gets an invisible
 * WORD JOINER after its `=`: that makes nodemailer encode the whole value, so a reader shows the
 * text as typed instead of decoding it into a line break.
 */
export function headerText(value: string, max = 250): string {
  const flat = value.replace(UNSAFE, ' ').replace(/\s{2,}/g, ' ').trim().replace(/=\?/g, '=\u2060?');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A display name for From/To (at most 80 characters); null when nothing printable is left. */
export function displayName(value: string | null | undefined): string | null {
  if (!value) return null;
  const name = headerText(value, 80);
  return name.length > 0 ? name : null;
}

/** Text for a mail body: keeps line breaks, drops other control characters except TAB. */
export function bodyText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
