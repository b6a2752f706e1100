/**
 * The attachment policy: which parts become ticket files and which are refused, and why
 * (TESTPLAN S12, S13).
 *
 * Rules, first match wins: an extension not on the allow list is refused ("type .exe is not
 * allowed"); a part above the size limit (a smaller one for jpg/jpeg/png) is refused; a part whose
 * bytes are something else than its extension says is refused (an .exe renamed .pdf, HTML saved as
 * .jpg): the sender's Content-Type is never trusted, only magic numbers; every part after the
 * maximum number already stored is refused. Text formats (txt, csv) have no magic number: they pass
 * when no binary type is recognised. docx/xlsx are zip containers and doc/xls are CFB files.
 *
 * Outlook's winmail.dat (TNEF, Outlook's rich-text wrapper around a message's files) is not
 * unpacked: the sender is told how to send the files so that anyone can open them.
 *
 * Archives are never decompressed: zip and gzip are recognised here from their first bytes, before
 * file-type, whose detectors would otherwise inflate entries to tell docx from xlsx. Office files
 * are told apart by the entry names in the zip's local file headers, which are stored uncompressed
 * (PKWARE APPNOTE 4.3.7): "word/…" is a docx, "xl/…" an xlsx.
 */
import { fileTypeFromBuffer } from 'file-type';
import { inDefaultWording } from '../../outbound/wording.js';
import type { AttachmentPolicy, RefusalReason, RefusedAttachment } from '../types.js';
import { extensionOf } from './filenames.js';

export interface DetectedType {
  mime: string;
  ext: string;
}

const ZIP = 'application/zip';
const CFB = 'application/x-cfb';
const OOXML = 'application/vnd.openxmlformats-officedocument.';
const TEXT = 'text';
const TNEF = 'application/vnd.ms-tnef';
const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png']);

/** Office Open XML files are zips; one Office format named as another is no threat, so any of them passes. */
const ZIP_FAMILY = [ZIP, ...['wordprocessingml.document', 'spreadsheetml.sheet', 'presentationml.presentation'].map((type) => OOXML + type)];

/** Types the bytes may have for each extension of the default allow list. */
const EXPECTED: Record<string, readonly string[]> = {
  jpg: ['image/jpeg'],
  jpeg: ['image/jpeg'],
  png: ['image/png'],
  gif: ['image/gif'],
  pdf: ['application/pdf'],
  docx: ZIP_FAMILY,
  xlsx: ZIP_FAMILY,
  doc: [CFB, 'application/msword'],
  xls: [CFB, 'application/vnd.ms-excel'],
  zip: ZIP_FAMILY,
  rar: ['application/x-rar-compressed', 'application/vnd.rar'],
  txt: [TEXT],
  csv: [TEXT],
};

function startsWith(content: Buffer, bytes: readonly number[]): boolean {
  return content.length >= bytes.length && bytes.every((byte, i) => content[i] === byte);
}

const OOXML_BY_FOLDER: Record<string, DetectedType> = {
  'word/': { mime: `${OOXML}wordprocessingml.document`, ext: 'docx' },
  'xl/': { mime: `${OOXML}spreadsheetml.sheet`, ext: 'xlsx' },
  'ppt/': { mime: `${OOXML}presentationml.presentation`, ext: 'pptx' },
};
const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ZIP_SCAN_BYTES = 64 * 1024;

/** An Office Open XML type from the entry names of the first 64 KiB of a zip, else plain zip. */
function zipType(content: Buffer): DetectedType {
  const head = content.subarray(0, ZIP_SCAN_BYTES);
  for (let at = head.indexOf(LOCAL_HEADER); at >= 0 && at + 30 <= head.length; at = head.indexOf(LOCAL_HEADER, at + 4)) {
    const name = head.toString('latin1', at + 30, Math.min(head.length, at + 30 + head.readUInt16LE(at + 26)));
    const folder = Object.keys(OOXML_BY_FOLDER).find((prefix) => name.startsWith(prefix));
    if (folder) return OOXML_BY_FOLDER[folder]!;
  }
  return { mime: ZIP, ext: 'zip' };
}

/**
 * The type recognised from the bytes, or null. Never decompresses (TESTPLAN S13).
 * @param content the decoded attachment
 */
export async function detectType(content: Buffer): Promise<DetectedType | null> {
  // PKWARE APPNOTE 4.3.7 / 4.3.16: local file header, empty archive, spanned archive.
  if ([[0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0x50, 0x4b, 0x07, 0x08]].some((magic) => startsWith(content, magic))) {
    return zipType(content);
  }
  if (startsWith(content, [0x1f, 0x8b])) return { mime: 'application/gzip', ext: 'gz' }; // RFC 1952 2.3.1
  if (startsWith(content, [0x78, 0x9f, 0x3e, 0x22])) return { mime: TNEF, ext: 'dat' }; // [MS-OXTNEF] 2.1.3.1: TNEF_SIGNATURE, little-endian
  try {
    const result = await fileTypeFromBuffer(content);
    return result ? { mime: result.mime, ext: result.ext } : null;
  } catch {
    return null;
  }
}

/** "20 MB" for whole mebibytes (as people read limits), else the byte count. */
export function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/** Whether the recognised type is consistent with the extension. */
function contentMatches(extension: string, detected: DetectedType | null): boolean {
  const expected = EXPECTED[extension];
  // An extension an operator added without a rule here: refuse only a contradicting binary type.
  if (expected === undefined) return detected === null || detected.ext === extension;
  if (expected.includes(TEXT)) return detected === null || detected.mime.startsWith('text/');
  if (detected === null) return false;
  if (detected.ext === extension) return true;
  return expected.includes(detected.mime);
}

/** The size limit that applies to a file with this extension. */
export function sizeLimit(extension: string, policy: AttachmentPolicy): number {
  return IMAGE_EXTENSIONS.has(extension) ? Math.min(policy.maxImageBytes, policy.maxBytes) : policy.maxBytes;
}

/**
 * Why this part is refused, or null when it may be stored.
 * @param filename the safe display name (its extension decides the rules)
 * @param size decoded size in bytes
 * @param detected the type recognised from the bytes (null when unknown or not read because too large)
 * @param stored how many attachments of this message are stored already
 */
export function refusalReason(
  filename: string,
  size: number,
  detected: DetectedType | null,
  stored: number,
  policy: AttachmentPolicy,
): RefusalReason | null {
  const extension = extensionOf(filename);
  if (!extension || !policy.allowedExtensions.includes(extension)) {
    if (detected?.mime === TNEF) return { phrase: 'refused-winmail-dat', values: {} };
    return extension ? { phrase: 'refused-type', values: { ext: extension } } : { phrase: 'refused-no-extension', values: {} };
  }
  const limit = sizeLimit(extension, policy);
  if (size > limit) return { phrase: 'refused-too-large', values: { limit: formatLimit(limit) } };
  if (!contentMatches(extension, detected)) {
    return detected ? { phrase: 'refused-content', values: { type: detected.mime, ext: extension } } : { phrase: 'refused-content-unknown', values: { ext: extension } };
  }
  if (stored >= policy.maxCount) return { phrase: 'refused-too-many', values: { max: policy.maxCount } };
  return null;
}

/** A refusal reason in the built-in wording, as the ticket's history and the API say it. */
export function refusalText(why: RefusalReason): string {
  return inDefaultWording(why.phrase, why.values);
}

/** A refused part, with its reason in both forms. */
export function refused(part: { filename: string; contentType: string; size: number }, why: RefusalReason): RefusedAttachment {
  return { filename: part.filename, contentType: part.contentType, size: part.size, reason: refusalText(why), why };
}

/** What the ticket's `attachments-refused` event keeps of a refusal: the reason in words, not its phrase. */
export function refusalRecord({ why: _why, ...record }: RefusedAttachment): Omit<RefusedAttachment, 'why'> {
  return record;
}
