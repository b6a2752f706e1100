/**
 * The HMAC key of our Message-IDs. POSTDESK_SECRET when set; otherwise generated once and kept in
 * $DATA_DIR/secret (as the issue asks) and in the database, so that several instances sharing one
 * database, each with its own DATA_DIR, still agree on it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { AppSetting } from '../entities/index.js';

const KEY = 'message_id_secret';

export async function resolveSecret(config: Config, em: Em): Promise<string> {
  if (config.secret) return config.secret;
  const file = join(config.dataDir, 'secret');
  const stored = await em.findOne(AppSetting, { key: KEY });
  if (stored) {
    if (!existsSync(file)) writeSecretFile(config.dataDir, file, stored.value);
    return stored.value;
  }
  const value = existsSync(file) ? readFileSync(file, 'utf8').trim() : randomBytes(32).toString('hex');
  await em.getConnection().execute(`insert into app_setting (key, value, created_at) values (?, ?, now()) on conflict (key) do nothing`, [KEY, value]);
  const winner = (await em.fork().findOneOrFail(AppSetting, { key: KEY })).value;
  writeSecretFile(config.dataDir, file, winner);
  return winner;
}

function writeSecretFile(dir: string, file: string, value: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
}
