import { DeadlockException, ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { writeDeferredBlobs } from './blobs.js';
import type { Em, Orm } from './orm.js';

/** The EntityManager a transaction's callback receives. */
export type TransactionEm = Parameters<Parameters<Orm['em']['transactional']>[0]>[0];

/**
 * One value per transaction, kept while it lasts: keyed by the transaction's context object, which
 * every fork inside it shares. Outside a transaction nothing is kept.
 */
export class PerTransaction<T> {
  private readonly values = new WeakMap<object, T>();

  get(em: Em): T | undefined {
    const transaction = em.getTransactionContext() as object | undefined;
    return transaction && this.values.get(transaction);
  }

  /** @returns false outside a transaction (nothing kept) */
  set(em: Em, value: T): boolean {
    const transaction = em.getTransactionContext() as object | undefined;
    if (transaction) this.values.set(transaction, value);
    return transaction !== undefined;
  }
}

/** How often a transaction that lost a race runs in all. */
const RACE_ATTEMPTS = 3;

/**
 * A unique index taken first by another transaction, a row this one refers to deleted by another
 * since it was read, or PostgreSQL's choice of this one as a deadlock's (or serialisation
 * failure's) victim.
 */
const lostRace = (error: unknown) =>
  error instanceof UniqueConstraintViolationException || error instanceof ForeignKeyConstraintViolationException || error instanceof DeadlockException;

/**
 * Runs `work` in a transaction on a fresh fork, writes the large byte columns it deferred
 * (blobs.ts), and afterwards empties the identity maps it used.
 *
 * A transaction that fails on a unique index lost a race: another one created the same person,
 * receipt, queue name or watcher between this one's check and its insert (two instances ingesting,
 * an agent adding a CC the ingest is creating, a double-clicked mutation). It runs again, on a new
 * fork, and its check now finds the winner's row: the answer is the one it would have had a moment
 * later (found, already there, or "name taken"), never an internal error. `work` must therefore
 * keep its effects inside the transaction, which everything here does (mail goes through the
 * outbox table). A violation that is still there on the third attempt is no race and is thrown.
 * The same for a foreign key whose row another transaction deleted after this one read it (a
 * category deleted while a ticket is being given it): run again, the check finds no such row.
 * A transaction PostgreSQL rolled back to break a deadlock (an API command holds a ticket's row and
 * waits for a lock the ingest holds while the ingest waits for that row) runs again the same way.
 *
 * Why the emptying: timers started inside the transaction (node-postgres's idle-connection timer,
 * for one) capture its async context, and with it the EntityManager and every entity it holds,
 * until they fire. After a message with a 20 MB attachment that kept some 50 MB alive per pooled
 * connection (found with a heap snapshot; bench:ingest's memory phase).
 */
export async function inTransaction<T>(orm: Orm, work: (em: TransactionEm) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptTransaction(orm, work);
    } catch (error) {
      if (!lostRace(error) || attempt >= RACE_ATTEMPTS) throw error;
    }
  }
}

async function attemptTransaction<T>(orm: Orm, work: (em: TransactionEm) => Promise<T>): Promise<T> {
  const fork = orm.em.fork();
  let inner: TransactionEm | null = null;
  try {
    return await fork.transactional(async (em) => {
      inner = em;
      const result = await work(em);
      await writeDeferredBlobs(em);
      return result;
    });
  } finally {
    (inner as TransactionEm | null)?.clear();
    fork.clear();
  }
}
