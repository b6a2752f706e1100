/**
 * DKIM signing (DKIM_PRIVATE_KEY_FILE, DKIM_SELECTOR): mail leaving over SMTP_URL carries a
 * DKIM-Signature for the support address's domain that verifies against the published key (a DNS
 * zone in memory, checked with mailauth as a receiving server would), so a relay that does not sign
 * need not cost the desk its deliverability. Real worker, real SMTP sink.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateSender } from '../../../src/ingest/authenticate-sender.js';
import { FakeDns } from '../../harness/fake-dns.js';
import { buildMail } from '../../harness/mail.js';
import { startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const dns = new FakeDns();
const key = dns.dkimKey('example.com', 's2026');
let dir: string;
let h: OutboundHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postdesk-dkim-'));
  const keyFile = join(dir, 'dkim.pem');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  h = await startOutboundHarness({ DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 's2026' });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DKIM signing', () => {
  it("signs what goes out with the support address's domain, and the signature verifies", async () => {
    await h.ingest.ingest(await buildMail({ from: 'Dora <dora@customer.test>', subject: 'Signed, please' }));
    const [ack] = await waitForMailsTo(h.sink, 'dora@customer.test', 1);
    const signature = ack!.header('dkim-signature');
    expect(signature).toMatch(/\bd=example\.com;/);
    expect(signature).toMatch(/\bs=s2026;/);
    const verdict = await authenticateSender(ack!.envelope.raw, { resolver: dns.resolver });
    expect(verdict.dkim).toBe('pass');
    // Altered on the way, it no longer verifies: the check above can fail.
    const altered = Buffer.from(ack!.envelope.raw.toString('latin1').replace('Signed, please', 'Signed, pleas3'), 'latin1');
    expect((await authenticateSender(altered, { resolver: dns.resolver })).dkim).not.toBe('pass');
  });
});
