/**
 * A DNS zone in memory for sender-authentication tests (S6, S19): SPF, DMARC and DKIM key records
 * that mailauth resolves through the resolver seam, plus DKIM signing and ARC sealing with keys
 * published there. The test machines have no internet, and real domains would make tests depend
 * on someone else's DNS anyway.
 */
import { generateKeyPairSync } from 'node:crypto';
import { authenticate, dkimSign } from 'mailauth';
import type { DnsResolver } from '../../src/ingest/authenticate-sender.js';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
}

export class FakeDns {
  private readonly records = new Map<string, unknown[]>();
  /** Every query, as `TYPE name`, so tests can count lookups. */
  readonly queries: string[] = [];
  /** Names whose queries fail with SERVFAIL-like errors (a temperror). */
  readonly broken = new Set<string>();

  readonly resolver: DnsResolver = async (name, rrtype) => {
    const key = `${rrtype.toUpperCase()} ${name.toLowerCase().replace(/\.$/, '')}`;
    this.queries.push(key);
    if (this.broken.has(name.toLowerCase())) throw Object.assign(new Error(`queryTxt ESERVFAIL ${name}`), { code: 'ESERVFAIL' });
    const found = this.records.get(key);
    if (found) return found;
    const exists = [...this.records.keys()].some((k) => k.endsWith(` ${name.toLowerCase()}`));
    throw Object.assign(new Error(`query ${exists ? 'ENODATA' : 'ENOTFOUND'} ${name}`), { code: exists ? 'ENODATA' : 'ENOTFOUND' });
  };

  add(rrtype: string, name: string, value: unknown): this {
    const key = `${rrtype} ${name.toLowerCase()}`;
    this.records.set(key, [...(this.records.get(key) ?? []), value]);
    return this;
  }

  /** TXT records come back as arrays of strings (chunks), as from dns.resolveTxt. */
  txt(name: string, value: string): this {
    const chunks = value.match(/.{1,255}/g) ?? [''];
    return this.add('TXT', name, chunks);
  }

  spf(domain: string, record: string): this {
    return this.txt(domain, record);
  }

  dmarc(domain: string, policy: 'none' | 'quarantine' | 'reject'): this {
    return this.txt(`_dmarc.${domain}`, `v=DMARC1; p=${policy}`);
  }

  /** Generates an RSA key pair and publishes its public half as `selector._domainkey.domain`. */
  dkimKey(domain: string, selector = 'mail', bits = 2048): DkimKey {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    this.txt(`${selector}._domainkey.${domain}`, `v=DKIM1; k=rsa; p=${p}`);
    return { domain, selector, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
}

/** Prepends a DKIM-Signature made with `key` (relaxed/relaxed, rsa-sha256). */
export async function signDkim(raw: Buffer | string, key: DkimKey): Promise<Buffer> {
  const message = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  // The README's signatureData form; mailauth's typings only know the older top-level form.
  const options = { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }] };
  const result = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
  if (result.errors.length > 0 || !result.signatures) throw new Error(`DKIM signing failed: ${JSON.stringify(result.errors)}`);
  return Buffer.concat([Buffer.from(result.signatures), message]);
}

/**
 * What a forwarding list does: authenticates the message as it arrived and adds an ARC set
 * (ARC-Authentication-Results, ARC-Message-Signature, ARC-Seal) signed with `key`.
 */
export async function sealArc(raw: Buffer, key: DkimKey, dns: FakeDns): Promise<Buffer> {
  const { headers, arc } = await authenticate(raw, {
    resolver: dns.resolver as never,
    mta: key.domain,
    disableBimi: true,
    seal: { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey },
  });
  const errors = (arc as { sealErrors?: unknown[] } | false) && (arc as { sealErrors?: unknown[] }).sealErrors;
  if (errors && errors.length > 0) throw new Error(`ARC sealing failed: ${JSON.stringify(errors)}`);
  return Buffer.concat([Buffer.from(headers), raw]);
}
