import type { Principal } from '../auth/tokens.js';
import type { Config } from '../config/env.js';
import type { Em, Orm } from '../db/orm.js';
import type { Logger } from '../log.js';
import type { Loaders } from './loaders.js';

/** Per request: who is calling, a forked EntityManager of its own, and a logger with the request id. */
export interface GraphQLContext {
  readonly principal: Principal;
  readonly em: Em;
  /** For commands that run their own transactions (e.g. re-ingesting a quarantined message). */
  readonly orm: Orm;
  /** HMAC key of our Message-IDs. */
  readonly secret: string;
  readonly log: Logger;
  readonly config: Config;
  /** DataLoaders and the ticket scope of this request (src/graphql/loaders.ts). */
  readonly loaders: Loaders;
}
