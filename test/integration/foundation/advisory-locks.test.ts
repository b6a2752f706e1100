/**
 * db/advisory-locks.ts on a real PostgreSQL: the locks are held until commit (another session
 * cannot take them), several go in one statement, and a key the transaction already holds costs
 * no statement; a new transaction takes it again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysToLock, lockKeys } from '../../../src/db/advisory-locks.js';
import { openOrm, type Orm } from '../../../src/db/orm.js';
import { inTransaction } from '../../../src/db/transaction.js';
import { createTestDatabase } from '../../harness/postgres.js';

let orm: Orm;
let other: pg.Client;
let statements: string[] = [];

beforeAll(async () => {
  const url = await createTestDatabase();
  orm = await openOrm(url, (line) => statements.push(line));
  other = new pg.Client({ connectionString: url });
  await other.connect();
});
afterAll(async () => {
  await other?.end();
  await orm?.close();
});

/** Whether another session could take the lock on `key` now (released at once if it could). */
async function freeElsewhere(key: string): Promise<boolean> {
  const { rows } = await other.query<{ free: boolean }>(`select pg_try_advisory_lock(hashtextextended($1, 0)) as free`, [key]);
  if (rows[0]!.free) await other.query(`select pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
  return rows[0]!.free;
}

const lockStatements = () => statements.filter((s) => s.includes('pg_advisory_xact_lock'));

describe('advisory locks', () => {
  it('holds every key until commit, several in one statement, each taken once per transaction', async () => {
    statements = [];
    await inTransaction(orm, async (em) => {
      await lockKeys(em, ['test:a', 'test:b', 'test:a']);
      expect(lockStatements()).toHaveLength(1);
      expect(lockStatements()[0]!.match(/pg_advisory_xact_lock/g)).toHaveLength(2);
      expect(await freeElsewhere('test:a')).toBe(false);
      expect(await freeElsewhere('test:b')).toBe(false);

      await lockKeys(em, ['test:b', 'test:a']);
      expect(lockStatements()).toHaveLength(1);
      expect(keysToLock(em, ['test:a', 'test:c'])).toEqual(['test:c']);
    });
    expect(await freeElsewhere('test:a')).toBe(true);
    expect(await freeElsewhere('test:b')).toBe(true);
  });

  it('takes a key again in the next transaction', async () => {
    await inTransaction(orm, (em) => lockKeys(em, ['test:d']));
    statements = [];
    await inTransaction(orm, async (em) => {
      await lockKeys(em, ['test:d']);
      expect(lockStatements()).toHaveLength(1);
      expect(await freeElsewhere('test:d')).toBe(false);
    });
  });

  it('outside a transaction, keeps no record (every key is to be taken)', () => {
    const em = orm.em.fork();
    expect(keysToLock(em, ['test:e', 'test:e'])).toEqual(['test:e']);
    expect(keysToLock(em, ['test:e'])).toEqual(['test:e']);
  });
});
