/**
 * Attachment display names (TESTPLAN S12).
 *
 * Rules: decoded (mailparser decodes RFC 2231 and RFC 2047 names); the base name only (everything
 * up to the last / or \ dropped, so "../../x" and "..\..\x" become "x"); no ".." runs, no leading
 * dots, no trailing dots or spaces (Windows drops them: "x.exe." opens as x.exe); no control or
 * bidi characters ("\u202Efdp.exe" must not display as "exe.pdf"); none of <>:"|?* (invalid on
 * Windows, where agents download to); whitespace collapsed; at most 255 characters with the
 * extension kept; "attachment" when nothing is left. Files are stored content-addressed, so the
 * name is only ever shown or offered as a download name, never used as a path.
 */
import { plainLine } from './plain-string.js';

export const MAX_FILENAME_CHARS = 255;
const MAX_EXTENSION_CHARS = 16;

/** A usable extension for unnamed parts, by declared content type. */
const EXTENSION_BY_TYPE: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/zip': 'zip',
  'message/rfc822': 'eml',
};

/** The lower-case extension of `name` without the dot, or '' when it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return '';
  return name.slice(dot + 1).toLowerCase();
}

/**
 * A safe display name for an attachment.
 * @param raw the decoded name the sender gave (Content-Disposition filename or Content-Type name)
 * @param fallback used when nothing is left of `raw`
 */
export function safeFilename(raw: string | undefined, fallback = 'attachment'): string {
  let name = plainLine(raw ?? '');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (!name) return fallback;
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME_CHARS) return name;
  const extension = extensionOf(name);
  const suffix = extension && extension.length <= MAX_EXTENSION_CHARS ? `.${extension}` : '';
  return chars.slice(0, MAX_FILENAME_CHARS - Array.from(suffix).length).join('').trimEnd() + suffix;
}

/**
 * A name for a part the sender did not name: "inline-1.png" for inline images (counted per
 * message), else "attachment.pdf" (or "attachment" for unknown types).
 */
export function unnamedFilename(contentType: string, inlineNumber: number | null): string {
  const extension = EXTENSION_BY_TYPE[contentType.toLowerCase()];
  const base = inlineNumber === null ? 'attachment' : `inline-${inlineNumber}`;
  return extension ? `${base}.${extension}` : base;
}
