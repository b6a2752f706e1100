/**
 * Which DKIM key signs a mail. DMARC passes on DKIM only when the signature's d= domain aligns
 * with the From domain: the same domain, or (relaxed alignment, the default) one sharing its
 * organisational domain. So mail From a brand's address (a queue's own address under
 * FROM_QUEUE_ADDRESS) is signed with that brand's key from DKIM_KEYS, never with every key: a
 * signature names its domain, and one brand's customers need not learn the others'.
 */
import type { Config, DkimConfig } from '../config/env.js';

/**
 * The key for `fromAddress`'s domain or its nearest parent domain among DKIM_* and DKIM_KEYS
 * (d=brand.example aligns with From help.brand.example); else the DKIM_* key, which does not
 * align but still vouches for the mail; null: unsigned.
 */
export function signingKey(config: Pick<Config, 'dkim' | 'dkimKeys'>, fromAddress: string | null): DkimConfig | null {
  const domain = fromAddress?.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  let best: DkimConfig | null = null;
  if (domain) {
    for (const key of [...(config.dkim ? [config.dkim] : []), ...config.dkimKeys]) {
      const covers = domain === key.domain || domain.endsWith(`.${key.domain}`);
      if (covers && key.domain.length > (best?.domain.length ?? 0)) best = key;
    }
  }
  return best ?? config.dkim;
}
