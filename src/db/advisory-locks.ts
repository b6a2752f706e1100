/**
 * Transaction-level advisory locks on text keys (held until commit or rollback), several in one
 * round trip, each key taken once per transaction: a step that needs a lock an earlier step of the
 * same transaction already holds sends nothing. The ingest commit takes the locks it knows it will
 * need in its first statement (ingest-message.ts).
 *
 * A statement's snapshot is taken before the locks in it are granted: what a lock protects is read
 * in a later statement, which then sees everything the former holder committed.
 */
import type { Em } from './orm.js';
import { PerTransaction } from './transaction.js';

/** One lock as a select-list expression; its key is the parameter. */
export const LOCK_EXPRESSION = 'pg_advisory_xact_lock(hashtextextended(?, 0))';

/** Keys taken so far, per transaction. */
const held = new PerTransaction<Set<string>>();

/**
 * The keys of `keys` this transaction does not hold yet, recorded as held: the caller locks them
 * in its next statement (a failed statement aborts the transaction, and the record with it).
 */
export function keysToLock(em: Em, keys: readonly string[]): string[] {
  const unique = [...new Set(keys)];
  let taken = held.get(em);
  if (!taken) {
    taken = new Set();
    if (!held.set(em, taken)) return unique; // outside a transaction nothing is held
  }
  const missing = unique.filter((key) => !taken.has(key));
  for (const key of missing) taken.add(key);
  return missing;
}

/** Takes the locks on `keys` this transaction does not hold yet, in one statement (none if it holds them all). */
export async function lockKeys(em: Em, keys: readonly string[]): Promise<void> {
  const missing = keysToLock(em, keys);
  if (missing.length > 0) await em.execute(`select ${missing.map(() => LOCK_EXPRESSION).join(', ')}`, missing);
}

/**
 * The lock on one Message-ID: ingest takes it for the message it stores and the one it answers
 * before reading where that one is (ingest-message.ts); splitTicket takes it for the messages it
 * moves before moving them, so a reply arriving meanwhile finds its original where it ends up.
 */
export function messageIdLock(messageId: string): string {
  return `message-id:${messageId}`;
}
