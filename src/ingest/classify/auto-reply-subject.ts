/**
 * Auto-replies that say so only in their subject (classify.ts, rule 14). Most out-of-office
 * programs set `Auto-Submitted` or one of the older headers, but some do not: hosted mail with a
 * home-made vacation feature, old Exchange and Lotus Notes servers, autoresponders of shops and
 * CRMs. Their answer to an agent's question ("Automatic reply: Re: [#42] Printer jams") then read
 * as the customer's: a closed ticket reopened, a waiting one went back to OPEN, the reply clock
 * started, and a new ticket's acknowledgement answered them (Znuny sells an add-on for the same
 * trouble in OTRS).
 *
 * A subject beginning with one of AUTO_REPLY_SUBJECTS and a colon ("Automatic reply:",
 * "Réponse automatique :", "自动回复：") counts only when the mail answers something: it names a
 * Message-ID in In-Reply-To or References, or carries a ticket tag. A customer's own new mail
 * called "Out of office: printer in room 5 is broken" answers nothing and stays theirs.
 */
import { findTicketTag } from '../../mail/headers.js';

export interface AutoReplySubjectInput {
  subject: string;
  inReplyTo: string | null;
  references: readonly string[];
}

const matchers = new WeakMap<readonly string[], readonly { beginning: string; pattern: RegExp }[]>();

/** Each beginning as a pattern, built once per configuration. */
function matchersOf(beginnings: readonly string[]): readonly { beginning: string; pattern: RegExp }[] {
  let built = matchers.get(beginnings);
  if (!built) {
    built = beginnings.map((beginning) => {
      const words = beginning
        .split(/\s+/)
        .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\s+');
      // A beginning ending in a letter or digit needs its colon ("Autoreply:"), so "Autoreplying"
      // or "Out of Office hours" is no match; one ending in a bracket ("[Auto-Reply]") is whole.
      const end = /[\p{L}\p{N}]$/u.test(beginning) ? '\\s*[:：]' : '';
      return { beginning, pattern: new RegExp(`^\\s*${words}${end}`, 'iu') };
    });
    matchers.set(beginnings, built);
  }
  return built;
}

/** The configured beginning an auto-reply's subject starts with; null when it has none or answers nothing. */
export function autoReplySubject(message: AutoReplySubjectInput, beginnings: readonly string[]): string | null {
  if (beginnings.length === 0) return null;
  const answers = message.inReplyTo !== null || message.references.length > 0 || findTicketTag(message.subject) !== null;
  if (!answers) return null;
  return matchersOf(beginnings).find(({ pattern }) => pattern.test(message.subject))?.beginning ?? null;
}
