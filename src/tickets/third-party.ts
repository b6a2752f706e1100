/**
 * People outside a ticket whom an agent asked about it (forward-ticket.ts): the note that went to
 * them is flagged `forward` and names them in `to`; their answers are flagged `third-party` and
 * stay among staff (ingest/apply-reply.ts): never quoted or threaded into mail to the customer,
 * never acting as the customer.
 */
import type { Em } from '../db/orm.js';
import { arrayLiteral } from '../db/sql-values.js';
import { Person, type Ticket } from '../entities/index.js';
import { referencesOf, type ThreadHeaders } from '../outbound/thread-headers.js';

/** Flag of a note mailed to people outside the ticket. */
export const FORWARD_FLAG = 'forward';
/** Flag of inbound mail from someone a forward named. */
export const THIRD_PARTY_FLAG = 'third-party';

/** The forward notes of a ticket that named an address; forwardsTo gives its parameters. */
const FORWARDS_TO = `select author_id from message where ticket_id = ? and direction = 'NOTE' and ? = any(flags) and "to" @> ?::jsonb`;
const forwardsTo = (ticket: Ticket, email: string) => [ticket.id, FORWARD_FLAG, JSON.stringify([{ email }])];

/**
 * Whether `email` is someone the ticket was forwarded to (tickets/forward-ticket.ts) rather than
 * its requester or a CC. Their mail threads by our Message-ID like anyone's, so only the people a
 * forward named count: a stranger who got hold of the thread is handled as before.
 */
export async function isThirdParty(em: Em, ticket: Ticket, email: string): Promise<boolean> {
  if (email === ticket.requester.email || ticket.ccs.getItems().some((p) => p.email === email)) return false;
  const [row] = await em.execute<{ asked: boolean }[]>(`select exists (${FORWARDS_TO}) as asked`, forwardsTo(ticket, email));
  return row?.asked === true;
}

/** The active staff who forwarded the ticket to `email`: the answer is theirs to read, watchers or not. */
export async function askersOf(em: Em, ticket: Ticket, email: string): Promise<Person[]> {
  const rows = await em.execute<{ author_id: number | null }[]>(FORWARDS_TO, forwardsTo(ticket, email));
  const ids = [...new Set(rows.map((row) => row.author_id).filter((id): id is number => id !== null).map(Number))];
  return ids.length === 0 ? [] : em.find(Person, { id: { $in: ids }, role: { $ne: null }, active: true }, { orderBy: { id: 'asc' } });
}

/**
 * In-Reply-To and References for another forward to `emails`: the earlier forwards to any of them
 * and their answers, oldest first, so a second question to the supplier continues the
 * conversation they already have about this ticket instead of starting another. Nothing else of
 * the ticket's thread: the customer's conversation is not theirs to see.
 */
export async function thirdPartyThread(em: Em, ticket: Ticket, emails: readonly string[], exclude: number): Promise<ThreadHeaders> {
  const rows = await em.execute<{ message_id: string }[]>(
    `select m.message_id from message m left join person p on p.id = m.author_id
      where m.ticket_id = ? and m.id <> ? and m.message_id is not null and not m.message_id_synthetic
        and ((m.direction = 'NOTE' and ? = any(m.flags) and exists (select 1 from jsonb_array_elements(m."to") t where t->>'email' = any(?::text[])))
          or (m.direction = 'INBOUND' and ? = any(m.flags) and p.email = any(?::text[])))
      order by m.id`,
    [ticket.id, exclude, FORWARD_FLAG, arrayLiteral(emails), THIRD_PARTY_FLAG, arrayLiteral(emails)],
  );
  const references = referencesOf(rows.map((row) => row.message_id));
  return { inReplyTo: references.at(-1) ?? null, references };
}
