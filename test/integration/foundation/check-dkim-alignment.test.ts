/**
 * `postdesk check` with FROM_QUEUE_ADDRESS and DKIM signing, on a real PostgreSQL: every queue's
 * own address must be signed by a key of its domain (DKIM_KEYS), or DMARC cannot pass on DKIM for
 * the mail it sends; the line names each queue that is not. (The DNS lookups of the keys fail here,
 * without internet; only the alignment line is looked at.)
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../../src/check.js';
import { loadConfig } from '../../../src/config/env.js';
import { openOrm } from '../../../src/db/orm.js';
import { Queue } from '../../../src/entities/index.js';
import { createLogger } from '../../../src/log.js';
import { createTestDatabase } from '../../harness/postgres.js';

let dir: string;
let databaseUrl: string;
const keyFile = () => join(dir, 'key.pem');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postdesk-check-align-'));
  writeFileSync(keyFile(), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  databaseUrl = await createTestDatabase();
  const orm = await openOrm(databaseUrl);
  try {
    const em = orm.em.fork();
    for (const [name, address] of [['Billing', 'billing@example.com'], ['Brand', 'help@brand.example']] as const) {
      const queue = new Queue(name);
      queue.emailAddress = address;
      em.persist(queue);
    }
    await em.flush();
  } finally {
    await orm.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function alignment(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', SUPPORT_ADDRESS: 'support@example.com', DATABASE_URL: databaseUrl, DKIM_PRIVATE_KEY_FILE: keyFile(), DKIM_SELECTOR: 's1', ...env });
  const results = await runChecks(config, createLogger('silent', new PassThrough()), 2000);
  return results.find((r) => r.name === 'dkim alignment') ?? null;
}

describe('postdesk check: DKIM alignment of queue addresses', () => {
  it('fails naming a queue whose address no key of its domain signs, and passes once DKIM_KEYS has one', async () => {
    expect(await alignment({ FROM_QUEUE_ADDRESS: 'true' })).toEqual({
      name: 'dkim alignment',
      ok: false,
      detail: 'Brand (help@brand.example) would go out signed as example.com: DMARC does not align with that unless the relay signs for the domain; give its key in DKIM_KEYS',
    });
    const keys = JSON.stringify([{ domain: 'brand.example', selector: 'b1', privateKeyFile: keyFile() }]);
    expect(await alignment({ FROM_QUEUE_ADDRESS: 'true', DKIM_KEYS: keys })).toEqual({ name: 'dkim alignment', ok: true, detail: 'mail From 2 queue addresses is signed by a key of its own domain' });
  });

  it('is no check without FROM_QUEUE_ADDRESS (mail comes from the support address)', async () => {
    expect(await alignment({})).toBeNull();
  });
});
