/**
 * Read receipts at the parser (parse/read-receipt.ts): what the report says, and neither its
 * report part nor the returned headers are refused as files.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { readReceiptOf } from '../../../src/ingest/parse/read-receipt.js';
import { buildMail, buildReadReceipt } from '../../harness/mail.js';

describe('read receipts', () => {
  it("Outlook's (no In-Reply-To): the original Message-ID, the disposition and the reader from the report; no refused part", async () => {
    const parsed = await parseMessage(buildReadReceipt({ from: 'Ann <Ann@Customer.test>', originalMessageId: 'pd.12.34.abc@example.com' }), DEFAULT_ATTACHMENT_POLICY);
    expect(parsed.readReceipt).toEqual({ originalMessageId: 'pd.12.34.abc@example.com', disposition: 'displayed', recipient: 'ann@customer.test' });
    expect(parsed.inReplyTo).toBeNull();
    expect(parsed.refused).toEqual([]);
    expect(parsed.text).toContain('was read on');
  });

  it("Thunderbird's (In-Reply-To and the returned headers), deleted unread", async () => {
    const parsed = await parseMessage(buildReadReceipt({ originalMessageId: 'orig@example.com', inReplyTo: 'orig@example.com', disposition: 'deleted' }), DEFAULT_ATTACHMENT_POLICY);
    expect(parsed).toMatchObject({ inReplyTo: 'orig@example.com', readReceipt: { originalMessageId: 'orig@example.com', disposition: 'deleted' }, refused: [], attachments: [] });
  });

  it('is a receipt by its type even when the report part is missing; other mail is none', async () => {
    const bare = buildReadReceipt({ originalMessageId: null });
    expect((await parseMessage(bare, DEFAULT_ATTACHMENT_POLICY)).readReceipt).toEqual({ originalMessageId: null, disposition: 'displayed', recipient: 'ann@customer.test' });
    expect((await parseMessage(await buildMail({}), DEFAULT_ATTACHMENT_POLICY)).readReceipt).toBeNull();
    expect(readReceiptOf(null)).toEqual({ originalMessageId: null, disposition: null, recipient: null });
  });

  it('reads folded fields, and takes nothing odd from a hostile report', () => {
    expect(readReceiptOf('Original-Message-ID:\r\n <a@b.example>\r\nDisposition: automatic-action/MDN-sent-automatically;\r\n  Processed/error\r\n')).toEqual({ originalMessageId: 'a@b.example', disposition: 'processed', recipient: null });
    expect(readReceiptOf(`Disposition: x; ${'d'.repeat(500)}\r\nFinal-Recipient: rfc822; not an address\r\n`)).toEqual({ originalMessageId: null, disposition: null, recipient: null });
  });
});
