/**
 * A staff member's own mail to a customer with support copied in ("To: ann@customer, Cc:
 * support@"): an agent answered a customer who wrote to them directly, or starts a conversation
 * for the desk from their own mail program. The ticket is the customer's, not the agent's, so that
 * answers, the customer's history and their organisation's view all name the right person (Zammad
 * chooses the customer the same way: the first customer in To).
 *
 * The customer is the first address in To that is neither one of ours, nor the sender, nor another
 * active staff member; the other customers in To and Cc become the ticket's CCs, colleagues do not
 * (they can watch). Mail whose To names no customer (to a colleague, or to support alone) stays
 * the agent's own ticket. The caller asks only for new tickets from active staff whose mail is not
 * automatic and does not fail an enforcing DMARC policy, and after a forward was ruled out
 * (forwarded.ts): a forger gets a ticket opened for their victim, whom nothing is sent to.
 * STAFF_MAIL_REQUESTER=sender keeps every such ticket the sender's.
 */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { Person } from '../entities/index.js';
import { subjectOfItsOwn } from '../mail/headers.js';
import type { ForwardedOriginal } from './forwarded.js';
import { isOwnAddress, loadOwnAddresses } from './own-addresses.js';
import type { ParsedAddress, ParsedMessage } from './types.js';

/** The customer and the other customers the staff member wrote to; null when the mail names no customer in To. */
export async function staffMailOriginal(em: Em, parsed: ParsedMessage, sender: Person, config: Config): Promise<ForwardedOriginal | null> {
  if (config.staffMailRequester === 'sender') return null;
  const own = await loadOwnAddresses(em, config);
  const recipients = [...parsed.to, ...parsed.cc].filter((a) => a.email !== sender.email && !isOwnAddress(a.email, own));
  if (recipients.length === 0) return null;
  const staff = await em.find(Person, { email: { $in: recipients.map((a) => a.email) }, role: { $ne: null }, active: true }, { fields: ['email'] });
  const colleagues = new Set(staff.map((p) => p.email));
  const customers = recipients.filter((a) => !colleagues.has(a.email));
  const customer = customers.find((a) => parsed.to.includes(a));
  if (!customer) return null;
  return { from: customer, cc: uniqueByEmail(customers.filter((a) => a !== customer)), subject: subjectOfItsOwn(parsed.subject) };
}

function uniqueByEmail(addresses: readonly ParsedAddress[]): ParsedAddress[] {
  const seen = new Set<string>();
  return addresses.filter((a) => !seen.has(a.email) && seen.add(a.email));
}
