/**
 * MikroORM options for postdesk, shared by the gateway, the CLI, the tests and `migration:create`.
 *
 * Migrations are listed explicitly (migrations/index.ts) instead of discovered by file glob, so
 * the built code, vitest and the CLI all load the same compiled classes without a TS loader.
 */
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from '../entities/index.js';
import { releaseDroppedConnections } from './pool-release.js';

/**
 * @param clientUrl postgres:// URL of the database to use
 * @param onQuery optional callback for every SQL statement (tests count queries with it)
 */
export function ormOptions(clientUrl: string, onQuery?: (sql: string) => void): Options {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    // Discovery results are cheap to recompute; never write a cache folder next to the code.
    metadataCache: { enabled: false },
    pool: { min: 0, max: 10 },
    // A connection the server dropped mid-transaction goes back to the pool (pool-release.ts).
    driverOptions: { onPoolCreated: releaseDroppedConnections },
    migrations: {
      tableName: 'postdesk_migrations',
      path: 'migrations',
      pathTs: 'migrations',
      migrationsList: MIGRATIONS,
      snapshot: false,
      snapshotOnMigrate: false,
      snapshotName: '.snapshot-postdesk',
      emit: 'ts',
      silent: true,
    },
    debug: onQuery !== undefined ? ['query'] : false,
    logger: onQuery !== undefined ? (message: string) => onQuery(message) : () => undefined,
    // Each request, message and job forks its own EntityManager; the global one must stay unused.
    allowGlobalContext: false,
  });
}

/** Config for the MikroORM CLI (`npm run migration:create`): DATABASE_URL, else local service. */
export default ormOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postdesk_dev');
