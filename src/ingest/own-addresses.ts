import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { Queue } from '../entities/index.js';
import { confirmedQueueAddresses } from '../routing/rule-set.js';

/** Every address in the configuration that is postdesk itself: never a requester or CC, never mailed. */
export function ownAddresses(config: Config): string[] {
  const list = [config.supportAddress, ...(config.emergencyAddress ? [config.emergencyAddress] : [])];
  for (const mailbox of config.mailboxes) if (mailbox.address) list.push(mailbox.address);
  return list;
}

/**
 * The configured addresses plus every queue's email address (queues live in the database, so an
 * admin's new queue address counts at once), lower case.
 */
export async function loadOwnAddresses(em: Em, config: Config): Promise<Set<string>> {
  return new Set([...ownAddresses(config), ...(await queueAddresses(em))].map((a) => a.toLowerCase()));
}

/** Every queue's email address. */
export async function queueAddresses(em: Em): Promise<string[]> {
  const known = confirmedQueueAddresses(em);
  if (known) return known;
  const queues = await em.find(Queue, { emailAddress: { $ne: null } }, { fields: ['emailAddress'] });
  return queues.map((q) => q.emailAddress!);
}

/** `support+42@x` → `support@x`; the address itself when its local part has no `+tag`. */
export function withoutPlusTag(address: string): string {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  return plus > 0 && plus < at ? address.slice(0, plus) + address.slice(at) : address;
}

/**
 * Whether `address` is one of `own` (lower-case addresses), also as a plus-address of one of them:
 * with REPLY_TO_PLUS_ADDRESSING our Reply-To is `support+N@…`, so customers' replies name it in
 * To or Cc, and it must never become a CC or be mailed (a loop to ourselves).
 */
export function isOwnAddress(address: string, own: ReadonlySet<string>): boolean {
  const lower = address.toLowerCase();
  return own.has(lower) || own.has(withoutPlusTag(lower));
}
