/**
 * "Forward as attachment": the customer's mail travels whole as a message/rfc822 file part.
 * parseMessage keeps the first such part's bytes (even when .eml is refused as a file), and
 * attachedForward reads the original from it and merges its text and files into the message the
 * ticket stores. Real MIME from nodemailer's composer and in Outlook's shape (7bit, attachment).
 */
import { describe, expect, it } from 'vitest';
import { attachedForward } from '../../../src/ingest/forwarded-attachment.js';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { buildMail } from '../../harness/mail.js';
import { buildEml, fileBytes, MAGIC } from './build-eml.js';

const pdf = (filename: string) => ({ filename, content: fileBytes(MAGIC.pdf, 1024), contentType: 'application/pdf' });

function customerMail(extra: { html?: string; files?: number } = {}): Promise<Buffer> {
  return buildMail({
    from: 'Carla Customer <Carla@Customer.test>',
    to: 'Sam Agent <sam@staff.test>',
    cc: 'Bob Boss <bob@customer.test>',
    subject: 'Scanner shows E42',
    text: 'Hello Sam, our scanner shows E42 since this morning.\nCarla',
    html: extra.html,
    date: new Date('2026-11-30T10:00:00Z'),
    attachments: Array.from({ length: extra.files ?? 0 }, (_, i) => pdf(`scan-${i + 1}.pdf`)),
  });
}

/** An agent's forward as Outlook sends it: the original 7bit, Content-Disposition attachment. */
function outlookForward(original: Buffer, disposition = 'attachment'): Buffer {
  const head = [
    'From: Sam Agent <sam@staff.test>',
    'To: support@desk.example',
    'Subject: FW: Scanner shows E42',
    'Message-ID: <fw-1@staff.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Can someone take this one?',
    '',
    '--outer',
    'Content-Type: message/rfc822',
    'Content-Transfer-Encoding: 7bit',
    `Content-Disposition: ${disposition}; filename="Scanner shows E42.eml"`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head), original, Buffer.from('\r\n--outer--\r\n')]);
}

describe('attachedForward', () => {
  it("takes the original's sender, CCs and subject, and merges its text and files into the forward", async () => {
    const forward = await parseMessage(outlookForward(await customerMail({ files: 1 })), DEFAULT_ATTACHMENT_POLICY);
    expect(forward.refused.map((r) => r.reason)).toEqual(['type .eml is not allowed']);
    const found = await attachedForward(forward, DEFAULT_ATTACHMENT_POLICY);
    expect(found?.original).toEqual({
      from: { email: 'carla@customer.test', name: 'Carla Customer' },
      cc: [{ email: 'bob@customer.test', name: 'Bob Boss' }],
      subject: 'Scanner shows E42',
    });
    const merged = found!.parsed;
    const block = [
      '---------- Forwarded message ---------',
      'From: Carla Customer <carla@customer.test>',
      'Date: Mon, 30 Nov 2026 10:00:00 GMT',
      'Subject: Scanner shows E42',
      'To: Sam Agent <sam@staff.test>',
      'Cc: Bob Boss <bob@customer.test>',
    ].join('\n');
    expect(merged.text).toBe(`Can someone take this one?\n\n${block}\n\nHello Sam, our scanner shows E42 since this morning.\nCarla`);
    expect(merged.visibleText).toContain('Can someone take this one?');
    expect(merged.visibleText).toContain('our scanner shows E42');
    // The .eml was unpacked, not refused; the customer's PDF is the message's file.
    expect(merged.refused).toEqual([]);
    expect(merged.attachments.map((a) => [a.filename, a.detectedType])).toEqual([['scan-1.pdf', 'application/pdf']]);
    expect(merged.attachedMessage).toBeNull();
    // What the forward itself says stays: its Message-ID and subject (threading, rules).
    expect([merged.messageId, merged.subject]).toEqual(['fw-1@staff.test', 'FW: Scanner shows E42']);
  });

  it('reads an original nodemailer sent base64-encoded, and one kept as a file where .eml is allowed', async () => {
    const original = await customerMail();
    const raw = buildEml({ text: 'FYI', parts: [{ contentType: 'message/rfc822', filename: 'mail.eml', content: original }] });
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, allowedExtensions: [...DEFAULT_ATTACHMENT_POLICY.allowedExtensions, 'eml'] };
    for (const [name, p] of [['default', DEFAULT_ATTACHMENT_POLICY], ['.eml allowed', policy]] as const) {
      const forward = await parseMessage(raw, p);
      const found = await attachedForward(forward, p);
      expect(found?.original.from.email, name).toBe('carla@customer.test');
      expect(found?.parsed.refused, name).toEqual([]);
      // Where the policy allows .eml, the original stays a file too.
      expect(found?.parsed.attachments.map((a) => a.filename), name).toEqual(name === 'default' ? [] : ['mail.eml']);
    }
  });

  it('keeps to the count limit across both messages, refusing what is over it', async () => {
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, maxCount: 2 };
    const original = await customerMail({ files: 2 });
    const raw = buildEml({
      text: 'Two of hers, one of mine',
      parts: [
        { contentType: 'application/pdf', filename: 'mine.pdf', content: fileBytes(MAGIC.pdf, 1024) },
        { contentType: 'message/rfc822', filename: 'hers.eml', content: original },
      ],
    });
    const merged = (await attachedForward(await parseMessage(raw, policy), policy))!.parsed;
    expect(merged.attachments.map((a) => a.filename)).toEqual(['mine.pdf', 'scan-1.pdf']);
    expect(merged.refused).toEqual([{ filename: 'scan-2.pdf', contentType: 'application/pdf', size: 1024, reason: 'more than 2 attachments', why: { phrase: 'refused-too-many', values: { max: 2 } } }]);
  });

  it("sanitises the merged HTML: the original's HTML below the forward's text and the header block", async () => {
    const original = await customerMail({ html: '<p onclick="steal()">E42 <b>again</b></p><script>alert(1)</script>' });
    const merged = (await attachedForward(await parseMessage(outlookForward(original), DEFAULT_ATTACHMENT_POLICY), DEFAULT_ATTACHMENT_POLICY))!.parsed;
    expect(merged.html).toMatch(/^<pre>Can someone take this one\?\n<\/pre><hr \/><pre>---------- Forwarded message ---------\nFrom: Carla Customer &lt;carla@customer.test&gt;/);
    expect(merged.html).toContain('<p>E42 <b>again</b></p>');
    expect(merged.html).not.toMatch(/script|onclick/);
  });

  it('finds nothing when the original is shown inline (forwarded.ts reads that), or has no valid sender', async () => {
    const inline = await parseMessage(outlookForward(await customerMail(), 'inline'), DEFAULT_ATTACHMENT_POLICY);
    expect(inline.attachedMessage).toBeNull();
    expect(inline.text).toContain('our scanner shows E42');
    expect(await attachedForward(inline, DEFAULT_ATTACHMENT_POLICY)).toBeNull();

    const anonymous = Buffer.from('Subject: no sender\r\nContent-Type: text/plain\r\n\r\nwho am I?\r\n');
    const forward = await parseMessage(outlookForward(anonymous), DEFAULT_ATTACHMENT_POLICY);
    expect(forward.attachedMessage?.content.toString()).toContain('who am I?');
    expect(await attachedForward(forward, DEFAULT_ATTACHMENT_POLICY)).toBeNull();
  });
});
