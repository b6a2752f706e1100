/**
 * Turns one planned mail into the exact bytes that will be sent, with nodemailer's MailComposer
 * (a maintained MIME writer). The bytes are frozen here, at enqueue time: every retry sends the
 * same Message-ID and Date (TESTPLAN D14).
 *
 * Headers (CONTRACT.md, Mail): From the support address (with the agent's name on replies),
 * Reply-To the support address (or support+N@ with plus-addressing), `[#N]` in the subject,
 * In-Reply-To/References chained to the ticket's thread, `Auto-Submitted` on automatic mail only,
 * `X-Auto-Response-Suppress: All`, and our loop header so our own mail is recognised if it comes back.
 */
import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import { LOOP_HEADER } from '../ingest/classify.js';
import { displayName, headerText } from './sanitize.js';

export interface MailAddress {
  readonly email: string;
  readonly name: string | null;
}

/** A file the mail carries (an agent's reply); its name and type were checked when it was uploaded. */
export interface MailFile {
  readonly filename: string;
  readonly contentType: string;
  /** A stream (read from PostgreSQL in slices, src/db/blobs.ts) is encoded as it arrives. */
  readonly content: Buffer | Readable;
}

export interface MailSpec {
  readonly from: MailAddress;
  readonly replyTo: string;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  /** Without angle brackets. */
  readonly messageId: string;
  readonly inReplyTo: string | null;
  /** Oldest first, without angle brackets. */
  readonly references: readonly string[];
  /** `auto-replied` (acknowledgements), `auto-generated` (notifications), null (agent replies). */
  readonly autoSubmitted: 'auto-replied' | 'auto-generated' | null;
  /** Value of the loop header: which postdesk sent it. */
  readonly loopMarker: string;
  readonly date: Date;
  readonly files?: readonly MailFile[];
}

/** The canonical spelling of our loop header (classify.ts matches it case-insensitively). */
export const LOOP_HEADER_NAME = LOOP_HEADER.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);

function address(a: MailAddress): { name: string; address: string } | string {
  const name = displayName(a.name);
  return name ? { name, address: a.email } : a.email;
}

/** A Message-ID safe to put between angle brackets: no spaces, brackets or control characters. */
function safeId(id: string): string | null {
  return /^[\x21-\x7e]{1,400}$/.test(id) && !/[<>\s]/.test(id) ? id : null;
}

export async function composeMail(spec: MailSpec): Promise<Buffer> {
  const references = spec.references.map(safeId).filter((id): id is string => id !== null).slice(-20);
  const inReplyTo = spec.inReplyTo ? safeId(spec.inReplyTo) : null;
  const headers: Record<string, string> = {
    'X-Auto-Response-Suppress': 'All',
    [LOOP_HEADER_NAME]: headerText(spec.loopMarker, 100),
  };
  if (spec.autoSubmitted) headers['Auto-Submitted'] = spec.autoSubmitted;
  const composer = new MailComposer({
    from: address(spec.from),
    replyTo: spec.replyTo,
    to: spec.to.map(address),
    cc: spec.cc.length > 0 ? spec.cc.map(address) : undefined,
    subject: headerText(spec.subject, 400),
    text: spec.text,
    html: spec.html ?? undefined,
    messageId: `<${spec.messageId}>`,
    inReplyTo: inReplyTo ? `<${inReplyTo}>` : undefined,
    references: references.length > 0 ? references.map((r) => `<${r}>`) : undefined,
    date: spec.date,
    headers,
    attachments: spec.files?.map((file) => ({ filename: headerText(file.filename, 255), contentType: file.contentType, content: file.content })),
    // Never let nodemailer read files or URLs named in content.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
