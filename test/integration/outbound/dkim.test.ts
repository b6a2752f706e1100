/**
 * DKIM signing (DKIM_PRIVATE_KEY_FILE, DKIM_SELECTOR): mail leaving over SMTP_URL carries a
 * DKIM-Signature for the support address's domain that verifies against the published key (a DNS
 * zone in memory, checked with mailauth as a receiving server would), so a relay that does not sign
 * need not cost the desk its deliverability. Mail From a brand queue's own address (DKIM_KEYS with
 * FROM_QUEUE_ADDRESS) is signed with that brand's key alone, so it passes DMARC for the brand's
 * domain. Real worker, real SMTP sink.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateSender } from '../../../src/ingest/authenticate-sender.js';
import { Queue } from '../../../src/entities/index.js';
import { queryDatabase } from '../../harness/eventually.js';
import { FakeDns } from '../../harness/fake-dns.js';
import { buildMail } from '../../harness/mail.js';
import { startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const dns = new FakeDns();
const key = dns.dkimKey('example.com', 's2026');
const brandKey = dns.dkimKey('brand.example', 'b1');
dns.dmarc('brand.example', 'reject').dmarc('example.com', 'reject');
let dir: string;
let h: OutboundHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postdesk-dkim-'));
  const keyFile = join(dir, 'dkim.pem');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  const brandFile = join(dir, 'brand.pem');
  writeFileSync(brandFile, brandKey.privateKey, { mode: 0o600 });
  h = await startOutboundHarness({
    DKIM_PRIVATE_KEY_FILE: keyFile,
    DKIM_SELECTOR: 's2026',
    DKIM_KEYS: JSON.stringify([{ domain: 'brand.example', selector: 'b1', privateKeyFile: brandFile }]),
    FROM_QUEUE_ADDRESS: 'true',
  });
  const em = h.ingest.orm.em.fork();
  const brand = new Queue('Brand');
  brand.emailAddress = 'help@mail.brand.example';
  await em.persist(brand).flush();
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
    expect(ack!.envelope.raw.toString('latin1')).not.toContain('brand.example'); // one signature, naming no other brand
    const verdict = await authenticateSender(ack!.envelope.raw, { resolver: dns.resolver });
    expect(verdict).toMatchObject({ dkim: 'pass', dmarc: 'pass' });
    // Altered on the way, it no longer verifies: the check above can fail.
    const altered = Buffer.from(ack!.envelope.raw.toString('latin1').replace('Signed, please', 'Signed, pleas3'), 'latin1');
    expect((await authenticateSender(altered, { resolver: dns.resolver })).dkim).not.toBe('pass');
  });

  it("signs mail From a brand queue's own address with the brand's key of DKIM_KEYS (a parent domain aligns), and it passes the brand's DMARC", async () => {
    await h.ingest.ingest(await buildMail({ from: 'Ed <ed@customer.test>', to: 'help@mail.brand.example', subject: 'Brand question' }));
    const [ack] = await waitForMailsTo(h.sink, 'ed@customer.test', 1);
    expect(ack!.parsed.from?.value[0]?.address).toBe('help@mail.brand.example');
    const signatures = ack!.envelope.raw.toString('latin1').match(/^DKIM-Signature:/gim);
    expect(signatures).toHaveLength(1);
    expect(ack!.header('dkim-signature')).toMatch(/\bd=brand\.example;[\s\S]*\bs=b1;/);
    const verdict = await authenticateSender(ack!.envelope.raw, { resolver: dns.resolver });
    expect(verdict).toMatchObject({ dkim: 'pass', dmarc: 'pass', authenticated: true });
    const rows = await queryDatabase<{ from_address: string }>(h.ingest.config.databaseUrl!, `select from_address from outbound_delivery where recipients = array['ed@customer.test']`);
    expect(rows).toEqual([{ from_address: 'help@mail.brand.example' }]);
  });
});
