/**
 * TESTPLAN M12 at the parser: every message of the shared corpus (../shared/corpus, never copied
 * into this repository) parses or is refused with UnprocessableMessageError; nothing else escapes.
 * Skipped, with the reason printed, when the corpus is not there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emlFiles } from '../../harness/eml-files.js';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { refusalText } from '../../../src/ingest/parse/attachments.js';
import { OPENPGP_ENCRYPTED_REASON, SMIME_ENCRYPTED_REASON } from '../../../src/ingest/parse/crypto-parts.js';
import { UnprocessableMessageError } from '../../../src/ingest/types.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));
const present = existsSync(CORPUS);
if (!present) console.log(`parse-corpus: skipped, no corpus at ${CORPUS}`);

describe.skipIf(!present)('the shared corpus', () => {
  it('every message parses or is quarantined with a reason, never anything else', async () => {
    const files = emlFiles(CORPUS);
    expect(files.length).toBeGreaterThan(0);
    const quarantined: string[] = [];
    let parsed = 0;
    let attachments = 0;
    let refused = 0;
    for (const file of files) {
      try {
        const message = await parseMessage(readFileSync(file), DEFAULT_ATTACHMENT_POLICY);
        expect(message.text.isWellFormed(), file).toBe(true);
        parsed++;
        attachments += message.attachments.length;
        refused += message.refused.length;
      } catch (error) {
        expect(error, file).toBeInstanceOf(UnprocessableMessageError);
        quarantined.push(`${file.slice(CORPUS.length + 1)}: ${(error as UnprocessableMessageError).code} ${(error as Error).message}`);
      }
    }
    console.log(
      `parse-corpus: ${files.length} messages, ${parsed} parsed (${attachments} attachments stored, ${refused} refused), ` +
        `${quarantined.length} quarantined${quarantined.map((line) => `\n  ${line}`).join('')}`,
    );
    expect(parsed + quarantined.length).toBe(files.length);
  });

  it('reads the DSNs in mail-gem/multipart_report_emails', async () => {
    const read = async (name: string) =>
      (await parseMessage(readFileSync(join(CORPUS, 'mail-gem/multipart_report_emails', name)), DEFAULT_ATTACHMENT_POLICY)).deliveryReport;
    const bounce = await read('multi_address_bounce1.eml');
    expect(bounce?.originalMessageId).toBe('118707422.15521266992174819.JavaMail.root@lvmail01');
    expect(bounce?.failedRecipients).toHaveLength(5);
    expect(bounce?.failedRecipients[0]).toBe('bbbbvhvbbvkjbhfbvbvjhb@gmail.com');
    expect(await read('multipart_report_multiple_status.eml')).toEqual({ originalMessageId: '4c2a146147ac8_61ff157c4ec1652df@s.h.c.mail', failedRecipients: ['u@ci.com'] });
    // A delay warning is a report without failed recipients.
    expect(await read('report_422.eml')).toEqual({ originalMessageId: '15655788.13.1200472642578.JavaMail.Administrator@mail.ttttt.com.au', failedRecipients: [] });
    expect((await read('report_530.eml'))?.failedRecipients).toEqual(['edwin@zzzzzzz.com']);
  });

  it("reads RT's signed mail without refusing its signature or showing its armor, and refuses its encrypted mail saying why", async () => {
    const read = async (name: string) => {
      const m = await parseMessage(readFileSync(join(CORPUS, 'rt', name)), DEFAULT_ATTACHMENT_POLICY);
      return { files: m.attachments.map((a) => a.filename), refused: m.refused.map((r) => `${r.filename}: ${r.reason}`) };
    };
    expect(await read('smime/1-signed.eml')).toEqual({ files: [], refused: [] });
    expect(await read('smime/3-signed-binary.eml')).toEqual({ files: ['favicon.png'], refused: [] });
    expect(await read('gnupg/1-signed-MIME-plain.eml')).toEqual({ files: [], refused: [] });
    expect(await read('smime/7-signed-encrypted-plain.eml')).toEqual({ files: [], refused: [`smime.p7m: ${refusalText(SMIME_ENCRYPTED_REASON)}`] });
    expect(await read('gnupg/7-encrypted-MIME-plain.eml')).toEqual({ files: [], refused: [`msg.asc: ${refusalText(OPENPGP_ENCRYPTED_REASON)}`] });
    // Signed inline: the new part is the text, without the armor (the full text keeps it).
    const inline = await parseMessage(readFileSync(join(CORPUS, 'rt', 'gnupg/4-signed-inline-plain.eml')), DEFAULT_ATTACHMENT_POLICY);
    expect(inline.visibleText).toBe('This is a test email with inline signature.\nID:4');
    expect(inline.text).toContain('-----BEGIN PGP SIGNATURE-----');
    const nested = await parseMessage(readFileSync(join(CORPUS, 'rt', 'gnupg/19-signed-inline-plain-nested.eml')), DEFAULT_ATTACHMENT_POLICY);
    expect(nested.visibleText).toBe('This is a test email with inline nested signature.\nID:19');
  });
});
