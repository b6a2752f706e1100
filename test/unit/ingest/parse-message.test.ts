import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { addressPrefix } from '../../../src/ingest/parse/addresses.js';
import { visibleText } from '../../../src/ingest/parse/visible-text.js';
import { buildEml, fixture } from './build-eml.js';

const NOW = new Date('2025-07-02T00:00:00Z');
const parse = (raw: Buffer) => parseMessage(raw, DEFAULT_ATTACHMENT_POLICY, { now: NOW });
const UNSAFE = /[\u0000-\u001f\u007f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('parseMessage: a plain message', () => {
  it('reads addresses, identifiers, date, headers and text', async () => {
    const m = await parse(fixture('plain-message.eml'));
    expect(m.from).toEqual({ email: 'jane.customer@example.com', name: 'Jane Customer' });
    expect(m.to).toEqual([{ email: 'support@desk.example', name: 'Support' }]);
    expect(m.cc).toEqual([
      { email: 'rick@example.com', name: 'Roe, Rick' },
      { email: 'sam@example.com', name: null },
    ]);
    expect(m.subject).toBe('Printer on floor 3 is jammed');
    expect(m.messageId).toBe('CAF1234.plain@mail.example.com');
    expect(m.inReplyTo).toBeNull();
    expect(m.references).toEqual([]);
    expect(m.date?.toISOString()).toBe('2025-07-01T08:00:00.000Z');
    expect(m.receivedCount).toBe(2);
    expect(m.headers.get('received')).toHaveLength(2);
    expect(m.headers.get('content-type')).toEqual(['text/plain; charset=utf-8']);
    expect(m.text).toContain('the printer on floor 3 jams on every page');
    expect(m.visibleText).toBe(m.text.trim());
    expect(m.html).toBeNull();
    expect(m.attachments).toEqual([]);
    expect(m.refused).toEqual([]);
    expect(m.deliveryReport).toBeNull();
  });
});

describe('parseMessage: headers', () => {
  it('decodes encoded-word subjects and names in several charsets', async () => {
    const m = await parse(fixture('encoded-word-subject-and-names.eml'));
    // RFC 2047 6.2: the space between adjacent encoded words is not part of the text.
    expect(m.subject).toBe('Grüße aus München안녕하세요');
    expect(m.from).toEqual({ email: 'juergen@example.de', name: 'Jürgen Müller' });
    expect(m.to).toEqual([
      { email: 'rene@example.fr', name: 'René Dupont' },
      { email: 'jp@example.jp', name: 'まみむめも' },
    ]);
    expect(m.headers.get('subject')).toEqual([m.subject]);
  });

  it('strips CR, LF, NUL and bidi controls from subject and names (no header injection)', async () => {
    const m = await parse(fixture('header-injection-characters.eml'));
    expect(m.subject).toBe('InvoiceX-Injected: yesfdp.exex');
    expect(m.from?.email).toBe('evil@example.com');
    expect(m.from?.name).toBe('EvilBcc: victim@example.comgnp.exe');
    for (const value of [m.subject, m.from?.name ?? '', ...[...m.headers.values()].flat()]) expect(value).not.toMatch(UNSAFE);
  });

  it('keeps every header, each value capped at 64 KiB, raw 8-bit bytes read as UTF-8 or Windows-1252', async () => {
    const long = 'x'.repeat(200_000);
    const raw = Buffer.concat([
      Buffer.from(`From: a@example.com\r\nX-Long: ${long}\r\nX-Dup: one\r\nX-Dup: two\r\nX-Folded: a\r\n  b\r\nX-Latin: caf`),
      Buffer.from([0xe9]),
      Buffer.from('\r\nX-Utf8: caf\u00e9\r\n\r\nbody\r\n'),
    ]);
    const m = await parse(raw);
    expect(m.headers.get('x-long')?.[0]).toHaveLength(64 * 1024);
    expect(m.headers.get('x-dup')).toEqual(['one', 'two']);
    expect(m.headers.get('x-folded')).toEqual(['a  b']);
    expect(m.headers.get('x-latin')).toEqual(['café']);
    expect(m.headers.get('x-utf8')).toEqual(['café']);
  });
});

describe('parseMessage: identifiers and dates', () => {
  it('treats empty Message-ID, In-Reply-To and References as absent', async () => {
    const m = await parse(fixture('message-id-empty.eml'));
    expect(m.messageId).toBeNull();
    expect(m.inReplyTo).toBeNull();
    expect(m.references).toEqual([]);
  });

  it('keeps the last 50 of 10,000 References, ignores a 10 KB Message-ID', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `<ref${i}@example.com>`);
    const m = await parse(
      buildEml({ headers: [`Message-ID: <${'a'.repeat(10_000)}@example.com>`, `References: ${ids.join('\r\n ')}`, 'In-Reply-To: <ref9999@example.com> (comment)'], text: 'hi' }),
    );
    expect(m.messageId).toBeNull();
    expect(m.references).toHaveLength(50);
    expect(m.references[0]).toBe('ref9950@example.com');
    expect(m.references[49]).toBe('ref9999@example.com');
    expect(m.inReplyTo).toBe('ref9999@example.com');
  });

  // Found by fuzzing: PostgreSQL refuses NUL. Message-ID and In-Reply-To are read from the plain
  // header values (control characters removed); References from the raw ones, where such an id is ignored.
  it('never returns an id with a control character', async () => {
    const m = await parse(
      Buffer.from(`Message-ID: <a\u0000b@example.com>\r\nIn-Reply-To: <c\u0001d@example.com>\r\nReferences: <ok@example.com> <e\u0000f@example.com>\r\nFrom: x@example.com\r\n\r\nhi\r\n`, 'latin1'),
    );
    expect(m.messageId).toBe('ab@example.com');
    expect(m.inReplyTo).toBe('cd@example.com');
    expect(m.references).toEqual(['ok@example.com']);
  });

  it.each([
    ['missing', null, null],
    ['junk', 'Date: not a date at all', null],
    ['more than a day ahead', 'Date: Fri, 04 Jul 2025 00:00:00 +0000', null],
    ['a few hours ahead (clock skew)', 'Date: Wed, 02 Jul 2025 05:00:00 +0000', '2025-07-02T05:00:00.000Z'],
    ['with a comment', 'Date: Tue, 1 Jul 2025 10:00:00 -0600 (CST)', '2025-07-01T16:00:00.000Z'],
  ])('Date %s', async (_name, header, expected) => {
    const raw = header === null ? Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n') : buildEml({ headers: [header], text: 'hi' });
    const m = await parse(raw);
    expect(m.date?.toISOString() ?? null).toBe(expected);
  });
});

describe('parseMessage: addresses', () => {
  it('caps To and Cc at 1,000 addresses each, lower-cased', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `User${i}@Example.com`).join(', ');
    const m = await parse(buildEml({ headers: [`To: ${many}`, `Cc: ${many}`], text: 'hi' }));
    expect(m.to).toHaveLength(1000);
    expect(m.cc).toHaveLength(1000);
    expect(m.to[0]).toEqual({ email: 'user0@example.com', name: null });
  });

  it('parses only a prefix of huge lists, not splitting inside quotes, comments or angle brackets', () => {
    expect(addressPrefix('"a, b" <a@x>, (c, d) c@x, <e,f@x>, g@x', 3)).toBe('"a, b" <a@x>, (c, d) c@x, <e,f@x>');
    expect(addressPrefix('a@x, b@x', 5)).toBe('a@x, b@x');
  });

  it('lists group members, survives empty groups and junk, gives null From when unparseable', async () => {
    const m = await parse(
      buildEml({ headers: ['From: "just a name"', 'To: undisclosed-recipients:;', 'Cc: Team: a@example.com, B <b@example.com>;, ,,,(c) junk'], text: 'hi' }),
    );
    expect(m.from).toBeNull();
    expect(m.to).toEqual([]);
    expect(m.cc.map((a) => a.email)).toEqual(['a@example.com', 'b@example.com']);
  });
});

describe('parseMessage: text', () => {
  it('turns an unknown charset label into UTF-8 with replacement characters, never an exception', async () => {
    const m = await parse(fixture('charset-unknown-label.eml'));
    expect(m.text).toMatch(/^café ok, then bad bytes: .*end/);
    expect(m.text).toContain('\uFFFD');
    expect(Buffer.from(m.text, 'utf8').toString('utf8')).toBe(m.text);
  });

  it('replaces invalid UTF-8 and drops NUL (PostgreSQL refuses it)', async () => {
    const m = await parse(fixture('invalid-utf8-body.eml'));
    expect(m.text.startsWith('before ')).toBe(true);
    expect(m.text).toContain('\uFFFD');
    expect(m.text).toContain('nul:: after');
    expect(m.text).not.toContain('\u0000');
    expect(m.text.isWellFormed()).toBe(true);
  });

  it('strips quoted history and signature into visibleText', async () => {
    const reply = await parse(fixture('quoted-reply.eml'));
    expect(reply.visibleText).toBe('It works again, thank you!');
    expect(reply.text).toContain('> We replaced the fuser unit.');
    expect(reply.inReplyTo).toBe('pd.42.1@desk.example');
    expect(reply.references).toEqual(['orig.1@example.com', 'pd.42.1@desk.example']);
    const outlook = await parse(fixture('outlook-original-message-reply.eml'));
    expect(outlook.visibleText).toBe('Please send the invoice to accounting.');
  });

  it.each([
    ['Outlook block without an address', 'Answer\n\nFrom: Alice Smith\nSent: Monday, 1 January 2024 10:00\nTo: Bob\nSubject: thing\n\nOld', 'Answer'],
    ['Outlook block in bold', 'Answer\n\n*From:* Alice Smith\n*Sent:* Monday\n*To:* Bob\n\nOld', 'Answer'],
    ['German Outlook block', 'Antwort\n\nVon: Alice Smith\nGesendet: Montag\nAn: Bob\nBetreff: x\n\nAlt', 'Antwort'],
    ['underscore separator', 'Answer\n\n________________________________\nFrom: Alice\nSent: Monday\n\nOld', 'Answer'],
    ['a "From:" sentence is no header block', 'From: the 3rd floor we see smoke.\nSent: nothing yet.\nPlease come.', 'From: the 3rd floor we see smoke.\nSent: nothing yet.\nPlease come.'],
  ])('visibleText: %s', (_case, text, expected) => {
    expect(visibleText(text)).toBe(expected);
  });

  describe('visibleText with our reply marker', () => {
    const MARKER = '## Please type your reply above this line ##';
    // Finnish Gmail's quote header: email-reply-parser does not know it, so without the marker it stays "new".
    const finnish = ['Kiitos, toimii taas!', '', 'ti 1.12.2026 klo 10.00 Support <support@desk.example> kirjoitti:', `> ${MARKER}`, '>', '> Hello Anna,', '> we replaced the fuser unit.'].join('\n');

    it.each([
      ['a quote whose header the parser does not know', finnish, 'Kiitos, toimii taas!'],
      ['the marker unquoted, under an Outlook block', ['Thanks!', '', 'From: Support', 'Sent: Tuesday', 'To: Anna', '', MARKER, 'Hello Anna'].join('\n'), 'Thanks!'],
      ['the marker in other case and spacing', `Fine now\n\n>  ##  PLEASE type your reply above this line ##  \n> Hello`, 'Fine now'],
      ['nothing above it: written under the quote, read as without the marker', `> ${MARKER}\n> Hello Anna\n\nStill broken, sorry.`, 'Still broken, sorry.'],
      ['a bare quote stays empty', `On Tue, 1 Dec 2026 at 10:00, Support <support@desk.example> wrote:\n> ${MARKER}\n> Hello Anna`, ''],
      ['a bare quote under a header the parser does not know stays empty too', `ti 1.12.2026 klo 10.00 Support <support@desk.example> kirjoitti:\n> ${MARKER}\n> Hello Anna\n`, ''],
      ['a last line of their own ending in a colon stays', `Here is what I see:\n\n> ${MARKER}\n> Hello Anna`, 'Here is what I see:'],
      ['… also with a number in it', `Error 42 again, log from today:\n\n> ${MARKER}\n> Hello Anna`, 'Error 42 again, log from today:'],
      ['Thunderbird\'s attribution, without an address', `Works now.\n\nOn 12/1/26 10:00 AM, Support wrote:\n> ${MARKER}\n> Hello Anna`, 'Works now.'],
    ])('%s', (_case, text, expected) => {
      expect(visibleText(text, MARKER)).toBe(expected);
    });

    it('is what the parser applies when given the marker, and only then', async () => {
      const raw = buildEml({ text: finnish.replaceAll('\n', '\r\n') });
      expect((await parseMessage(raw, DEFAULT_ATTACHMENT_POLICY, { replyMarker: MARKER })).visibleText).toBe('Kiitos, toimii taas!');
      expect((await parseMessage(raw, DEFAULT_ATTACHMENT_POLICY)).visibleText).toContain('kirjoitti:');
    });
  });

  describe('visibleText of mail signed inline with OpenPGP', () => {
    const sig = ['-----BEGIN PGP SIGNATURE-----', '', 'iEYEARECAAYFAkmETNkACgkQ0ygDXYSIHxv3ewCgijZQyL5vWIOfk+06XjqTXdrN', '=VMc6', '-----END PGP SIGNATURE-----'];
    it.each([
      ['the text without the armor', ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA256', '', 'The VPN drops every hour.', ...sig].join('\n'), 'The VPN drops every hour.'],
      ['dash-escaped lines restored', ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA1', '', 'Log:', '- --- cut here ---', ...sig].join('\n'), 'Log:\n--- cut here ---'],
      ['a signed forward inside, unwrapped too', ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA1', '', '- -----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA1', '', 'Inner text.', ...sig.map((l) => (l.startsWith('-') ? `- ${l}` : l)), ...sig].join('\n'), 'Inner text.'],
      ['a quoted signed reply: the new part only', ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA1', '', 'Fixed, thanks.', '', 'On Mon, 1 Dec 2026 at 10:00, Support <support@desk.example> wrote:', '> Did the update help?', ...sig].join('\n'), 'Fixed, thanks.'],
      ['an armor line alone is text like any', 'Paste of what I got:\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nno end', 'Paste of what I got:\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nno end'],
    ])('%s', (_case, text, expected) => {
      expect(visibleText(text)).toBe(expected);
    });
  });

  it('leaves nothing visible when everything is quoted (a bare quote must not reopen a ticket)', async () => {
    const m = await parse(buildEml({ text: '> only a quote\r\n> nothing new\r\n' }));
    expect(m.visibleText).toBe('');
    expect(m.text).toContain('only a quote');
  });

  it('derives text from HTML when there is no text part', async () => {
    const m = await parse(buildEml({ html: '<p>Hello <b>agent</b></p><script>alert(1)</script><p>Line two &amp; more</p>' }));
    expect(m.text).toContain('Hello agent');
    expect(m.text).toContain('Line two & more');
    expect(m.text).not.toContain('alert');
  });
});

describe('parseMessage: delivery reports', () => {
  it('reads failed recipients and the original Message-ID from an RFC 3464 DSN', async () => {
    const m = await parse(fixture('dsn-failed-recipient.eml'));
    expect(m.deliveryReport).toEqual({ originalMessageId: 'pd.42.7.abcdef@desk.example', failedRecipients: ['gone@example.org'] });
    // The machine-readable parts are the report, not files.
    expect(m.attachments).toEqual([]);
    expect(m.refused).toEqual([]);
    expect(m.text).toContain('could not be delivered');
  });

  it('finds the original Message-ID when the returned message is inline (parsed as part of the report)', async () => {
    const inline = fixture('dsn-failed-recipient.eml').toString('latin1').replace('Content-Type: text/rfc822-headers', 'Content-Type: message/rfc822\r\nContent-Disposition: inline');
    const m = await parse(Buffer.from(inline, 'latin1'));
    expect(m.deliveryReport).toEqual({ originalMessageId: 'pd.42.7.abcdef@desk.example', failedRecipients: ['gone@example.org'] });
  });

  it('adds X-Failed-Recipients to a DSN, and gives null for a message that is no DSN', async () => {
    const dsn = fixture('dsn-failed-recipient.eml').toString('latin1').replace('Auto-Submitted', 'X-Failed-Recipients: Other@Example.org\r\nAuto-Submitted');
    const m = await parse(Buffer.from(dsn, 'latin1'));
    expect(m.deliveryReport?.failedRecipients).toEqual(['gone@example.org', 'other@example.org']);
    const plain = await parse(buildEml({ headers: ['X-Failed-Recipients: x@example.org'], text: 'hi' }));
    expect(plain.deliveryReport).toBeNull();
  });

  it('gives failed recipients without control characters (PostgreSQL refuses NUL)', async () => {
    const dsn = fixture('dsn-failed-recipient.eml').toString('latin1').replace('Final-Recipient: rfc822; Gone@Example.org', 'Final-Recipient: rfc822; Go\u0000ne@Exa\u0001mple.org');
    const m = await parse(Buffer.from(dsn, 'latin1'));
    expect(m.deliveryReport?.failedRecipients).toEqual(['gone@example.org']);
  });
});
