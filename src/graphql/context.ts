import type { Principal } from '../auth/tokens.js';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import type { Logger } from '../log.js';

/** Per request: who is calling, a forked EntityManager of its own, and a logger with the request id. */
export interface GraphQLContext {
  readonly principal: Principal;
  readonly em: Em;
  readonly log: Logger;
  readonly config: Config;
}
