import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { classifyMessage, stripForgeableHeaders, type Classification, type ClassifierInput } from '../../../src/ingest/classify.js';
import type { DeliveryReport, ReadReceipt } from '../../../src/ingest/types.js';

const context = { ownAddresses: ['support@desk.example', 'emergency@desk.example', 'billing@desk.example'], ownMessageIdDomain: 'desk.example', spamHeaders: true };

/** A ClassifierInput from the few fields a row needs; header names are lower-cased like ParsedMessage's. */
function input(spec: {
  headers?: Record<string, string | string[]>;
  from?: string | null;
  subject?: string;
  text?: string;
  receivedCount?: number;
  deliveryReport?: DeliveryReport | null;
  readReceipt?: ReadReceipt | null;
  viaGroup?: string | null;
  messageId?: string | null;
  inReplyTo?: string | null;
  references?: string[];
}): ClassifierInput {
  const headers = new Map<string, readonly string[]>();
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
  const from = spec.from === undefined ? 'customer@example.com' : spec.from;
  return {
    headers,
    from: from === null ? null : { email: from.toLowerCase(), name: null },
    subject: spec.subject ?? 'Printer on floor 3 is broken',
    text: spec.text ?? 'Hello, the printer jams on every page. Can you help?',
    receivedCount: spec.receivedCount ?? 3,
    deliveryReport: spec.deliveryReport ?? null,
    readReceipt: spec.readReceipt ?? null,
    viaGroup: spec.viaGroup ?? null,
    messageId: spec.messageId === undefined ? 'CAF1234@mail.example.com' : spec.messageId,
    inReplyTo: spec.inReplyTo ?? null,
    references: spec.references ?? [],
  };
}

const human: Classification = { automatic: false, automaticReason: null, autoReply: false, bounce: null, ownMail: false, probableLoop: false, spamVerdict: null, suppressAcknowledgement: false };
const automatic = (automaticReason: string): Partial<Classification> => ({ automatic: true, automaticReason, bounce: null, ownMail: false, suppressAcknowledgement: true });

// Small but realistic bodies of the non-standard bounces TESTPLAN L6 names.
const qmail = `Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<gone@example.net>:
192.0.2.25 does not like recipient.
Remote host said: 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown
Giving up on 192.0.2.25.

--- Below this line is a copy of the message.

Return-Path: <support@desk.example>
Received: (qmail 1234 invoked from network); 1 Jun 2026 10:00:00 -0000
Message-ID: <pd.12.34.0123456789abcdef01234567@desk.example>
From: Support <support@desk.example>
To: <gone@example.net>
Subject: [#12] Your printer

Hello, we have received your request.
`;

const exchange = `Delivery has failed to these recipients or groups:

Jane Roe
The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message. If the problem continues, please contact your helpdesk.

Diagnostic information for administrators:

Generating server: EX01.contoso.com

jane.roe@contoso.com
#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##

Original message headers:

Received: from mx.desk.example (192.0.2.10) by EX01.contoso.com
 (192.0.2.20) with Microsoft SMTP Server id 14.3.123.3; Mon, 1 Jun 2026
 10:00:00 +0200
Message-ID:
 <pd.7.8.abcdefabcdefabcdefabcdef@desk.example>
From: Support <support@desk.example>
To: Jane Roe <jane.roe@contoso.com>
Subject: [#7] VPN access
`;

const exchangeOnline = `Your message to JOHN.DOE@fabrikam.com couldn't be delivered.
john.doe wasn't found at fabrikam.com.

Action Required
Unknown To address

Original Message Details
Created Date: 6/1/2026 8:00:00 AM
Sender Address: support@desk.example
Recipient Address: john.doe@fabrikam.com
Subject: [#9] Password reset
`;

const postfix = `This is the mail system at host mx.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

                   The mail system

<nobody@example.com>: host mx.example.com[192.0.2.40] said: 550 5.1.1
    <nobody@example.com>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)
`;

const exim = `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    host mx.example.org [192.0.2.30]
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

Return-path: <support@desk.example>
Message-Id: <pd.3.4.111111111111111111111111@desk.example>
`;

const delay = `This is the mail system at host mx.example.com.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<slow@example.com>: connect to mx.example.com[192.0.2.50]:25: Connection timed out
`;

const dsn: DeliveryReport = { originalMessageId: 'pd.1.2.aaaaaaaaaaaaaaaaaaaaaaaa@desk.example', failedRecipients: ['lost@example.org'] };
const dsnBounce = (report: DeliveryReport): Partial<Classification> => ({ automatic: true, bounce: report, ownMail: false, suppressAcknowledgement: true });

describe('classifyMessage', () => {
  it.each<[string, ClassifierInput, Partial<Classification>]>([
    ['human mail', input({}), human],
    // Rule 1: Auto-Submitted (RFC 3834)
    ['Auto-Submitted: auto-replied (L1)', input({ headers: { 'Auto-Submitted': 'auto-replied' } }), automatic('Auto-Submitted: auto-replied')],
    ['Auto-Submitted with a comment, any case', input({ headers: { 'Auto-Submitted': 'Auto-Generated (monitoring)' } }), automatic('Auto-Submitted: auto-generated')],
    ['Auto-Submitted with parameters', input({ headers: { 'Auto-Submitted': 'auto-notified; owner-email="x@example.com"' } }), automatic('Auto-Submitted: auto-notified')],
    ['Auto-Submitted: no', input({ headers: { 'Auto-Submitted': 'No' } }), human],
    ['Auto-Submitted value reduced to safe characters', input({ headers: { 'Auto-Submitted': 'auto-x"}\u0007{"level":60' } }), automatic('Auto-Submitted: auto-xlevel60')],
    // Rule 2: Precedence
    ['Precedence: bulk', input({ headers: { Precedence: 'bulk' } }), automatic('Precedence: bulk')],
    ['Precedence: junk', input({ headers: { Precedence: 'JUNK' } }), automatic('Precedence: junk')],
    ['Precedence: list', input({ headers: { Precedence: 'list' } }), automatic('Precedence: list')],
    ['Precedence: auto_reply', input({ headers: { Precedence: 'auto_reply' } }), automatic('Precedence: auto_reply')],
    ['Precedence: first-class is human', input({ headers: { Precedence: 'first-class' } }), human],
    // Rule 3: pre-RFC 3834 autoresponders
    ['X-Autoreply', input({ headers: { 'X-Autoreply': 'yes' } }), automatic('X-Autoreply')],
    ['X-Autorespond', input({ headers: { 'X-Autorespond': 'Out of office' } }), automatic('X-Autorespond')],
    ['X-Auto-Reply', input({ headers: { 'X-Auto-Reply': '' } }), automatic('X-Auto-Reply')],
    // Rule 4: lists (L9)
    ['List-Id', input({ headers: { 'List-Id': 'Announcements <announce.lists.example.com>' } }), automatic('List-Id')],
    ['List-Unsubscribe', input({ headers: { 'List-Unsubscribe': '<https://example.com/unsub?u=1>' } }), automatic('List-Unsubscribe')],
    // Rule 5: null reverse path (L9)
    ['Return-Path <>', input({ headers: { 'Return-Path': '<>' } }), automatic('empty Return-Path')],
    ['Return-Path without brackets left', input({ headers: { 'Return-Path': '' } }), automatic('empty Return-Path')],
    ['Return-Path with an address is human', input({ headers: { 'Return-Path': '<customer@example.com>' } }), human],
    // Rule 6 without a failure body: automatic, not a bounce (L6 "the rest stored as automatic")
    ['MAILER-DAEMON with no failure in it', input({ from: 'MAILER-DAEMON@mx.example.com', subject: 'Postmaster notify', text: 'Your mail was scanned.' }), automatic('MAILER-DAEMON sender')],
    ['postmaster writing a note', input({ from: 'Postmaster@example.com', subject: 'About your server', text: 'Your SPF record lists an old IP.' }), automatic('postmaster sender')],
    ['a delay warning is not a bounce', input({ from: 'MAILER-DAEMON@mx.example.com', subject: 'Delayed Mail (still being retried)', text: delay }), automatic('MAILER-DAEMON sender')],
    // Rule 7: a read receipt
    ['multipart/report that is not a DSN', input({ headers: { 'Content-Type': 'multipart/report; report-type=disposition-notification; boundary="b"' }, subject: 'Read: Printer' }), automatic('multipart/report')],
    // Rule 9: X-Auto-Response-Suppress alone (L10)
    ['L10: human mail with X-Auto-Response-Suppress: All', input({ headers: { 'X-Auto-Response-Suppress': 'All' } }), { ...human, suppressAcknowledgement: true }],
    ['X-Auto-Response-Suppress: DR, OOF, AutoReply', input({ headers: { 'X-Auto-Response-Suppress': 'DR, OOF, AutoReply' } }), { ...human, suppressAcknowledgement: true }],
    ['X-Auto-Response-Suppress: RN, NRN only', input({ headers: { 'X-Auto-Response-Suppress': 'RN, NRN' } }), human],
    // Rule 10: own mail (L8), three ways
    ['From our own address, any case', input({ from: 'Support@Desk.Example' }), { ...human, ownMail: true, suppressAcknowledgement: true }],
    ['carrying our loop header', input({ headers: { 'X-Postdesk-Loop': 'desk.example' } }), { ...human, ownMail: true, suppressAcknowledgement: true }],
    ['a Message-ID we generate', input({ messageId: 'pd.12.34.0123456789abcdef01234567@DESK.example' }), { ...human, ownMail: true, suppressAcknowledgement: true }],
    ['a pd. Message-ID of another domain', input({ messageId: 'pd.12.34.0123456789abcdef01234567@other.example' }), human],
    ['our domain without our prefix', input({ messageId: 'abc.123@desk.example' }), human],
    ['forged X-Postdesk-* control headers change nothing (S7)', input({ headers: { 'X-Postdesk-Queue': 'emergency', 'X-Postdesk-Priority': 'URGENT', 'X-Postdesk-Automatic': 'no' } }), human],
    // Rule 11: loops (L12)
    ['51 Received headers', input({ receivedCount: 51 }), { ...human, probableLoop: true, suppressAcknowledgement: true }],
    ['50 Received headers', input({ receivedCount: 50 }), human],
    // Rule 8: bounces (L5, L6, S7)
    ['RFC 3464 DSN (L5)', input({ from: 'MAILER-DAEMON@mx.example.org', subject: 'Undelivered Mail Returned to Sender', deliveryReport: dsn }), dsnBounce(dsn)],
    ['DSN with a forged Auto-Submitted: no (S7)', input({ headers: { 'Auto-Submitted': 'no' }, from: 'robot@mx.example.org', subject: 'Hello', deliveryReport: dsn }), { ...dsnBounce(dsn), automaticReason: 'delivery failure notice' }],
    [
      'DSN without the original ID: the In-Reply-To fills it',
      input({ headers: { 'In-Reply-To': '<pd.5.6.bbbbbbbbbbbbbbbbbbbbbbbb@desk.example>' }, from: 'mailer-daemon@googlemail.com', deliveryReport: { originalMessageId: null, failedRecipients: ['x@example.org'] } }),
      dsnBounce({ originalMessageId: 'pd.5.6.bbbbbbbbbbbbbbbbbbbbbbbb@desk.example', failedRecipients: ['x@example.org'] }),
    ],
    [
      'delivery-status report parse could not read',
      input({ headers: { 'Content-Type': 'multipart/report; report-type="delivery-status"; boundary=x', 'Auto-Submitted': 'no' }, from: 'relay@mx.example.org', subject: 'Report', text: postfix }),
      { ...dsnBounce({ originalMessageId: null, failedRecipients: ['nobody@example.com'] }), automaticReason: 'multipart/report' },
    ],
    [
      'qmail text (L6)',
      input({ from: 'MAILER-DAEMON@mx.example.net', subject: 'failure notice', text: qmail }),
      { ...dsnBounce({ originalMessageId: 'pd.12.34.0123456789abcdef01234567@desk.example', failedRecipients: ['gone@example.net'] }), automaticReason: 'MAILER-DAEMON sender' },
    ],
    [
      'Exchange NDR (L6)',
      input({ from: 'postmaster@contoso.com', subject: 'Undeliverable: [#7] VPN access', text: exchange }),
      dsnBounce({ originalMessageId: 'pd.7.8.abcdefabcdefabcdefabcdef@desk.example', failedRecipients: ['jane.roe@contoso.com'] }),
    ],
    [
      'Exchange Online NDR from a non-daemon sender',
      input({ from: 'MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@fabrikam.com', subject: 'Undeliverable: [#9] Password reset', text: exchangeOnline }),
      { ...dsnBounce({ originalMessageId: null, failedRecipients: ['john.doe@fabrikam.com'] }), automaticReason: 'delivery failure notice' },
    ],
    [
      'X-Failed-Recipients only (L6)',
      input({ headers: { 'X-Failed-Recipients': 'a@x.example, B@Y.example' }, from: 'relay@x.example', subject: 'Notification', text: 'Something went wrong.' }),
      { ...dsnBounce({ originalMessageId: null, failedRecipients: ['a@x.example', 'b@y.example'] }), automaticReason: 'delivery failure notice' },
    ],
    [
      'Exim: X-Failed-Recipients and the returned Message-Id',
      input({ headers: { 'X-Failed-Recipients': 'gone@example.org', 'Auto-Submitted': 'auto-replied' }, from: 'Mailer-Daemon@mx.example.org', subject: 'Mail delivery failed: returning message to sender', text: exim }),
      { ...dsnBounce({ originalMessageId: 'pd.3.4.111111111111111111111111@desk.example', failedRecipients: ['gone@example.org'] }), automaticReason: 'Auto-Submitted: auto-replied' },
    ],
    [
      'MAILER-DAEMON with a plain failure body (L6)',
      input({ headers: { 'In-Reply-To': '<pd.9.9.cccccccccccccccccccccccc@desk.example>' }, from: 'MAILER-DAEMON@mx.example.com', subject: 'Mail problem', text: postfix }),
      { ...dsnBounce({ originalMessageId: 'pd.9.9.cccccccccccccccccccccccc@desk.example', failedRecipients: ['nobody@example.com'] }), automaticReason: 'MAILER-DAEMON sender' },
    ],
    [
      'a bounce subject alone',
      input({ from: 'mail@relay.example', subject: 'Undelivered Mail Returned to Sender', text: 'Sorry.' }),
      { ...dsnBounce({ originalMessageId: null, failedRecipients: [] }), automaticReason: 'delivery failure notice' },
    ],
    [
      'our own address is never a failed recipient',
      input({ from: 'MAILER-DAEMON@mx.example.com', subject: 'Returned mail: see transcript for details', text: '<support@desk.example>: mailbox full\n<lost@example.com>: user unknown\n' }),
      { ...dsnBounce({ originalMessageId: null, failedRecipients: ['lost@example.com'] }), automaticReason: 'MAILER-DAEMON sender' },
    ],
    ['a human forwarding a bounce', input({ subject: 'Fwd: failure notice', text: `I cannot reach you, see below.\n\n---------- Forwarded message ---------\n${qmail}` }), human],
  ])('%s', (_name, message, expected) => {
    expect(classifyMessage(message, context)).toMatchObject(expected);
  });

  it('answers the same for the full ParsedMessage shape (extra fields ignored)', () => {
    const message = { ...input({ headers: { 'Auto-Submitted': 'auto-replied' } }), visibleText: '', attachments: [] };
    expect(classifyMessage(message, context).automatic).toBe(true);
  });
});

describe('stripForgeableHeaders', () => {
  it('drops X-Postdesk-* except the loop header, and every Authentication-Results', () => {
    const headers = new Map<string, readonly string[]>([
      ['x-postdesk-queue', ['emergency']],
      ['x-postdesk-ticket', ['12']],
      ['x-postdesk-loop', ['desk.example']],
      ['authentication-results', ['mx.desk.example; dkim=pass header.d=bank.example', 'evil.example; spf=pass']],
      ['x-postdeskish', ['kept: not our prefix']],
      ['subject', ['Printer']],
      ['received', ['from a', 'from b']],
    ]);
    const stripped = stripForgeableHeaders(headers);
    expect([...stripped.keys()]).toEqual(['x-postdesk-loop', 'x-postdeskish', 'subject', 'received']);
    expect(stripped.get('received')).toEqual(['from a', 'from b']);
    expect(headers.size).toBe(7); // a copy: the input is untouched
  });
});

describe('auto-replies among automatic mail', () => {
  it.each([
    [{ 'Auto-Submitted': 'auto-replied' }, true],
    [{ 'Auto-Submitted': 'Auto-Replied (vacation)' }, true],
    [{ Precedence: 'auto_reply' }, true],
    [{ 'X-Autoreply': 'yes' }, true],
    [{ 'X-Autorespond': 'Out of office' }, true],
    [{ 'Auto-Submitted': 'auto-generated' }, false],
    [{ Precedence: 'bulk' }, false],
    [{ 'List-Id': '<news.example.com>' }, false],
    [{ 'Return-Path': '<>' }, false],
    [{}, false],
  ])('%j → autoReply %s', (headers, expected) => {
    expect(classifyMessage(input({ headers }), context).autoReply).toBe(expected);
  });

  it('counts a read receipt as one, whatever its headers', () => {
    const receipt = input({ headers: { 'Content-Type': 'multipart/report; report-type=disposition-notification; boundary=b' }, readReceipt: { originalMessageId: null, disposition: 'displayed', recipient: null } });
    expect(classifyMessage(receipt, context)).toMatchObject({ automatic: true, autoReply: true, bounce: null, suppressAcknowledgement: true });
  });
});

describe('auto-replies that say so only in their subject (AUTO_REPLY_SUBJECTS, rule 14)', () => {
  const subjects = { ...context, autoReplySubjects: loadConfig({}).autoReplySubjects };
  const answering = { inReplyTo: 'pd.1.2.abc@desk.example' };

  it.each([
    'Automatic reply: Re: Printer jams',
    'automatic reply: Printer jams',
    'Out of Office AutoReply: Printer jams',
    'Out of Office: Printer jams',
    'Abwesenheitsnotiz: Drucker',
    'Automatische Antwort: AW: Drucker',
    'Réponse automatique : Imprimante',
    'Autosvar: Skrivare',
    'Автоматический ответ: Принтер',
    '自动回复：打印机',
    '  AUTOREPLY:Printer jams',
  ])('%s, answering a mail, is an automatic auto-reply', (subject) => {
    expect(classifyMessage(input({ subject, ...answering }), subjects)).toMatchObject({
      automatic: true,
      autoReply: true,
      automaticReason: expect.stringMatching(/^auto-reply subject \(.+\)$/),
      suppressAcknowledgement: true,
    });
  });

  it('needs the mail to answer something: In-Reply-To, References or a ticket tag', () => {
    const subject = 'Automatic reply: Printer jams';
    expect(classifyMessage(input({ subject }), subjects)).toEqual(human);
    expect(classifyMessage(input({ subject, references: ['a@b.example'] }), subjects).autoReply).toBe(true);
    expect(classifyMessage(input({ subject: 'Automatic reply: [#42] Printer jams' }), subjects)).toMatchObject({ autoReply: true, automaticReason: 'auto-reply subject (Automatic reply)' });
  });

  it.each([
    ['Re: Automatic reply: [#42] printer', false],
    ['Auto: Re: [#42] Motor springt nicht an', false],
    ['Out of Office hours support for [#42]', false],
    ['Autoreplying to [#42] did not work', false],
    ['Printer jams [#42] (automatic reply: none received)', false],
    ['Out of office: Re: [#42] printer', true],
  ])('%s: judged by its beginning, with the colon → %s', (subject, expected) => {
    expect(classifyMessage(input({ subject, ...answering }), subjects).autoReply).toBe(expected);
  });

  it('takes the beginnings configured, none with off, and a bracketed one needs no colon', () => {
    const own = { ...context, autoReplySubjects: loadConfig({ AUTO_REPLY_SUBJECTS: '[Auto-Reply], Vacation notice' }).autoReplySubjects };
    expect(classifyMessage(input({ subject: '[Auto-Reply] Re: [#42] printer' }), own).automaticReason).toBe('auto-reply subject ([Auto-Reply])');
    expect(classifyMessage(input({ subject: 'Vacation   notice: Re: [#42]' }), own).autoReply).toBe(true);
    expect(classifyMessage(input({ subject: 'Automatic reply: Re: [#42]' }), own).autoReply).toBe(false);
    const off = { ...context, autoReplySubjects: loadConfig({ AUTO_REPLY_SUBJECTS: 'off' }).autoReplySubjects };
    expect(classifyMessage(input({ subject: 'Automatic reply: Re: [#42]', ...answering }), off)).toEqual(human);
  });

  it("gives a header's reason first", () => {
    expect(classifyMessage(input({ subject: 'Automatic reply: Re: [#42]', headers: { 'Auto-Submitted': 'auto-replied' } }), subjects).automaticReason).toBe('Auto-Submitted: auto-replied');
  });
});

describe('the verdict of a spam filter before postdesk', () => {
  it.each([
    [{ 'X-Spam-Flag': 'YES' }, 'X-Spam-Flag: YES'],
    [{ 'X-Spam-Status': 'Yes, score=7.1 required=5.0 tests=BAYES_99,URIBL_BLACK autolearn=no' }, 'X-Spam-Status: Yes, score=7.1 required=5.0 tests=BAYES_99,URIBL_BLACK autol'],
    [{ 'X-Spam': 'Yes' }, 'X-Spam: Yes'],
    [{ 'X-Spam': 'true' }, 'X-Spam: true'],
    [{ 'X-MS-Exchange-Organization-SCL': '9' }, 'X-MS-Exchange-Organization-SCL: 9'],
    [{ 'X-MS-Exchange-Organization-SCL': '5' }, 'X-MS-Exchange-Organization-SCL: 5'],
    // Several hops: one that says spam is enough, whatever the others say.
    [{ 'X-Spam-Flag': ['NO', 'YES'] }, 'X-Spam-Flag: YES'],
    [{ 'X-Spam-Flag': 'NO', 'X-Spam-Status': 'No, score=-0.1 required=5.0' }, null],
    [{ 'X-Spam': 'No' }, null],
    [{ 'X-Spam-Level': '*******' }, null], // stars alone say nothing about the threshold
    [{ 'X-MS-Exchange-Organization-SCL': '1' }, null],
    [{ 'X-MS-Exchange-Organization-SCL': '-1' }, null],
    [{ 'X-Spam-Status': 'Yesterday was fine' }, null],
    [{}, null],
  ])('%j → %s', (headers, expected) => {
    const classification = classifyMessage(input({ headers }), context);
    expect(classification.spamVerdict).toBe(expected);
    // Spam is never acknowledged (backscatter to a forged sender), but it is not automatic mail.
    expect(classification).toMatchObject({ suppressAcknowledgement: expected !== null, automatic: false });
  });

  it('is not read when SPAM_HEADERS is off (or an admin retries held spam), and the reason keeps to plain text', () => {
    expect(classifyMessage(input({ headers: { 'X-Spam-Flag': 'YES' } }), { ...context, spamHeaders: false })).toMatchObject({ spamVerdict: null, suppressAcknowledgement: false });
    expect(classifyMessage(input({ headers: { 'X-Spam-Status': 'Yes,\u0000 score=9\u202e' } }), context).spamVerdict).toBe('X-Spam-Status: Yes, score=9');
  });

  it('is the folder\'s for mail read from a JUNK mailbox, whatever its headers and SPAM_HEADERS say', () => {
    const junk = { ...context, spamHeaders: false, junkMailbox: 'support-junk' };
    for (const headers of [{}, { 'X-Spam-Flag': 'NO' }, { 'X-Spam-Flag': 'YES' }] as Record<string, string>[]) {
      expect(classifyMessage(input({ headers }), junk)).toMatchObject({ spamVerdict: 'the mail server filed it as junk: mailbox support-junk', suppressAcknowledgement: true, automatic: false });
    }
  });
});
