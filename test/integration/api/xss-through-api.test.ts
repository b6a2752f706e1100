/**
 * TESTPLAN S1 as seen through the API: every payload of the XSS corpus (test/fixtures/xss-payloads.ts,
 * over 200) goes through the real ingest pipeline twice, once as a MIME message written by
 * nodemailer (payload as HTML body, text body, Subject, From display name and attachment filename)
 * and once hand-encoded (Subject and From as RFC 2047 encoded words, B and Q alternately, the
 * filename as RFC 2231 parameter or encoded word, the HTML body base64), and is read back from
 * GraphQL. Then:
 * - every `bodyHtml` is parsed with a real HTML parser (htmlparser2, the one sanitize-html uses)
 *   and, where Chromium is installed, again with the browser's own DOMParser, and every element
 *   and attribute is walked: 0 script elements, 0 `on*` attributes, 0 dangerous URL schemes
 *   (nor any other element that runs, loads or submits by itself);
 * - Subject, display name and filename come back as the plain strings that were sent (no HTML
 *   escaping the client would have to undo, nothing removed but what ingest documents).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extensionOf, safeFilename } from '../../../src/ingest/parse/filenames.js';
import { ACTIVE_ELEMENTS, DANGEROUS_SCHEME, XSS_PAYLOADS } from '../../fixtures/xss-payloads.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { findChromium, openChromiumPage } from '../../harness/chromium.js';
import { gql } from '../../harness/graphql-client.js';
import { elementsOf } from '../../harness/html.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Served {
  payload: string;
  how: 'mime' | 'encoded-words';
  subject: string;
  messageSubject: string | null;
  name: string | null;
  filename: string | undefined;
  bodyText: string;
  bodyHtml: string | null;
}
const served: Served[] = [];

/** Attribute values as a browser reads a URL: C0 controls and spaces trimmed, tab and newline removed anywhere. */
const asUrl = (value: string) => value.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'data', 'code', 'codebase', 'cite', 'longdesc', 'dynsrc', 'lowsrc', 'ping', 'manifest', 'usemap', 'srcdoc', 'srcset']);

/** What the DOM walk found wrong in one body; both walkers (Node and Chromium) apply these rules. */
function violations(elements: { name: string; attributes: [string, string][] }[]): string[] {
  const found: string[] = [];
  for (const { name, attributes } of elements) {
    if (name === 'script') found.push('script element');
    else if (ACTIVE_ELEMENTS.has(name)) found.push(`<${name}> element`);
    for (const [attribute, value] of attributes) {
      if (attribute.startsWith('on')) found.push(`${attribute} attribute on <${name}>`);
      if (DANGEROUS_SCHEME.test(asUrl(value))) found.push(`dangerous scheme in ${name}[${attribute}]`);
      if (attribute === 'style' || attribute === 'srcdoc' || attribute === 'srcset') found.push(`${attribute} attribute on <${name}>`);
      // Nothing loads by itself: the only source an element may have is a part of the message.
      if (URL_ATTRIBUTES.has(attribute) && attribute !== 'href' && attribute !== 'cite' && !/^cid:/i.test(asUrl(value))) found.push(`${name}[${attribute}] loads ${value.slice(0, 40)}`);
      if (attribute === 'href' && !/^(?:https?|mailto):/i.test(asUrl(value))) found.push(`a[href] not http(s)/mailto: ${value.slice(0, 40)}`);
    }
  }
  return found;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** RFC 2047 Q encoding: everything but letters and digits as =XX, so no character of the payload is literal. */
const q = (s: string) => [...Buffer.from(s, 'utf8')].map((byte) => (/[A-Za-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const encodedWord = (s: string, i: number) => (i % 2 === 0 ? `=?UTF-8?B?${b64(s)}?=` : `=?UTF-8?Q?${q(s)}?=`);
/** RFC 2231 / 5987 ext-value: every byte outside attr-char percent-encoded. */
const ext = (s: string) => [...Buffer.from(s, 'utf8')].map((byte) => (/[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A message whose Subject, From and filename are encoded words / RFC 2231, written out so the encoding is certain. */
function encodedMail(payload: string, i: number): Buffer {
  const boundary = `b${randomBytes(8).toString('hex')}`;
  const filename = `${payload}.txt`;
  const disposition = i % 2 === 0 ? `attachment; filename*=UTF-8''${ext(filename)}` : `attachment; filename="${encodedWord(filename, 0)}"`;
  const html = `<p>before</p>${payload}<p>after ${i}</p>`;
  return Buffer.from(
    [
      `From: ${encodedWord(payload, i)} <ew${i}@attacker.test>`,
      'To: support@example.com',
      `Subject: ${encodedWord(payload, i)}`,
      `Message-ID: <${randomBytes(8).toString('hex')}@attacker.test>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64(html).replace(/.{76}/g, '$&\r\n'),
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      `Content-Disposition: ${disposition}`,
      'Content-Transfer-Encoding: base64',
      '',
      b64('hello'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

const READ = `query($n: Int!) { ticket(number: $n) { subject requester { name email } messages { subject bodyText bodyHtml attachments { filename } } } }`;

async function ingestAndRead(raw: Buffer, payload: string, how: Served['how']): Promise<void> {
  const outcome = await h.ingest(raw);
  if (outcome.kind !== 'ticket') throw new Error(`${how} ${JSON.stringify(payload)}: expected a ticket, got ${JSON.stringify(outcome)}`);
  const response = await gql<Data>(gw.url, gw.adminToken, READ, { n: outcome.ticketNumber });
  expect(response.errors, payload).toBeUndefined();
  const t = response.data!.ticket;
  const m = t.messages[0];
  served.push({ payload, how, subject: t.subject, messageSubject: m.subject, name: t.requester.name, filename: m.attachments[0]?.filename, bodyText: m.bodyText, bodyHtml: m.bodyHtml });
}

beforeAll(async () => {
  // This file reads ~500 tickets with one token as fast as it can: its budget is not what S1 is about.
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', GRAPHQL_RATE_LIMIT: '0' });
  h = await createIngestHarness({}, gw.databaseUrl);
  for (const [i, payload] of XSS_PAYLOADS.entries()) {
    const mime = await buildMail({
      from: { name: payload, address: `x${i}@attacker.test` } as unknown as string,
      subject: payload,
      text: payload,
      html: `<p>before</p>${payload}<p>after ${i}</p>`,
      attachments: [{ filename: `${payload}.txt`, content: 'hello', contentType: 'text/plain' }],
    });
    await ingestAndRead(mime, payload, 'mime');
    await ingestAndRead(encodedMail(payload, i), payload, 'encoded-words');
  }
}, 600_000);
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

/**
 * The visible characters of a one-line string. Whitespace and control characters in headers are
 * rewritten on the way (folding, unfolding, RFC 2047 decoding, then ingest's plainLine: controls
 * and bidi marks removed, tabs as spaces, runs collapsed; src/ingest/parse/plain-string.ts); every
 * other character must come back exactly, unescaped.
 */
const visible = (s: string) => s.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, '');
const ESCAPED = /&(?:lt|gt|amp|quot|#x?[0-9a-f]+);/i;

describe('hostile mail through the API (S1)', () => {
  it(`has a corpus of at least 200 payloads, each served twice (MIME and encoded words)`, () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(200);
    expect(served).toHaveLength(2 * XSS_PAYLOADS.length);
    console.log(`[S1] ${XSS_PAYLOADS.length} payloads, ${served.length} messages ingested and read back through GraphQL`);
  });

  it('has a DOM walk that sees what it must refuse (so a clean result means something)', () => {
    const unsafe = '<p><a href=" java&#x0A;script:alert(1)" onclick=x>a</a><script>1</script><img src="http://canary.test/t.png"><div style="x"></div><svg></svg></p>';
    expect(violations(elementsOf(unsafe)).sort()).toEqual([
      'dangerous scheme in a[href]',
      'onclick attribute on <a>',
      'a[href] not http(s)/mailto: ' + ' java\nscript:alert(1)',
      'script element',
      'img[src] loads http://canary.test/t.png',
      'style attribute on <div>',
      '<svg> element',
    ].sort());
    expect(violations(elementsOf('<p>ok <a href="https://example.com/x" rel="noopener">x</a><img src="cid:part1"></p>'))).toEqual([]);
  });

  it('finds no script element, no on* attribute and no dangerous URL in any bodyHtml (htmlparser2 DOM walk)', () => {
    const found: string[] = [];
    let elements = 0;
    for (const s of served) {
      expect(s.bodyHtml, `${s.how} ${s.payload}`).not.toBeNull();
      expect(s.bodyHtml).toContain('before');
      const walked = elementsOf(s.bodyHtml!);
      elements += walked.length;
      for (const problem of violations(walked)) found.push(`${s.how} ${JSON.stringify(s.payload)}: ${problem} in ${s.bodyHtml}`);
    }
    expect(found).toEqual([]);
    // The walk saw real markup (the p of every message at least), not empty strings.
    expect(elements).toBeGreaterThanOrEqual(2 * served.length);
    console.log(`[S1] htmlparser2: ${elements} elements walked in ${served.length} bodies; 0 script, 0 on*, 0 dangerous schemes`);
  });

  const chromium = findChromium();
  if (!chromium) console.warn('\n!!! S1: no Chromium at /usr/bin/chromium (or CHROMIUM_PATH): the browser DOM walk is skipped; the htmlparser2 walk still runs. !!!\n');
  it.skipIf(!chromium)('finds the same nothing when Chromium itself parses every bodyHtml (DOMParser, no script runs)', async () => {
    const page = await openChromiumPage(chromium!);
    try {
      const bodies = served.map((s) => s.bodyHtml ?? '');
      // DOMParser builds an inert document: nothing in it runs or loads; we only read its tree.
      const walked = await page.evaluate<{ name: string; attributes: [string, string][] }[][]>(`(${JSON.stringify(bodies)}).map((html) => {
        const doc = new DOMParser().parseFromString(html, 'text/html');
        return [...doc.body.querySelectorAll('*'), ...doc.head.querySelectorAll('*')].map((e) => ({
          name: e.localName.toLowerCase(),
          attributes: [...e.attributes].map((a) => [a.name.toLowerCase(), a.value]),
        }));
      })`);
      const found = walked.flatMap((elements, i) => violations(elements).map((p) => `${served[i]!.how} ${JSON.stringify(served[i]!.payload)}: ${p}`));
      expect(found).toEqual([]);
      expect(walked.flat().length).toBeGreaterThanOrEqual(2 * served.length);
      console.log(`[S1] Chromium DOMParser: ${walked.flat().length} elements walked; 0 script, 0 on*, 0 dangerous schemes`);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('returns Subject and From display name as the plain strings that were sent, encoded words decoded (100%)', () => {
    const found: string[] = [];
    for (const s of served) {
      const expected = visible(s.payload);
      for (const [field, value] of [['subject', s.subject], ['message subject', s.messageSubject], ['name', s.name]] as const) {
        if (visible(value ?? '') !== expected) found.push(`${s.how} ${field}: ${JSON.stringify(value)} for ${JSON.stringify(s.payload)}`);
        else if (value !== value?.trim() || /[\u0000-\u0008\u000a-\u001f]/.test(value ?? '')) found.push(`${s.how} ${field}: control characters or padding in ${JSON.stringify(value)}`);
      }
    }
    expect(found).toEqual([]);
    console.log(`[S1] ${served.length * 3} subjects and display names came back as the strings sent`);
  });

  it('returns the text body as the plain text that was sent', () => {
    const text = (s: string) => s.replace(/\r\n?/g, '\n').replace(/\u0000/g, '').trim();
    const found = served
      .filter((s) => s.how === 'mime')
      .filter((s) => text(s.bodyText) !== text(s.payload))
      .map((s) => `${JSON.stringify(s.payload)} came back as ${JSON.stringify(s.bodyText)}`);
    expect(found).toEqual([]);
  });

  it('returns attachment filenames as plain strings: cleaned as ingest documents, never HTML-escaped (100%)', () => {
    const found: string[] = [];
    let stored = 0;
    for (const s of served) {
      // Ingest keeps the base name and replaces <>:"|?* (src/ingest/parse/filenames.ts); a name
      // whose extension did not survive that (e.g. "…//.txt" is ".txt") is refused by type.
      const expected = safeFilename(`${s.payload}.txt`);
      const f = s.filename;
      if (f === undefined) {
        if (extensionOf(expected) === 'txt') found.push(`${s.how} ${JSON.stringify(s.payload)}: attachment missing`);
        continue;
      }
      stored++;
      if (visible(f) !== visible(expected)) found.push(`${s.how} ${JSON.stringify(f)} ≠ ${JSON.stringify(expected)}`);
      if (!f.endsWith('.txt')) found.push(`${s.how} ${JSON.stringify(f)}: extension lost`);
      if (/[/\\\u0000-\u001f<>"]/.test(f)) found.push(`${s.how} ${JSON.stringify(f)}: path, markup or control character`);
      if (ESCAPED.test(f) && !ESCAPED.test(s.payload)) found.push(`${s.how} ${JSON.stringify(f)}: HTML-escaped`);
    }
    expect(found).toEqual([]);
    expect(stored).toBeGreaterThanOrEqual(served.length - 10);
    console.log(`[S1] ${stored} of ${served.length} attachment names stored as plain strings (the rest refused by type, as documented)`);
  });
});
