/**
 * `postdesk check` with DKIM signing: the key published at `<selector>._domainkey.<domain>` must be
 * the public half of DKIM_PRIVATE_KEY_FILE (and of each key in DKIM_KEYS); a missing record or
 * another key is a FAIL line naming the record and the variable (a DNS zone in memory: the test
 * machines have no internet).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dkimKeys } from '../../src/check.js';
import { loadConfig } from '../../src/config/env.js';
import { FakeDns } from '../harness/fake-dns.js';

const dir = mkdtempSync(join(tmpdir(), 'postdesk-check-dkim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(privateKey: string, name: string): string {
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, privateKey);
  return file;
}

function configWith(privateKey: string, selector: string, env: Record<string, string> = {}) {
  return loadConfig({ SUPPORT_ADDRESS: 'support@example.com', DKIM_PRIVATE_KEY_FILE: keyFile(privateKey, selector), DKIM_SELECTOR: selector, ...env });
}

describe('postdesk check: the DKIM key', () => {
  const dns = new FakeDns();
  const published = dns.dkimKey('example.com', 'good', 1024);
  dns.dkimKey('example.com', 'rotated', 1024); // published there: a key the file below is not the other half of
  const other = new FakeDns().dkimKey('example.com', 'rotated', 1024);
  const resolveTxt = (name: string) => dns.resolver(name, 'TXT') as Promise<string[][]>;

  const check = (config: ReturnType<typeof loadConfig>) => Promise.all(dkimKeys(config, resolveTxt));

  it('passes when the published key is the public half of the key file', async () => {
    expect(await check(configWith(published.privateKey, 'good'))).toEqual([{ name: 'dkim', ok: true, detail: 'signing as good._domainkey.example.com, whose published key matches' }]);
  });

  it("checks each brand domain's key of DKIM_KEYS too, naming the entry whose key is not the published one", async () => {
    const brand = dns.dkimKey('brand.example', 'b1', 1024);
    const stranger = new FakeDns().dkimKey('help.other.example', 'x', 1024);
    dns.dkimKey('help.other.example', 'x', 1024);
    const keys = [
      { domain: 'brand.example', selector: 'b1', privateKeyFile: keyFile(brand.privateKey, 'brand') },
      { domain: 'help.other.example', selector: 'x', privateKeyFile: keyFile(stranger.privateKey, 'stranger') },
    ];
    expect(await check(configWith(published.privateKey, 'good', { DKIM_KEYS: JSON.stringify(keys) }))).toEqual([
      { name: 'dkim', ok: true, detail: 'signing as good._domainkey.example.com, whose published key matches' },
      { name: 'dkim', ok: true, detail: 'signing as b1._domainkey.brand.example, whose published key matches' },
      { name: 'dkim', ok: false, detail: 'the key published at x._domainkey.help.other.example is not the public half of DKIM_KEYS[1].privateKeyFile' },
    ]);
  });

  it('fails naming the record when another key or none is published', async () => {
    expect(await check(configWith(other.privateKey, 'rotated'))).toEqual([
      { name: 'dkim', ok: false, detail: 'the key published at rotated._domainkey.example.com is not the public half of DKIM_PRIVATE_KEY_FILE' },
    ]);
    expect(await check(configWith(other.privateKey, 'missing'))).toMatchObject([{ name: 'dkim', ok: false, detail: expect.stringContaining('missing._domainkey.example.com') }]);
  });

  it('is no check at all without DKIM signing', async () => {
    expect(dkimKeys(loadConfig({}), resolveTxt)).toEqual([]);
  });
});
