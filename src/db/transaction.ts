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

/**
 * Runs `work` in a transaction on a fresh fork, writes the large byte columns it deferred
 * (blobs.ts), and afterwards empties the identity maps it used.
 *
 * Why the emptying: timers started inside the transaction (node-postgres's idle-connection timer,
 * for one) capture its async context, and with it the EntityManager and every entity it holds,
 * until they fire. After a message with a 20 MB attachment that kept some 50 MB alive per pooled
 * connection (found with a heap snapshot; bench:ingest's memory phase).
 */
export async function inTransaction<T>(orm: Orm, work: (em: TransactionEm) => Promise<T>): Promise<T> {
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
