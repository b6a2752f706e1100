/**
 * `postdesk check` with DKIM signing: the key published at `<selector>._domainkey.<domain>` must be
 * the public half of DKIM_PRIVATE_KEY_FILE; a missing record or another key is a FAIL line naming
 * the record (a DNS zone in memory: the test machines have no internet).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dkimKey } from '../../src/check.js';
import { loadConfig } from '../../src/config/env.js';
import { FakeDns } from '../harness/fake-dns.js';

const dir = mkdtempSync(join(tmpdir(), 'postdesk-check-dkim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configWith(privateKey: string, selector: string) {
  const keyFile = join(dir, `${selector}.pem`);
  writeFileSync(keyFile, privateKey);
  return loadConfig({ SUPPORT_ADDRESS: 'support@example.com', DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: selector });
}

describe('postdesk check: the DKIM key', () => {
  const dns = new FakeDns();
  const published = dns.dkimKey('example.com', 'good', 1024);
  dns.dkimKey('example.com', 'rotated', 1024); // published there: a key the file below is not the other half of
  const other = new FakeDns().dkimKey('example.com', 'rotated', 1024);
  const resolveTxt = (name: string) => dns.resolver(name, 'TXT') as Promise<string[][]>;

  it('passes when the published key is the public half of the key file', async () => {
    expect(await dkimKey(configWith(published.privateKey, 'good'), resolveTxt)).toEqual({ name: 'dkim', ok: true, detail: 'signing as good._domainkey.example.com, whose published key matches' });
  });

  it('fails naming the record when another key or none is published', async () => {
    expect(await dkimKey(configWith(other.privateKey, 'rotated'), resolveTxt)).toEqual({
      name: 'dkim',
      ok: false,
      detail: 'the key published at rotated._domainkey.example.com is not the public half of DKIM_PRIVATE_KEY_FILE',
    });
    expect(await dkimKey(configWith(other.privateKey, 'missing'), resolveTxt)).toMatchObject({ name: 'dkim', ok: false, detail: expect.stringContaining('missing._domainkey.example.com') });
  });

  it('is no check at all without DKIM signing', async () => {
    expect(await dkimKey(loadConfig({}), resolveTxt)).toBeNull();
  });
});
