import { createHash } from 'node:crypto';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { detectType, refusalReason, refusalText } from '../../../src/ingest/parse/attachments.js';
import { safeFilename } from '../../../src/ingest/parse/filenames.js';
import { TRUNCATED_MARKER } from '../../../src/ingest/parse/limits.js';
import { buildEml, fileBytes, fixture, MAGIC, type PartSpec } from './build-eml.js';

const MB = 1024 * 1024;
const parse = (parts: PartSpec[]) => parseMessage(buildEml({ text: 'see attached', parts }), DEFAULT_ATTACHMENT_POLICY);
const pdf = (name: string, size = 2048): PartSpec => ({ contentType: 'application/pdf', filename: name, content: fileBytes(MAGIC.pdf, size) });

/** The start of an Office Open XML zip: a stored [Content_Types].xml entry, then a local header named `entry`. */
function ooxml(entry: string): Buffer {
  const header = (name: string, body: string): Buffer => {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    return Buffer.concat([local, Buffer.from(name), Buffer.from(body)]);
  };
  return Buffer.concat([header('[Content_Types].xml', '<Types/>'), header(entry, '<x/>')]);
}

/** A zip whose one entry inflates to `inflated` zero bytes (a small zip bomb), built by hand (PKWARE APPNOTE 4.3). */
function zipBomb(inflated: number): Buffer {
  const data = deflateRawSync(Buffer.alloc(inflated));
  const name = Buffer.from('zeros.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(inflated, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(inflated, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe('attachment policy at the defaults (TESTPLAN S12)', () => {
  it('stores an allowed file with its hash and detected type', async () => {
    const part = pdf('report.pdf');
    const m = await parse([part]);
    expect(m.refused).toEqual([]);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf', detectedType: 'application/pdf', size: 2048, inline: false, contentId: null });
    expect(m.attachments[0]!.sha256).toBe(createHash('sha256').update(part.content).digest('hex'));
    expect(m.attachments[0]!.content.equals(part.content)).toBe(true);
  });

  it('refuses a 21 MB PDF and an 11 MB PNG, and still parses the message', async () => {
    const m = await parse([pdf('big.pdf', 21 * MB), { contentType: 'image/png', filename: 'shot.png', content: fileBytes(MAGIC.png, 11 * MB) }]);
    expect(m.text).toContain('see attached');
    expect(m.attachments).toEqual([]);
    expect(m.refused).toEqual([
      { filename: 'big.pdf', contentType: 'application/pdf', size: 21 * MB, reason: 'larger than 20 MB', why: { phrase: 'refused-too-large', values: { limit: '20 MB' } } },
      { filename: 'shot.png', contentType: 'image/png', size: 11 * MB, reason: 'larger than 10 MB', why: { phrase: 'refused-too-large', values: { limit: '10 MB' } } },
    ]);
  });

  it('stores 10 of 11 attachments and refuses the 11th', async () => {
    const m = await parse(Array.from({ length: 11 }, (_, i) => pdf(`file-${i + 1}.pdf`)));
    expect(m.attachments.map((a) => a.filename)).toEqual(Array.from({ length: 10 }, (_, i) => `file-${i + 1}.pdf`));
    expect(m.refused).toEqual([{ filename: 'file-11.pdf', contentType: 'application/pdf', size: 2048, reason: 'more than 10 attachments', why: { phrase: 'refused-too-many', values: { max: 10 } } }]);
  });

  it.each([
    ['an .exe renamed .pdf', 'invoice.pdf', 'application/pdf', MAGIC.exe, 'content is application/x-msdownload, not .pdf'],
    ['a .pht', 'shell.pht', 'application/octet-stream', '<?php echo 1; ?>', 'type .pht is not allowed'],
    ['an .exe', 'setup.exe', 'application/octet-stream', MAGIC.exe, 'type .exe is not allowed'],
    ['HTML saved as .jpg', 'photo.jpg', 'image/jpeg', '<html><script>alert(1)</script></html>', 'content is not recognised as .jpg'],
    ['a PNG named .jpg', 'photo.jpg', 'image/jpeg', MAGIC.png, 'content is image/png, not .jpg'],
    ['an .exe named .txt', 'notes.txt', 'text/plain', MAGIC.exe, 'content is application/x-msdownload, not .txt'],
    ['a name without extension', '../../x', 'application/octet-stream', 'data', 'files without an extension are not allowed'],
    ["Outlook's winmail.dat", 'winmail.dat', 'application/ms-tnef', MAGIC.tnef, "Outlook's winmail.dat, which holds files only Outlook can open: please send them again from a message in HTML or plain-text format"],
    ['a TNEF file under another name', 'ATT00001.bin', 'application/octet-stream', MAGIC.tnef, "Outlook's winmail.dat, which holds files only Outlook can open: please send them again from a message in HTML or plain-text format"],
  ])('refuses %s', async (_case, filename, contentType, magic, reason) => {
    const m = await parse([{ contentType, filename, content: fileBytes(magic, 512) }]);
    expect(m.attachments).toEqual([]);
    expect(m.refused).toHaveLength(1);
    expect(m.refused[0]!.reason).toBe(reason);
  });

  it.each([
    ['docx (a zip container)', 'a.docx', ooxml('word/document.xml'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['xlsx (a zip container)', 'a.xlsx', ooxml('xl/workbook.xml'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['docx that is a plain zip', 'b.docx', MAGIC.zip, 'application/zip'],
    ['zip', 'a.zip', MAGIC.zip, 'application/zip'],
    ['doc (CFB)', 'a.doc', MAGIC.cfb, 'application/x-cfb'],
    ['xls (CFB)', 'a.xls', MAGIC.cfb, 'application/x-cfb'],
    ['txt', 'a.txt', 'plain words\n', null],
    ['csv', 'a.csv', 'a,b\n1,2\n', null],
    ['gif', 'a.gif', MAGIC.gif, 'image/gif'],
    ['jpeg', 'a.jpeg', MAGIC.jpeg, 'image/jpeg'],
    ['rar', 'a.rar', MAGIC.rar, 'application/x-rar-compressed'],
  ])('accepts %s', async (_case, filename, magic, detected) => {
    const m = await parse([{ contentType: 'application/octet-stream', filename, content: fileBytes(magic, 4096) }]);
    expect(m.refused).toEqual([]);
    expect(m.attachments[0]?.detectedType).toBe(detected);
  });

  it('stores a zip bomb as an opaque blob, never inflating it (TESTPLAN S13)', async () => {
    const bomb = zipBomb(64 * MB);
    const started = performance.now();
    const m = await parse([{ contentType: 'application/zip', filename: 'bomb.zip', content: bomb }]);
    expect(m.attachments[0]).toMatchObject({ filename: 'bomb.zip', detectedType: 'application/zip', size: bomb.length });
    expect(await detectType(gzipSync(Buffer.alloc(MB)))).toEqual({ mime: 'application/gzip', ext: 'gz' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('keeps an inline cid image inline, names it, and drops the remote image from the HTML', async () => {
    const m = await parseMessage(fixture('inline-cid-image.eml'), DEFAULT_ATTACHMENT_POLICY);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'inline-1.png', inline: true, contentId: 'shot1@example.com', detectedType: 'image/png' });
    expect(m.html).toContain('<img src="cid:shot1@example.com" alt="screenshot" />');
    expect(m.html).not.toContain('tracker.example');
  });

  // Found by fuzzing: a Content-ID longer than a header line may be failed the message's transaction.
  it('keeps a Content-ID of up to 998 characters, control characters removed, and ignores a longer one', async () => {
    const png = (contentId: string): PartSpec => ({ contentType: 'image/png', filename: 'shot.png', content: fileBytes(MAGIC.png, 512), disposition: 'inline', contentId });
    const longest = `${'a'.repeat(986)}@example.com`;
    const m = await parse([png(`x\u0001y@example.com`), png(longest), png(`${longest}b`)]);
    expect(m.attachments.map((a) => a.contentId)).toEqual(['xy@example.com', longest, null]);
  });

  it('takes an empty declared type, or one longer than a media type can be, as application/octet-stream', async () => {
    const m = await parse([
      { contentType: `text/${'x'.repeat(300)}`, filename: 'notes.txt', content: Buffer.from('some notes') },
      { contentType: '', filename: 'more.txt', content: Buffer.from('more notes') },
    ]);
    expect(m.attachments).toMatchObject([
      { filename: 'notes.txt', contentType: 'application/octet-stream' },
      { filename: 'more.txt', contentType: 'application/octet-stream' },
    ]);
  });

  it('applies a configured policy', () => {
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, maxBytes: 1000, allowedExtensions: ['log'] };
    expect(refusalReason('a.log', 10, null, 0, policy)).toBeNull();
    expect(refusalText(refusalReason('a.log', 1001, null, 0, policy)!)).toBe('larger than 1000 bytes');
    expect(refusalText(refusalReason('a.log', 10, { mime: 'application/x-msdownload', ext: 'exe' }, 0, policy)!)).toBe('content is application/x-msdownload, not .log');
  });
});

describe('images embedded in the HTML as data: URLs', () => {
  const shot = fileBytes(MAGIC.png, 3000);
  const dataUrl = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;
  const parseHtml = (html: string, policy = DEFAULT_ATTACHMENT_POLICY) => parseMessage(buildEml({ html }), policy);
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('become inline image files that the HTML references by cid:, and the text names them instead of carrying their base64', async () => {
    const m = await parseHtml(`<p>The error:</p><img alt="the error" src="${dataUrl(shot)}"><p>Thanks</p>`);
    expect(m.refused).toEqual([]);
    expect(m.attachments).toHaveLength(1);
    const [image] = m.attachments;
    expect(image).toMatchObject({ filename: 'inline-1.png', contentType: 'image/png', detectedType: 'image/png', size: shot.length, inline: true });
    expect(image!.sha256).toBe(sha(shot));
    expect(image!.content.equals(shot)).toBe(true);
    expect(m.html?.trim()).toBe(`<p>The error:</p><img src="cid:${image!.contentId}" alt="the error" /><p>Thanks</p>`);
    expect(m.text).toBe('The error:\n\nthe error\n[inline-1.png]\n\nThanks');
  });

  it('a real PNG in an HTML-only mail: a file the body shows, the text without base64', async () => {
    const m = await parseMessage(fixture('data-url-image.eml'), DEFAULT_ATTACHMENT_POLICY);
    expect(m.attachments).toMatchObject([{ filename: 'inline-1.png', detectedType: 'image/png', size: 70, inline: true }]);
    expect(m.html).toContain(`<img src="cid:${m.attachments[0]!.contentId}" alt="error dialog" width="320" />`);
    expect(m.text).toBe('Hello, the export fails with this message:\n\nerror dialog\n[inline-1.png]\n\nRegards,\nLena');
  });

  it('reads single-quoted, unquoted, line-wrapped and parameterised URLs, and one image embedded twice is one file', async () => {
    const wrapped = shot.toString('base64').replace(/.{76}/g, '$&\n');
    const other = fileBytes(MAGIC.gif, 200);
    const m = await parseHtml(
      `<IMG SRC='data:image/png;base64,${wrapped}'><img width=1 src=${dataUrl(other, 'image/gif')}>` +
        `<img src="data:image/png;name=shot.png;base64,${shot.toString('base64')}">`,
    );
    expect(m.attachments.map((a) => [a.filename, a.size])).toEqual([['inline-1.png', shot.length], ['inline-2.gif', other.length]]);
    const [first, second] = m.attachments;
    expect(m.html?.trim()).toBe(`<img src="cid:${first!.contentId}" /><img src="cid:${second!.contentId}" width="1" /><img src="cid:${first!.contentId}" />`);
  });

  it('are refused like parts, told as refused, and left out of the HTML', async () => {
    const m = await parseHtml(`<p>a</p><img src="${dataUrl(Buffer.from('RIFF\0\0\0\0WEBPVP8 '), 'image/webp')}"><img src="${dataUrl(Buffer.from('<script>alert(1)</script>'))}"><p>b</p>`);
    expect(m.attachments).toEqual([]);
    expect(m.refused).toEqual([
      { filename: 'inline-1.webp', contentType: 'image/webp', size: 16, reason: 'type .webp is not allowed', why: { phrase: 'refused-type', values: { ext: 'webp' } } },
      { filename: 'inline-2.png', contentType: 'image/png', size: 25, reason: 'content is not recognised as .png', why: { phrase: 'refused-content-unknown', values: { ext: 'png' } } },
    ]);
    expect(m.html?.trim()).toBe('<p>a</p><p>b</p>');
    expect(m.text).not.toContain('base64');
  });

  it('count against the attachments a message may have, after its parts', async () => {
    const images = Array.from({ length: 3 }, (_, i) => `<img src="${dataUrl(fileBytes(MAGIC.png, 100 + i))}">`).join('');
    const m = await parseMessage(buildEml({ html: images, parts: [pdf('a.pdf')] }), { ...DEFAULT_ATTACHMENT_POLICY, maxCount: 3 });
    expect(m.attachments.map((a) => a.filename)).toEqual(['a.pdf', 'inline-1.png', 'inline-2.png']);
    expect(m.refused).toMatchObject([{ filename: 'inline-3.png', reason: 'more than 3 attachments' }]);
  });

  it('no longer push the rest of the HTML past what is kept: a 2 MB screenshot, then the text', async () => {
    const big = fileBytes(MAGIC.png, 2 * MB);
    const m = await parseHtml(`<p>before</p><img src="${dataUrl(big)}"><p>after the screenshot</p>`);
    expect(m.attachments.map((a) => a.size)).toEqual([big.length]);
    expect(m.html).toContain('<p>after the screenshot</p>');
    expect(m.html).not.toContain(TRUNCATED_MARKER);
  });

  it('are taken only from the src of an <img>: a link, text or another element keeps or loses its URL as before', async () => {
    const url = dataUrl(shot);
    const m = await parseHtml(`<a href="${url}">link</a><p>src=${url}</p><video src="${url}"></video><img alt="a>b" src="${url}">`);
    expect(m.attachments).toEqual([]);
    expect(m.refused).toEqual([]);
    expect(m.html?.trim()).toBe('<a rel="noopener noreferrer nofollow" target="_blank">link</a><p>src=' + url + '</p>');
  });
});

describe('safeFilename', () => {
  const long = `${'a'.repeat(300)}.pdf`;
  it.each([
    ['../../x', 'x'],
    ['..\\..\\x', 'x'],
    ['../../etc/passwd.txt', 'passwd.txt'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['a\u0000b.txt', 'ab.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['\u2066x\u2069 \r\n y.txt', 'x y.txt'],
    ['report..pdf', 'report.pdf'],
    ['.hidden.txt', 'hidden.txt'],
    ['x.exe. . ', 'x.exe'],
    ['a<b>:c"d|e?f*.txt', 'a_b__c_d_e_f_.txt'],
    ['   ', 'attachment'],
    ['../..', 'attachment'],
  ])('%j -> %j', (raw, expected) => {
    expect(safeFilename(raw)).toBe(expected);
  });

  it('cuts 300 characters to 255, keeping the extension', () => {
    const name = safeFilename(long);
    expect(name).toHaveLength(255);
    expect(name.endsWith('.pdf')).toBe(true);
  });

  it('sanitises hostile names through the parser', async () => {
    const m = await parse([
      pdf('../../x.pdf'),
      pdf('..\\..\\y.pdf'),
      pdf('nul\u0000.pdf'),
      pdf('cod\u202Efdp.pdf'),
      pdf(long),
    ]);
    expect(m.attachments.map((a) => a.filename)).toEqual(['x.pdf', 'y.pdf', 'nul.pdf', 'codfdp.pdf', `${'a'.repeat(251)}.pdf`]);
  });
});
