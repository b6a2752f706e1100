/**
 * People outside a ticket whom an agent asked about it (forward-ticket.ts): the note that went to
 * them is flagged `forward` and names them in `to`; their answers are flagged `third-party` and
 * stay among staff (ingest/apply-reply.ts): never quoted or threaded into mail to the customer,
 * never acting as the customer.
 */
import type { Em } from '../db/orm.js';
import type { Ticket } from '../entities/index.js';

/** Flag of a note mailed to people outside the ticket. */
export const FORWARD_FLAG = 'forward';
/** Flag of inbound mail from someone a forward named. */
export const THIRD_PARTY_FLAG = 'third-party';

/**
 * Whether `email` is someone the ticket was forwarded to (tickets/forward-ticket.ts) rather than
 * its requester or a CC. Their mail threads by our Message-ID like anyone's, so only the people a
 * forward named count: a stranger who got hold of the thread is handled as before.
 */
export async function isThirdParty(em: Em, ticket: Ticket, email: string): Promise<boolean> {
  if (email === ticket.requester.email || ticket.ccs.getItems().some((p) => p.email === email)) return false;
  const [row] = await em.execute<{ asked: boolean }[]>(
    `select exists (select 1 from message where ticket_id = ? and direction = 'NOTE' and ? = any(flags) and "to" @> ?::jsonb) as asked`,
    [ticket.id, FORWARD_FLAG, JSON.stringify([{ email }])],
  );
  return row?.asked === true;
}
