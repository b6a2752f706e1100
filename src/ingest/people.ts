/**
 * Who is on a ticket: the requester (From) and the CCs (other addresses in To/Cc that are not
 * postdesk's own). At most 50 CCs are stored per ticket; a note records the rest (TESTPLAN M5).
 *
 * Postdesk's own addresses are the configured ones the caller excludes, every queue's address, and
 * plus-addresses of either (`support+42@…`, our Reply-To with REPLY_TO_PLUS_ADDRESSING).
 * Every addition is recorded as a `cc-added` event with who added it (TESTPLAN S8).
 */
import type { Em } from '../db/orm.js';
import type { Person, Ticket } from '../entities/index.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';
import { recordEvent } from '../tickets/record-event.js';
import { isOwnAddress, queueAddresses } from './own-addresses.js';
import type { ParsedAddress } from './types.js';

export const MAX_CCS = 50;

/** Adds the message's other recipients as CCs; returns the addresses added. */
export async function addCcs(
  em: Em,
  ticket: Ticket,
  recipients: readonly ParsedAddress[],
  exclude: ReadonlySet<string>,
  actor: Person | null,
): Promise<string[]> {
  const current = new Set(ticket.ccs.getItems().map((p) => p.email));
  const fresh = recipients.filter((r) => !current.has(r.email) && !exclude.has(r.email));
  // Queue addresses are read only when someone is left to check (most mail names only us).
  const own = fresh.length === 0 ? exclude : new Set([...exclude, ...(await queueAddresses(em))].map((a) => a.toLowerCase()));
  const candidates = [...new Map(fresh.filter((r) => !isOwnAddress(r.email, own)).map((r) => [r.email, r])).values()];
  const room = Math.max(0, MAX_CCS - current.size);
  const added: string[] = [];
  for (const address of candidates.slice(0, room)) {
    ticket.ccs.add(await findOrCreatePerson(em, address.email, address.name));
    added.push(address.email);
  }
  if (added.length > 0) {
    recordEvent(em, ticket, { kind: 'cc-added', actor, to: added.join(', ') });
  }
  const dropped = candidates.length - added.length;
  if (dropped > 0) {
    recordEvent(em, ticket, { kind: 'cc-limit', actor, detail: { dropped, limit: MAX_CCS, first: candidates.slice(room, room + 5).map((c) => c.email) } });
  }
  return added;
}
