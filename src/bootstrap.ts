/**
 * What a fresh database needs before the gateway is useful: an admin token and the default queue.
 * Runs at every start, from any number of instances at once (serialised by an advisory lock).
 */
import { writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/env.js';
import type { Em } from './db/orm.js';
import { ApiToken, Queue } from './entities/index.js';
import { Role } from './entities/enums.js';
import { hashToken, issueToken } from './auth/tokens.js';

/** The person behind ADMIN_TOKEN and the first-start token. */
export const ADMIN_EMAIL = 'admin@postdesk.invalid';
const ENV_TOKEN_LABEL = 'ADMIN_TOKEN';

export interface BootstrapResult {
  /** Set only on the start that created the first admin token: print it once. */
  readonly newAdminToken: string | null;
  /** Where the first-start token was written, when it was. */
  readonly adminTokenFile: string | null;
}

export function adminTokenFile(config: Config): string {
  return join(config.dataDir, 'admin-token');
}

/**
 * @returns the new admin token when this start created it (ADMIN_TOKEN unset, no admin token yet)
 */
export async function bootstrap(em: Em, config: Config): Promise<BootstrapResult> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('postdesk:bootstrap'))`);
    if ((await tx.count(Queue, { name: config.defaultQueue })) === 0) tx.persist(new Queue(config.defaultQueue));

    if (config.adminToken !== null) {
      await adoptEnvironmentToken(tx, config.adminToken);
      return { newAdminToken: null, adminTokenFile: null };
    }
    const admins = await tx.count(ApiToken, { role: Role.ADMIN, revokedAt: null, person: { active: true } });
    if (admins > 0) return { newAdminToken: null, adminTokenFile: null };
    const { secret } = await issueToken(tx, { email: ADMIN_EMAIL, name: 'Administrator', role: Role.ADMIN, label: 'first start' });
    await tx.flush();
    const file = adminTokenFile(config);
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { newAdminToken: secret, adminTokenFile: file };
  });
}

/** Makes ADMIN_TOKEN valid, and revokes an earlier value of it (rotating the variable works). */
async function adoptEnvironmentToken(em: Em, secret: string): Promise<void> {
  const hash = hashToken(secret);
  const previous = await em.find(ApiToken, { label: ENV_TOKEN_LABEL, revokedAt: null });
  for (const token of previous) if (token.tokenHash !== hash) token.revokedAt = new Date();
  const current = previous.find((t) => t.tokenHash === hash) ?? (await em.findOne(ApiToken, { tokenHash: hash }));
  if (current) {
    current.revokedAt = null;
    current.role = Role.ADMIN;
  } else {
    await issueToken(em, { email: ADMIN_EMAIL, name: 'Administrator', role: Role.ADMIN, label: ENV_TOKEN_LABEL, secret });
  }
  await em.flush();
}
