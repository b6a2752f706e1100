/**
 * TESTPLAN S11, SSRF and remote content: 100 messages whose HTML points at a canary HTTP server
 * (and at 127.0.0.1 / 169.254.169.254-style addresses) from every place a mail client or a
 * server-side renderer might load from: <img src>, srcset, CSS url() in style attributes and in
 * <style> (@import too), <link rel=stylesheet>, background= attributes, <iframe>, <object>, <embed>,
 * <video poster>, <audio>/<source>, <input type=image>, SVG <image>, <meta refresh>, <base href>,
 * <script src>, protocol-relative and obfuscated hosts, plus cid: references to parts the message
 * does not have, a message/external-body part and a Content-Location/Content-Base header.
 *
 * They go in through the real IMAP door (a private Dovecot; without it through the pipe door's
 * ingest command, said loudly), are read back through GraphQL, and are acknowledged to each
 * requester and announced to a queue watcher over real SMTP (a capturing sink). Then:
 *  - canary requests (and TCP connections) during ingest, GraphQL reads and notification
 *    rendering: 0;
 *  - in every stored body (bodyHtml as GraphQL serves it) nothing remote stays loadable, which is
 *    what src/ingest/parse/sanitize-html.ts is designed to do: no element that loads or embeds by
 *    itself survives, images keep only cid: sources (remote ones are removed, osTicket's default),
 *    no style attribute, no srcset/background/poster/data; a remote URL may remain only as a plain
 *    <a href> link (rel="noopener noreferrer nofollow"), which loads nothing until clicked;
 *  - the outbound mails (HTML escapes the customer's text) carry no loadable remote URL either.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVE_ELEMENTS } from '../../fixtures/xss-payloads.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { eventually, queryDatabase as query } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { elementsOf } from '../../harness/html.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { parseCaptured } from '../outbound/outbound-harness.js';
import { appendAll } from './fault-helpers.js';

const MESSAGES = 100;

if (DOVECOT_SKIP_REASON) console.warn(`[remote-content.test] ${DOVECOT_SKIP_REASON}; S11 runs through the pipe door's ingest command instead of IMAP`);

/** The canary: counts every TCP connection and every HTTP request, answers each with a tiny image. */
interface Canary {
  readonly port: number;
  connections: number;
  requests: string[];
}
let canary: Canary;
let canaryServer: Server;
let dovecot: Dovecot | undefined;
let sink: SmtpSink;
let gw: TestApp;

/** Where the remote references point: the canary under several spellings, and addresses nothing here listens on. */
function targets(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/s11`,
    `https://127.0.0.1:${port}/s11`,
    `HTTP://LOCALHOST:${port}/s11`,
    `http://0x7f000001:${port}/s11`,
    `http://2130706433:${port}/s11`,
    `http://127.1:${port}/s11`,
    `http://[::ffff:127.0.0.1]:${port}/s11`,
    `http://169.254.169.254/latest/meta-data/iam/security-credentials/s11`,
    `http://metadata.google.internal/computeMetadata/v1/s11`,
    `http://[fd00:ec2::254]/latest/meta-data/s11`,
  ];
}

/** One body with every remote-loading construct, all pointing at `u` (message `i`). */
function remoteHtml(u: string, i: number, port: number): string {
  const at = (what: string) => `${u}/${i}/${what}`;
  return `<html><head>
<link rel="stylesheet" href="${at('link')}">
<style>@import url("${at('import')}"); body { background: url(${at('style-bg')}); } .x { list-style-image: url('${at('style-list')}') }</style>
<meta http-equiv="refresh" content="0;url=${at('refresh')}">
<base href="${at('base')}/">
<script src="${at('script')}"></script>
</head><body background="${at('body-bg')}">
<p>Message ${i}: hello, see the pictures.</p>
<img src="${at('img')}" alt="remote image">
<img src="cid:missing-${i}@customer.test" srcset="${at('srcset-1x')} 1x, ${at('srcset-2x')} 2x" alt="missing part">
<img src="relative-${i}.png" alt="relative, resolves against base">
<img src="//127.0.0.1:${port}/s11/${i}/protocol-relative">
<img src=" &#x68;ttp://127.0.0.1:${port}/s11/${i}/entity-scheme">
<img src="cid:also-missing-${i}@customer.test" width="1" height="1">
<img src="${at('img2')}" lowsrc="${at('lowsrc')}" dynsrc="${at('dynsrc')}">
<picture><source srcset="${at('picture-source')}"><img src="cid:pic-${i}@customer.test"></picture>
<div style="background-image: url(${at('div-style')})">styled</div>
<p style="background:url('${at('p-style')}') no-repeat">styled too</p>
<table background="${at('table-bg')}"><tr><td background="${at('td-bg')}">cell</td></tr></table>
<iframe src="${at('iframe')}"></iframe>
<object data="${at('object')}" type="text/html"></object>
<embed src="${at('embed')}">
<video poster="${at('poster')}" src="${at('video')}"></video>
<audio src="${at('audio')}"><source src="${at('audio-source')}"></audio>
<input type="image" src="${at('input-image')}">
<svg><image href="${at('svg-image')}" xlink:href="${at('svg-xlink')}"></image></svg>
<a href="${at('link-clicked-only')}">a plain link</a>
</body></html>`;
}

/** A message/external-body part (RFC 2017 URL access type) and a Content-Base/Content-Location header: hand-written MIME. */
function externalBodyMail(u: string, i: number): Buffer {
  const boundary = `s11-${i}-boundary`;
  return Buffer.from(
    [
      `From: External ${i} <external${i}@customer.test>`,
      'To: support@example.com',
      `Subject: s11 external body ${i}`,
      `Message-ID: <${randomMessageId()}>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      `Content-Base: "${u}/${i}/content-base/"`,
      `Content-Location: ${u}/${i}/content-location/body.html`,
      '',
      `<p>External ${i}</p><img src="logo.png"><img src="cid:none-${i}@customer.test">`,
      `--${boundary}`,
      `Content-Type: message/external-body; access-type=URL; URL="${u}/${i}/external-body"`,
      '',
      'Content-Type: application/pdf',
      'Content-ID: <external@customer.test>',
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

const URL_ATTRIBUTES = new Set(['src', 'srcset', 'href', 'xlink:href', 'background', 'poster', 'data', 'action', 'formaction', 'lowsrc', 'dynsrc', 'codebase', 'cite', 'longdesc', 'ping', 'manifest', 'usemap', 'content']);
const REMOTE = /(?:^|[\s,('"])(?:[a-z][a-z0-9+.-]*:)?\/\/|url\s*\(/i;

/**
 * What in one HTML body could load something by itself. Allowed: <a href> to http(s)/mailto with
 * rel noopener (a click, not a load) and <img src="cid:…"> (a part of the message, never the network).
 * @param ourTemplate outbound mail: our templates' own inline styles are fine unless they load something
 */
function loadable(html: string, ourTemplate = false): string[] {
  const found: string[] = [];
  for (const { name, attributes } of elementsOf(html)) {
    if (ACTIVE_ELEMENTS.has(name) || name === 'picture' || name === 'image' || name === 'body' || name === 'html') found.push(`<${name}> element`);
    for (const [attribute, value] of attributes) {
      const v = value.replace(/[\t\n\r]/g, '').trim();
      if (attribute === 'style' && ourTemplate) {
        if (REMOTE.test(v)) found.push(`style attribute on <${name}> loads: ${v.slice(0, 60)}`);
      } else if (attribute === 'style') found.push(`style attribute on <${name}>: ${v.slice(0, 60)}`);
      else if (name === 'a' && attribute === 'href') {
        if (!/^(?:https?|mailto):/i.test(v)) found.push(`a[href] ${v.slice(0, 60)}`);
      } else if (name === 'img' && attribute === 'src') {
        if (!/^cid:/i.test(v)) found.push(`img[src] ${v.slice(0, 60)}`);
      } else if (URL_ATTRIBUTES.has(attribute) || REMOTE.test(v)) found.push(`${name}[${attribute}] ${v.slice(0, 60)}`);
    }
    const rel = attributes.find(([a]) => a === 'rel')?.[1] ?? '';
    if (name === 'a' && attributes.some(([a]) => a === 'href') && !/noopener/.test(rel)) found.push('a[href] without rel=noopener');
  }
  return found;
}

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const hits = () => ({ requests: canary.requests.length, connections: canary.connections });

beforeAll(async () => {
  const counted = { port: 0, connections: 0, requests: [] as string[] };
  canaryServer = createServer((request, response) => {
    counted.requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  canaryServer.on('connection', () => counted.connections++);
  await new Promise<void>((resolve) => canaryServer.listen(0, '127.0.0.1', resolve));
  counted.port = (canaryServer.address() as AddressInfo).port;
  canary = counted;
  sink = await startSmtpSink();
  if (dovecotAvailable()) dovecot = await startDovecot(1);
  const mailboxes = dovecot ? JSON.stringify([{ name: 's11', url: dovecot.imapUrl(dovecot.users[0]!), address: 'support@example.com' }]) : undefined;
  gw = await startTestApp({
    ...(mailboxes ? { MAILBOXES: mailboxes } : {}),
    SUPPORT_ADDRESS: 'support@example.com',
    SMTP_URL: sink.url,
    POLL_INTERVAL_MS: '60000',
    SENDER_RATE_LIMIT: '1000/10m',
    GRAPHQL_RATE_LIMIT: '0',
  });
});
afterAll(async () => {
  await gw?.stop();
  await dovecot?.stop();
  await sink?.stop();
  if (canaryServer) await new Promise((resolve) => canaryServer.close(resolve));
});

describe('remote content and SSRF (S11)', () => {
  it('loads nothing remote during ingest, GraphQL reads and notification rendering, and stores no loadable remote URL', async () => {
    const started = Date.now();
    // A watcher on the default queue, so every new ticket also renders the watcher mail.
    const setup = await gql<Data>(
      gw.url,
      gw.adminToken,
      `mutation { createAgent(input: { email: "watcher@example.com", name: "Wanda Watcher", role: AGENT }) { userErrors { message } }
                  addQueueWatcher(queue: "General", email: "watcher@example.com") { userErrors { message } } }`,
    );
    expect(setup.errors).toBeUndefined();
    expect([...setup.data!.createAgent.userErrors, ...setup.data!.addQueueWatcher.userErrors]).toEqual([]);

    const urls = targets(canary.port);
    // Preflight: the canary counts, and the spellings that mean 127.0.0.1 reach it (the addresses nothing listens on are skipped).
    const reached: string[] = [];
    const canarySpellings = urls.filter((x) => x.includes(`:${canary.port}/`));
    for (const u of canarySpellings) {
      const before = canary.requests.length;
      await fetch(`${u}/preflight`, { signal: AbortSignal.timeout(2000) }).then((r) => r.arrayBuffer()).catch(() => undefined);
      if (canary.requests.length > before) reached.push(new URL(u).host);
    }
    expect(reached.length).toBeGreaterThan(0);
    canary.requests = [];
    canary.connections = 0;
    // The checker below flags what a browser would load from the unsanitised input.
    const flaggedInInput = loadable(remoteHtml(urls[0]!, 0, canary.port)).length;
    expect(flaggedInInput).toBeGreaterThan(25);
    const raws: Buffer[] = [];
    let planted = 0; // remote references written into the messages
    let cidReferences = 0; // <img src="cid:…"> naming parts the messages do not have
    for (let i = 0; i < MESSAGES; i++) {
      const u = urls[i % urls.length]!;
      if (i % 10 === 9) {
        const raw = externalBodyMail(u, i);
        planted += 3;
        cidReferences += 1;
        raws.push(raw);
        continue;
      }
      const html = remoteHtml(u, i, canary.port);
      planted += (html.match(/\/s11\/\d+\//g) ?? []).length + 1; // + the relative image below <base href>
      cidReferences += (html.match(/<img src="cid:/g) ?? []).length;
      raws.push(await buildMail({ from: `Customer ${i} <c${i}@customer.test>`, subject: `s11 remote ${i}`, html, text: `Plain part ${i}: ${u}/${i}/text` }));
    }

    // 1. Ingest through a door.
    if (dovecot) await appendAll(dovecot, dovecot.users[0]!, raws);
    else {
      const pipe = await createIngestHarness({ SMTP_URL: sink.url }, gw.databaseUrl);
      try {
        for (const raw of raws) await pipe.ingest(raw);
      } finally {
        await pipe.close();
      }
    }
    const numbers = await eventually(async () => {
      const rows = await query<{ number: number }>(gw.databaseUrl, `select number from ticket where subject like 's11 %' order by number`);
      return rows.length === MESSAGES ? rows.map((r) => r.number) : null;
    }, `${MESSAGES} tickets`);
    const afterIngest = hits();
    const ingestMs = Date.now() - started;

    // 2. Read every message back through GraphQL.
    const bodies: { number: number; html: string | null; text: string }[] = [];
    for (const number of numbers) {
      const response = await gql<Data>(gw.url, gw.adminToken, `query($n: Int!) { ticket(number: $n) { messages { bodyHtml bodyText attachments { filename } } } }`, { n: number });
      expect(response.errors).toBeUndefined();
      for (const m of response.data!.ticket.messages) bodies.push({ number, html: m.bodyHtml, text: m.bodyText });
    }
    const afterReads = hits();

    // 3. Notifications: an acknowledgement per requester, rendered at enqueue and delivered over SMTP, plus watcher mail.
    await eventually(async () => {
      const queued = await query<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from outbound_delivery where status = 'QUEUED'`);
      return sink.messages.length >= MESSAGES && queued[0]!.n === '0';
    }, 'every notification delivered');
    const kinds = await query<{ kind: string; status: string; n: string }>(gw.databaseUrl, `select kind, status, count(*)::text as n from outbound_delivery group by 1, 2 order by 1, 2`);
    const afterNotifications = hits();

    // Canary: not one connection, in any phase.
    console.info(
      `[S11] preflight: Node's own fetch reached the canary with ${reached.length} of ${canarySpellings.length} spellings (${reached.join(', ')}); the checker flags ${flaggedInInput} loading constructs in one unsanitised body\n` +
        `[S11] ${MESSAGES} messages through the ${dovecot ? 'IMAP' : 'pipe'} door with ${planted} remote references (${urls.length} target spellings); canary after ingest ` +
        `${JSON.stringify(afterIngest)}, after ${numbers.length} GraphQL reads ${JSON.stringify(afterReads)}, after ${sink.messages.length} notifications ` +
        `${JSON.stringify(afterNotifications)} (${kinds.map((k) => `${k.kind} ${k.status} ${k.n}`).join(', ')}); ${Date.now() - started} ms (ingest ${ingestMs} ms)`,
    );
    expect(canary.requests).toEqual([]);
    expect(afterIngest).toEqual({ requests: 0, connections: 0 });
    expect(afterReads).toEqual({ requests: 0, connections: 0 });
    expect(afterNotifications).toEqual({ requests: 0, connections: 0 });
    expect(kinds.filter((k) => k.kind === 'acknowledgement').reduce((n, k) => n + Number(k.n), 0)).toBe(MESSAGES);

    // Stored bodies: every message has its sanitised HTML, and nothing in it loads by itself.
    expect(bodies).toHaveLength(MESSAGES);
    const problems = bodies.flatMap((b) => loadable(b.html ?? '').map((p) => `#${b.number}: ${p}`));
    expect(problems).toEqual([]);
    const stored = bodies.map((b) => b.html ?? '').join('\n');
    expect(bodies.filter((b) => !b.html)).toEqual([]);
    expect(stored).not.toMatch(/url\s*\(/i);
    const links = elementsOf(stored).filter((e) => e.name === 'a').length;
    const cidImages = elementsOf(stored).filter((e) => e.name === 'img').length;
    // The missing cid: parts stay as cid: references (inert), never rewritten to anything loadable.
    expect(cidImages).toBe(cidReferences);

    // Outbound mail: the customer's text is escaped into the templates; nothing remote loads from it either.
    const outbound = await Promise.all(sink.messages.map(parseCaptured));
    const outboundHtml = outbound.map((m) => (typeof m.parsed.html === 'string' ? m.parsed.html : ''));
    const outboundProblems = outboundHtml.flatMap((html, i) => loadable(html, true).map((p) => `mail ${i}: ${p}`));
    expect(outboundProblems).toEqual([]);
    console.info(
      `[S11] stored bodies: ${bodies.length} with HTML, 0 loadable remote references; kept ${cidImages} cid: images (missing parts, inert) and ${links} plain <a href> links; ` +
        `outbound: ${outbound.length} mails, ${outboundHtml.filter(Boolean).length} with HTML, 0 loadable remote references`,
    );
  });
});
