/**
 * Opening the ORM: connect for real (MikroORM.init does not), apply committed migrations, and
 * hand out forks. Never schema sync at run time.
 */
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors.js';
import { ormOptions } from './orm-config.js';

export type Orm = MikroORM;
export type Em = EntityManager;

/**
 * Connects to the database and checks the connection answers.
 * @throws AppError STORAGE_UNAVAILABLE (transient) when PostgreSQL cannot be reached
 */
export async function openOrm(databaseUrl: string, onQuery?: (sql: string) => void): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(databaseUrl, onQuery));
  await orm.connect().catch(() => undefined);
  const check = await orm.checkConnection();
  if (!check.ok) {
    await orm.close(true).catch(() => undefined);
    throw new AppError('STORAGE_UNAVAILABLE', `database unreachable: ${check.reason}`, 'transient', [], {
      cause: check.error,
    });
  }
  return orm;
}

/** Applies pending migrations; returns their names. Safe to run from several instances at once. */
export async function migrate(orm: Orm): Promise<string[]> {
  const em = orm.em.fork();
  // One instance migrates at a time; the others wait, then find nothing pending.
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('postdesk:migrations'))`);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  });
}
