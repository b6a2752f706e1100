/**
 * Which DKIM key signs a mail. DMARC passes on DKIM only when the signature's d= domain aligns
 * with the From domain: the same domain, or (relaxed alignment, the default) one sharing its
 * organisational domain. So mail From a brand's address (a queue's own address under
 * FROM_QUEUE_ADDRESS) is signed with that brand's key from DKIM_KEYS, never with every key: a
 * signature names its domain, and one brand's customers need not learn the others'.
 */
import type { Config, DkimConfig } from '../config/env.js';

type Signing = Pick<Config, 'dkim' | 'dkimKeys'>;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Whether a signature of `key` aligns with mail From `address`: its domain is the address's domain or a parent of it. */
export function aligns(key: DkimConfig, address: string): boolean {
  const domain = domainOf(address);
  return domain === key.domain || domain.endsWith(`.${key.domain}`);
}

/** Every signing key: DKIM_*'s first, then DKIM_KEYS. */
export function signingKeys(config: Signing): DkimConfig[] {
  return [...(config.dkim ? [config.dkim] : []), ...config.dkimKeys];
}

/**
 * The key for `fromAddress`'s domain or its nearest parent domain among DKIM_* and DKIM_KEYS
 * (d=brand.example aligns with From help.brand.example); else the DKIM_* key, which does not
 * align but still vouches for the mail; null: unsigned.
 */
export function signingKey(config: Signing, fromAddress: string | null): DkimConfig | null {
  let best: DkimConfig | null = null;
  if (fromAddress) {
    for (const key of signingKeys(config)) {
      if (aligns(key, fromAddress) && key.domain.length > (best?.domain.length ?? 0)) best = key;
    }
  }
  return best ?? config.dkim;
}

/**
 * The queue addresses (FROM_QUEUE_ADDRESS) whose mail no key aligns with, in words: "Brand
 * (help@brand.example) would be signed as example.com". DMARC cannot pass on DKIM for them.
 */
export function unalignedQueues(config: Signing, queues: readonly { name: string; emailAddress: string }[]): string[] {
  return queues.flatMap(({ name, emailAddress }) => {
    const key = signingKey(config, emailAddress);
    if (key && aligns(key, emailAddress)) return [];
    return [`${name} (${emailAddress}) would go out ${key ? `signed as ${key.domain}` : 'unsigned'}`];
  });
}
