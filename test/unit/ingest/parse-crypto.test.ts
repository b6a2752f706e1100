/**
 * Signed and encrypted mail at the parser (parse/crypto-parts.ts): a detached signature or
 * PGP/MIME's control part is no file and no refusal; an encrypted part is refused saying what it
 * is and what to do; a desk that allows the type stores it like any file.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { refusalText } from '../../../src/ingest/parse/attachments.js';
import { OPENPGP_ENCRYPTED_REASON, SMIME_OPAQUE_REASON } from '../../../src/ingest/parse/crypto-parts.js';
import { buildEml, type PartSpec } from './build-eml.js';

const der = (size: number) => Buffer.concat([Buffer.from([0x30, 0x82]), randomBytes(size)]); // a DER SEQUENCE, as PKCS #7 starts
const armor = (kind: string) => Buffer.from(`-----BEGIN PGP ${kind}-----\n\n${randomBytes(120).toString('base64')}\n-----END PGP ${kind}-----\n`);
const summary = async (raw: Buffer, policy = DEFAULT_ATTACHMENT_POLICY) => {
  const m = await parseMessage(raw, policy);
  return { text: m.text.trim(), files: m.attachments.map((a) => a.filename), refused: m.refused.map((r) => [r.filename, r.reason]) };
};
const pdf: PartSpec = { contentType: 'application/pdf', filename: 'invoice.pdf', content: Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200)]) };

describe('signed mail', () => {
  it('S/MIME clear-signed (Outlook, Thunderbird): the text and real files, no smime.p7s and no refusal', async () => {
    const raw = buildEml({
      multipart: 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256',
      text: 'Printer on floor 3 is jammed.',
      parts: [pdf, { contentType: 'application/pkcs7-signature', filename: 'smime.p7s', content: der(900) }],
    });
    expect(await summary(raw)).toEqual({ text: 'Printer on floor 3 is jammed.', files: ['invoice.pdf'], refused: [] });
  });

  it('OpenPGP/MIME signed (signature.asc), and the old x-pkcs7 type: no refusal either', async () => {
    const pgp = buildEml({ multipart: 'multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256', text: 'Signed with GnuPG.', parts: [{ contentType: 'application/pgp-signature', filename: 'signature.asc', content: armor('SIGNATURE') }] });
    expect(await summary(pgp)).toEqual({ text: 'Signed with GnuPG.', files: [], refused: [] });
    const old = buildEml({ text: 'Old client.', parts: [{ contentType: 'application/x-pkcs7-signature', filename: 'smime.p7s', content: der(500) }] });
    expect((await summary(old)).refused).toEqual([]);
  });

  it('is stored like any file where the desk allows the type', async () => {
    const raw = buildEml({ text: 'x', parts: [{ contentType: 'application/pkcs7-signature', filename: 'smime.p7s', content: der(300) }] });
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, allowedExtensions: [...DEFAULT_ATTACHMENT_POLICY.allowedExtensions, 'p7s'] };
    expect((await summary(raw, policy)).files).toEqual(['smime.p7s']);
  });
});

describe('encrypted mail', () => {
  it('S/MIME enveloped or opaque-signed: refused, saying why and what to do', async () => {
    const enveloped = buildEml({ parts: [{ contentType: 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', filename: 'smime.p7m', content: der(2000) }] });
    expect(await summary(enveloped)).toEqual({ text: '', files: [], refused: [['smime.p7m', 'an encrypted message (S/MIME) that postdesk has no key to read: please send it again unencrypted']] });
    const opaque = buildEml({ parts: [{ contentType: 'application/x-pkcs7-mime; smime-type=signed-data; name="smime.p7m"', filename: 'smime.p7m', content: der(2000) }] });
    expect((await summary(opaque)).refused).toEqual([['smime.p7m', refusalText(SMIME_OPAQUE_REASON)]]);
  });

  it('OpenPGP/MIME: the control part ("Version: 1") is left out, the encrypted one refused with the reason; so is an encrypted file', async () => {
    const raw = buildEml({
      multipart: 'multipart/encrypted; protocol="application/pgp-encrypted"',
      parts: [
        { contentType: 'application/pgp-encrypted', content: Buffer.from('Version: 1\n') },
        { contentType: 'application/octet-stream', filename: 'encrypted.asc', content: armor('MESSAGE') },
      ],
    });
    expect(await summary(raw)).toEqual({ text: '', files: [], refused: [['encrypted.asc', 'an encrypted message or file (OpenPGP) that postdesk has no key to read: please send it again unencrypted']] });
    const file = buildEml({ text: 'The report, encrypted.', parts: [{ contentType: 'application/octet-stream', filename: 'report.pdf.gpg', content: randomBytes(300) }] });
    expect((await summary(file)).refused).toEqual([['report.pdf.gpg', refusalText(OPENPGP_ENCRYPTED_REASON)]]);
  });

  it('leaves other refusals as they were', async () => {
    const raw = buildEml({ text: 'x', parts: [{ contentType: 'application/octet-stream', filename: 'tool.exe', content: randomBytes(100) }] });
    expect((await summary(raw)).refused).toEqual([['tool.exe', 'type .exe is not allowed']]);
  });
});
