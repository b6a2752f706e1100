/**
 * Gives a pooled connection back when the server drops it while it is checked out.
 *
 * Why: kysely's ControlledTransaction.commit()/rollback() release their connection only after the
 * COMMIT/ROLLBACK succeeded. When PostgreSQL is restarted mid-transaction both fail, MikroORM logs
 * "Failed to roll back transaction", and the dead client stays checked out of the pg pool for
 * good: each such transaction shrinks the pool (10 of them and every query waits forever), and
 * the pool's end() — app.stop() — never returns (found by TESTPLAN F4,
 * test/integration/ingest/postgres-restart.test.ts).
 *
 * How: every client's `release` (pg-pool assigns a new one at each checkout) is made idempotent,
 * and a client whose connection ends calls it with an error, which makes the pool discard it. A
 * release that already happened makes the later call a no-op, and so does kysely's own release of
 * a query connection after the failed query.
 */
import type pg from 'pg';

type Release = (error?: Error | boolean) => void;

export function releaseDroppedConnections(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    let current: Release | undefined;
    Object.defineProperty(client, 'release', {
      configurable: true,
      get: () => current,
      set: (release: Release | undefined) => {
        let done = false;
        current = release
          ? (error) => {
              if (done) return;
              done = true;
              release(error);
            }
          : undefined;
      },
    });
    client.on('end', () => current?.(new Error('the database connection ended while checked out')));
  });
}
