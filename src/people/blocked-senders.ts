/**
 * Blocked senders: an admin blocks an address (`spam@example.com`) or a whole mail domain
 * (`@example.com`, that domain exactly, not its subdomains); from then on every message from it —
 * new or a reply, through any door — is quarantined as SENDER_BLOCKED instead of becoming a
 * ticket or comment, and nothing is acknowledged. Nothing is lost: the raw message is kept and
 * listed, and an admin's retry still ingests it. Mail to the emergency address is never blocked
 * (nothing may stop an emergency from becoming a ticket).
 *
 * The sender is the From address, the one that would become the requester. Problems are
 * BAD_USER_INPUT naming the input; each change is in the admin audit log.
 */
import type { Config } from '../config/env.js';
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import { BlockedSender, type Person } from '../entities/index.js';
import { AppError } from '../errors.js';
import { loadOwnAddresses } from '../ingest/own-addresses.js';
import { isSafeAddress } from '../outbound/recipients.js';
import { badInput } from '../routing/manage-rules.js';
import { recordEvent } from '../tickets/record-event.js';
import { normalisedDomain } from './organizations.js';

export const MAX_NOTE_CHARS = 1000;

/** `local@domain` or `@domain` in stored form (lower case, ASCII domain); null when it is neither. */
export function normalisedPattern(value: string): string | null {
  const trimmed = value.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  const domain = normalisedDomain(at < 0 ? trimmed : trimmed.slice(at + 1));
  if (!domain) return null;
  if (at <= 0) return `@${domain}`; // "example.com" or "@example.com": the whole domain
  const address = `${trimmed.slice(0, at)}@${domain}`;
  return isSafeAddress(address) ? address : null;
}

/** The patterns that would block mail from `email`: the address itself and its domain (in ASCII, as stored). */
function patternsFor(email: string): string[] {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return [lower];
  const domain = normalisedDomain(lower.slice(at + 1)) ?? lower.slice(at + 1);
  return [`${lower.slice(0, at)}@${domain}`, `@${domain}`];
}

/** The pattern that blocks mail from `email`, or null. One indexed lookup per message. */
export async function blockingPattern(em: Em, email: string): Promise<string | null> {
  const patterns = patternsFor(email);
  const [row] = await em.execute<{ pattern: string }[]>(`select pattern from blocked_sender where pattern in (${patterns.map(() => '?').join(', ')}) limit 1`, patterns);
  return row?.pattern ?? null;
}

/** Blocked senders take turns, so a duplicate is a clear error rather than a unique violation. */
function lockBlockedSenders(em: Em): Promise<void> {
  return lockKeys(em, ['blocked-senders']);
}

export async function blockSender(em: Em, input: { pattern: string; note?: string | null }, actor: Person, config: Config): Promise<BlockedSender> {
  await lockBlockedSenders(em);
  const pattern = normalisedPattern(input.pattern);
  if (!pattern) throw badInput([{ field: ['pattern'], message: 'must be an email address (spam@example.com) or a mail domain (@example.com)' }]);
  const note = input.note?.trim() || null;
  if (note && note.length > MAX_NOTE_CHARS) throw badInput([{ field: ['note'], message: `must be at most ${MAX_NOTE_CHARS} characters` }]);
  // Our own mail is already kept out (OWN_MAIL); blocking our own domain would quarantine our colleagues.
  const own = [...(await loadOwnAddresses(em, config))].find((address) => patternsFor(address).includes(pattern));
  if (own) throw badInput([{ field: ['pattern'], message: `would block postdesk's own address ${own}` }]);
  if ((await em.count(BlockedSender, { pattern })) > 0) throw badInput([{ field: ['pattern'], message: `${pattern} is already blocked` }]);
  const blocked = new BlockedSender(pattern);
  blocked.note = note;
  blocked.createdBy = actor;
  em.persist(blocked);
  recordEvent(em, null, { kind: 'sender-blocked', actor, to: pattern, detail: note ? { note } : null });
  await em.flush();
  await em.populate(blocked, ['createdBy']); // the actor may be a bare reference; the answer names them
  return blocked;
}

export async function unblockSender(em: Em, value: string, actor: Person): Promise<BlockedSender> {
  await lockBlockedSenders(em);
  const pattern = normalisedPattern(value);
  const blocked = pattern ? await em.findOne(BlockedSender, { pattern }, { populate: ['createdBy'] }) : null;
  if (!blocked) throw new AppError('NOT_FOUND', `${pattern ?? value.trim()} is not blocked`, 'user', ['pattern']);
  em.remove(blocked);
  recordEvent(em, null, { kind: 'sender-unblocked', actor, from: blocked.pattern, detail: blocked.note ? { note: blocked.note } : null });
  await em.flush();
  return blocked;
}
