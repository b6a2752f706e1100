/**
 * Parts of signed and encrypted mail (S/MIME, RFC 8551; OpenPGP/MIME, RFC 3156) that the
 * attachment policy would refuse, told apart so a customer is not told off for them.
 *
 * - A detached signature (`smime.p7s`, `signature.asc`) and PGP/MIME's control part ("Version: 1")
 *   are not the customer's files: they are left out, neither stored nor refused. Without this every
 *   mail from a client that signs (common in companies: Outlook and Thunderbird with S/MIME) was
 *   answered with "smime.p7s: type .p7s is not allowed". The raw message keeps them.
 * - An encrypted part (`smime.p7m`, an OpenPGP message) stays refused, with a reason that says what
 *   it is and what to do, since postdesk holds no key to read it; S/MIME's opaque signed form
 *   (`smime-type=signed-data`) is wrapped the same way and gets its own advice.
 *
 * Only parts the policy refuses anyway are looked at: a signature or an encrypted file a desk
 * allows (ATTACHMENT_TYPES with `asc` or `p7m`) is stored like any file. Signatures are not
 * verified.
 */
import type { RefusalReason } from '../types.js';

export type CryptoPart = { readonly kind: 'signature' | 'control' } | { readonly kind: 'encrypted'; readonly reason: RefusalReason } | null;

const SMIME_SIGNATURE_TYPES = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature']);
const SMIME_WRAPPED_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);
const OPENPGP_EXTENSIONS = new Set(['pgp', 'gpg']);

export const SMIME_ENCRYPTED_REASON: RefusalReason = { phrase: 'refused-smime-encrypted', values: {} };
export const SMIME_OPAQUE_REASON: RefusalReason = { phrase: 'refused-smime-opaque', values: {} };
export const OPENPGP_ENCRYPTED_REASON: RefusalReason = { phrase: 'refused-openpgp-encrypted', values: {} };

/** Whether the part's first bytes, after leading whitespace, are this ASCII-armor line. */
function armored(head: Buffer, line: string): boolean {
  return head.toString('latin1').trimStart().startsWith(line);
}

/**
 * What a refused part is, when it belongs to signing or encryption; null for anything else.
 * @param contentType the part's declared type, lower-cased
 * @param smimeType the `smime-type` parameter of its Content-Type, if any
 * @param head the part's first bytes (at least 64)
 * @param extension its file name's extension, lower-cased
 */
export function cryptoPart(contentType: string, smimeType: string | null, head: Buffer, extension: string): CryptoPart {
  if (SMIME_SIGNATURE_TYPES.has(contentType)) return { kind: 'signature' };
  if (contentType === 'application/pgp-encrypted') return { kind: 'control' };
  if (SMIME_WRAPPED_TYPES.has(contentType)) return { kind: 'encrypted', reason: smimeType?.toLowerCase() === 'signed-data' ? SMIME_OPAQUE_REASON : SMIME_ENCRYPTED_REASON };
  // Before the signature type: some clients label an encrypted file application/pgp-signature.
  if (armored(head, '-----BEGIN PGP MESSAGE-----') || OPENPGP_EXTENSIONS.has(extension)) return { kind: 'encrypted', reason: OPENPGP_ENCRYPTED_REASON };
  if (contentType === 'application/pgp-signature') return { kind: 'signature' };
  return null;
}
