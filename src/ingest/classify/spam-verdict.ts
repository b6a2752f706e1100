/**
 * The verdict of a spam filter that ran before postdesk (pure). Mail that arrives through the pipe
 * or the SMTP door from an MTA with SpamAssassin or Rspamd, or in a mailbox whose server filters
 * but does not sort into a junk folder, carries the filter's verdict in headers. Spam that became
 * a ticket would get an acknowledgement: backscatter to whatever address the spammer forged.
 *
 * What counts as "spam" (any one, on any hop):
 * - `X-Spam-Flag: YES` (SpamAssassin);
 * - `X-Spam-Status: Yes, score=…` (SpamAssassin; Rspamd in its SpamAssassin-compatible mode);
 * - `X-Spam: Yes` (Rspamd's milter);
 * - `X-MS-Exchange-Organization-SCL` of 5 or more (Microsoft 365 and Exchange: 5–6 spam, 9 high
 *   confidence; -1 is mail the organisation trusts).
 * A verdict of "no" is never trusted the other way round: a sender can write any header, but writing
 * one of these only gets their own mail held.
 */
import { values, type HeaderMap } from './fields.js';

/** Reason texts land in logs and quarantine records: the header's first words, plain and short. */
const MAX_SHOWN = 60;

const VERDICTS: readonly { header: string; label: string; spam: (value: string) => boolean }[] = [
  { header: 'x-spam-flag', label: 'X-Spam-Flag', spam: (v) => /^\s*yes\b/i.test(v) },
  { header: 'x-spam-status', label: 'X-Spam-Status', spam: (v) => /^\s*yes\b/i.test(v) },
  { header: 'x-spam', label: 'X-Spam', spam: (v) => /^\s*(?:yes|true)\b/i.test(v) },
  { header: 'x-ms-exchange-organization-scl', label: 'X-MS-Exchange-Organization-SCL', spam: (v) => /^\s*[5-9]\s*$/.test(v) },
];

/** The headers read (lower case): mail/fetch code that reads only some header lines asks for these. */
export const SPAM_VERDICT_HEADERS: readonly string[] = VERDICTS.map((v) => v.header);

/** The header line that says spam, e.g. "X-Spam-Status: Yes, score=7.1 required=5.0"; null when none does. */
export function spamVerdict(headers: HeaderMap): string | null {
  for (const { header, label, spam } of VERDICTS) {
    const value = values(headers, header).find(spam);
    if (value !== undefined) return `${label}: ${value.replace(/[^\x20-\x7e]/g, '').trim().slice(0, MAX_SHOWN)}`;
  }
  return null;
}
