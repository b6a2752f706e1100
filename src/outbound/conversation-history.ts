/**
 * The conversation so far, quoted below an agent's reply (`{{history}}` in public-reply,
 * REPLY_HISTORY earlier messages, newest first): a colleague the customer copies in halfway, or a
 * customer reading the answer on a phone weeks later, sees what the answer is about without
 * digging for the earlier mail, as Zendesk, Freshdesk and FreeScout do.
 *
 * Only what every recipient may read and nobody can plant: the desk's own replies, and the
 * customer side's new words (a message's new part, without its own quoted history) where the
 * author is the requester or one of the ticket's CCs and nothing cast doubt on it. Never a note,
 * automatic mail, a bounce or receipt, a rating, an answer from someone the ticket was forwarded to, a message that reused a Message-ID, and never one
 * whose DMARC check failed: a forger who knows a ticket number must not get words into our mail to
 * the real customer. (A domain that publishes no DMARC record proves nothing either way; most
 * small companies' do not, and leaving all their mail out would leave their history empty.)
 */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { arrayLiteral } from '../db/sql-values.js';
import { MessageDirection } from '../entities/enums.js';
import type { Message, Ticket } from '../entities/index.js';
import { THIRD_PARTY_FLAG } from '../tickets/third-party.js';
import type { Wording } from './wording.js';
import { bodyText } from './sanitize.js';
import { personDisplay } from './variables.js';

/** Flags that keep a customer's message out of the quoted history. */
const NOT_QUOTED = ['automatic', 'spam-verdict', 'quoted-only', 'forged-reference', 'shared-message-id', 'bounce', 'read-receipt', 'rating', 'erased', THIRD_PARTY_FLAG];
/** Each message's text is cut after this many characters. */
const MESSAGE_CHARS = 5_000;

interface HistoryRow {
  direction: MessageDirection;
  created_at: Date | string;
  text: string;
  email: string | null;
  name: string | null;
}

/**
 * The quoted history before `message` on its ticket: '' when there is none (or REPLY_HISTORY is 0),
 * else an empty line, then per message "On <when>, <who> wrote:" (the `history-header` phrase, in
 * the mail's language) and its text as "> " lines.
 */
export async function conversationHistory(em: Em, config: Config, ticket: Ticket, message: Message, now: Date, wording: Wording): Promise<string> {
  const limit = config.outbound.replyHistory;
  if (limit === 0) return '';
  const rows = await em.execute<HistoryRow[]>(
    `select m.direction, m.created_at, coalesce(nullif(btrim(m.visible_text), ''), m.body_text) as text, p.email, p.name
       from message m left join person p on p.id = m.author_id
      where m.ticket_id = ? and m.id < ?
        and (m.direction = ?
             or (m.direction = ? and not (m.flags && ?::text[]) and coalesce(m.auth->>'dmarc', '') <> 'fail'
                 and (m.author_id = ? or m.author_id in (select person_id from ticket_cc where ticket_id = m.ticket_id))))
      order by m.id desc limit ?`,
    [ticket.id, message.id, MessageDirection.OUTBOUND, MessageDirection.INBOUND, arrayLiteral(NOT_QUOTED), ticket.requester.id, limit],
  );
  const zone = config.businessHours?.timezone ?? 'UTC';
  const blocks = rows
    .map((row) => ({ row, text: bodyText(row.text).trim() }))
    .filter(({ text }) => text !== '')
    .map(({ row, text }) => {
      const cut = text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}\n[…]` : text;
      return `${wording.phrase('history-header', { when: wording.instant(new Date(row.created_at), zone, now), zone, who: author(row) })}\n${quoted(cut)}\n`;
    });
  return blocks.length === 0 ? '' : `\n${blocks.join('\n')}`;
}

/** A customer as "Ann Doe <ann@…>"; an agent by name only: their own address stays out of mail to customers. */
function author(row: HistoryRow): string {
  if (!row.email) return 'Support';
  if (row.direction === MessageDirection.OUTBOUND) return row.name ?? row.email.split('@')[0]!;
  return personDisplay({ email: row.email, name: row.name });
}

function quoted(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}
