/** Which DKIM key signs a mail: the one whose domain the From address is in, nearest first; else DKIM_*'s. And which queue addresses no key aligns with. */
import { describe, expect, it } from 'vitest';
import type { DkimConfig } from '../../../src/config/env.js';
import { signingKey, unalignedQueues } from '../../../src/outbound/dkim.js';

const key = (domain: string): DkimConfig => ({ domain, selector: 's1', privateKey: `key of ${domain}`, source: domain });
const main = key('example.com');
const brand = key('brand.example');
const helpBrand = key('help.brand.example');

describe('signingKey', () => {
  it("takes the key of the From address's domain, or of its nearest parent domain", () => {
    const config = { dkim: main, dkimKeys: [brand, helpBrand] };
    expect(signingKey(config, 'support@example.com')).toBe(main);
    expect(signingKey(config, 'Billing@Brand.Example')).toBe(brand);
    expect(signingKey(config, 'billing@eu.brand.example')).toBe(brand);
    expect(signingKey(config, 'desk@help.brand.example')).toBe(helpBrand);
    expect(signingKey(config, 'desk@eu.help.brand.example')).toBe(helpBrand);
    expect(signingKey(config, 'desk@support.example.com')).toBe(main);
  });

  it('falls back to the DKIM_* key for any other domain and for mail queued without its From address; without one, none', () => {
    expect(signingKey({ dkim: main, dkimKeys: [brand] }, 'desk@otherbrand.example')).toBe(main);
    expect(signingKey({ dkim: main, dkimKeys: [brand] }, 'desk@notbrand.example')).toBe(main); // a suffix, not a parent domain
    expect(signingKey({ dkim: main, dkimKeys: [brand] }, null)).toBe(main);
    expect(signingKey({ dkim: null, dkimKeys: [brand] }, 'desk@other.example')).toBeNull();
    expect(signingKey({ dkim: null, dkimKeys: [brand] }, 'desk@brand.example')).toBe(brand);
    expect(signingKey({ dkim: null, dkimKeys: [] }, 'desk@brand.example')).toBeNull();
  });
});

describe('unalignedQueues', () => {
  it('names each queue address whose mail no key of its domain (or a parent) signs, and how it would go out', () => {
    const queues = [
      { name: 'Billing', emailAddress: 'billing@example.com' },
      { name: 'EU', emailAddress: 'eu@help.example.com' },
      { name: 'Brand', emailAddress: 'help@brand.example' },
      { name: 'Other', emailAddress: 'desk@other.example' },
    ];
    expect(unalignedQueues({ dkim: main, dkimKeys: [brand] }, queues)).toEqual(['Other (desk@other.example) would go out signed as example.com']);
    expect(unalignedQueues({ dkim: null, dkimKeys: [brand] }, queues)).toEqual([
      'Billing (billing@example.com) would go out unsigned',
      'EU (eu@help.example.com) would go out unsigned',
      'Other (desk@other.example) would go out unsigned',
    ]);
    expect(unalignedQueues({ dkim: main, dkimKeys: [brand] }, [])).toEqual([]);
  });
});
