/**
 * Mail a staff member forwards to support ("a customer wrote to me directly"): the ticket belongs
 * to the customer who wrote the original, not to the agent who passed it on. Zammad, FreeScout and
 * Help Scout do the same.
 *
 * Forwarding has no standard: each mail client writes its own header block ("---------- Forwarded
 * message ---------", "Begin forwarded message:", Outlook's "From: … Sent: …"), in the user's
 * language. email-forward-parser (Crisp's, used on about a million mails a day there) knows the
 * common clients and locales; this module only decides what to take from its answer.
 *
 * Only the original sender, subject and CCs are taken; the message itself is stored as received
 * (the agent's words and the forwarded text together). The caller asks only for new tickets from
 * active staff whose mail does not fail an enforcing DMARC policy: the library's regular
 * expressions then never see a stranger's mail on their own terms. Without the optional RE2
 * engine (a native build this project does not take on) some of them take time quadratic in runs
 * of blank lines, spaces or brackets: 6 s for 19,000 empty lines. So the text is scanned with
 * whitespace runs collapsed and only its first MAX_SCANNED_CHARS (the header block is near the
 * top): at most about 60 ms for the worst input found.
 */
import EmailForwardParser, { type EmailForwardMailbox } from 'email-forward-parser';
import { emailAddress } from '../people/email-address.js';
import { normalisedEmail } from '../people/find-or-create-person.js';
import type { ParsedAddress } from './types.js';

const MAX_SCANNED_CHARS = 8_000;

export interface ForwardedOriginal {
  /** Who wrote the original: the ticket's requester. */
  from: ParsedAddress;
  /** The original's CCs (its To is, as a rule, the agent who forwarded it). */
  cc: ParsedAddress[];
  /** The original's subject, when the client wrote it down. */
  subject: string | null;
}

const parser = new EmailForwardParser();
const validEmail = emailAddress();

/** The original of a forwarded mail, or null when the text holds no forward whose sender is a valid address. */
export function forwardedOriginal(text: string, subject: string): ForwardedOriginal | null {
  const result = parser.read(collapsedWhitespace(text.slice(0, 8 * MAX_SCANNED_CHARS)).slice(0, MAX_SCANNED_CHARS), subject);
  if (!result.forwarded) return null;
  const from = address(result.email.from);
  if (!from) return null;
  const cc = [result.email.cc ?? []].flat().flatMap((m) => address(m) ?? []);
  return { from, cc, subject: result.email.subject?.trim() || null };
}

function address(mailbox: EmailForwardMailbox | null | undefined): ParsedAddress | null {
  const email = mailbox?.address ? normalisedEmail(mailbox.address) : null;
  if (!email || !validEmail.safeParse(email).success) return null;
  return { email, name: mailbox?.name?.trim() || null };
}

/** Lines without trailing blanks, runs of spaces and tabs as one space, at most one empty line in a row. Linear. */
function collapsedWhitespace(text: string): string {
  const lines: string[] = [];
  let empty = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd().replace(/[ \t]{2,}/g, ' ');
    empty = line === '' ? empty + 1 : 0;
    if (empty <= 1) lines.push(line);
  }
  return lines.join('\n');
}
