/**
 * Builds test messages with nodemailer's MailComposer (a real MIME writer, not a hand-made one),
 * so fixtures read as what they prove.
 */
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface TestMail {
  from?: string;
  to?: string | string[];
  cc?: string | string[];
  subject?: string;
  text?: string;
  html?: string;
  /** Without angle brackets; `null` leaves the header out. Default: a random one. */
  messageId?: string | null;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer | string; contentType?: string; cid?: string; contentDisposition?: 'attachment' | 'inline' }[];
  date?: Date;
}

export function randomMessageId(domain = 'customer.test'): string {
  return `${randomBytes(8).toString('hex')}@${domain}`;
}

export async function buildMail(mail: TestMail): Promise<Buffer> {
  const messageId = mail.messageId === undefined ? randomMessageId() : mail.messageId;
  const composer = new MailComposer({
    from: mail.from ?? 'Customer <customer@customer.test>',
    to: mail.to ?? 'support@example.com',
    cc: mail.cc,
    subject: mail.subject ?? 'Help needed',
    text: mail.text ?? (mail.html ? undefined : 'Hello, something is broken.'),
    html: mail.html,
    messageId: messageId ? `<${messageId}>` : undefined,
    inReplyTo: mail.inReplyTo ? `<${mail.inReplyTo}>` : undefined,
    references: mail.references?.map((r) => `<${r}>`),
    headers: mail.headers,
    attachments: mail.attachments,
    date: mail.date ?? new Date(),
  });
  const raw = await composer.compile().build();
  // MailComposer always writes a Message-ID; remove it when the test wants none.
  return messageId === null ? Buffer.from(raw.toString('latin1').replace(/^Message-ID: .*\r\n/im, ''), 'latin1') : raw;
}

export interface ReadReceiptSpec {
  from?: string;
  subject?: string;
  /** The mail that was read, without angle brackets; null leaves the field out. */
  originalMessageId: string | null;
  /** Thunderbird writes In-Reply-To and the returned headers; Outlook neither. */
  inReplyTo?: string;
  disposition?: string;
}

/**
 * A read receipt (RFC 8098) as Outlook writes one, or Thunderbird with `inReplyTo`: a
 * multipart/report of a human-readable part, the message/disposition-notification part and, for
 * Thunderbird, the headers of the mail that was read. Written by hand: MailComposer cannot write
 * a report, and these parts are 7bit text.
 */
export function buildReadReceipt(spec: ReadReceiptSpec): Buffer {
  const reader = spec.from ?? 'ann@customer.test';
  const original = spec.originalMessageId === null ? [] : [`Original-Message-ID: <${spec.originalMessageId}>`];
  const lines = [
    `From: ${reader}`,
    'To: support@example.com',
    `Subject: ${spec.subject ?? 'Read: Your request'}`,
    `Message-ID: <${randomMessageId()}>`,
    `Date: ${new Date().toUTCString()}`,
    ...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`, `References: <${spec.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn-b"',
    '',
    '--mdn-b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Your message',
    '',
    '  To: support@example.com',
    '',
    `was ${spec.disposition === 'deleted' ? 'deleted without being read' : 'read'} on ${new Date().toUTCString()}.`,
    '--mdn-b',
    'Content-Type: message/disposition-notification',
    '',
    'Reporting-UA: customer.test; Microsoft Outlook 16.0',
    `Final-Recipient: rfc822;${reader.replace(/^.*<|>$/g, '')}`,
    ...original,
    `Disposition: manual-action/MDN-sent-manually; ${spec.disposition ?? 'displayed'}`,
    '',
    ...(spec.inReplyTo ? ['--mdn-b', 'Content-Type: text/rfc822-headers', '', `Message-ID: <${spec.inReplyTo}>`, 'Subject: Your request', ''] : []),
    '--mdn-b--',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/**
 * A mail server's delivery failure notice (multipart/report, Postfix-like) for the mail whose
 * Message-ID was `messageId` (without angle brackets), which could not reach `recipient`.
 */
export function buildDeliveryFailure(messageId: string, recipient: string): Buffer {
  return Buffer.from(
    [
      'Return-Path: <>',
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: support@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn.${randomBytes(6).toString('hex')}@mx.customer.test>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
      '',
      '--dsn',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `<${recipient}>: 550 5.1.1 User unknown`,
      '--dsn',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--dsn',
      'Content-Type: text/rfc822-headers',
      '',
      'From: support@example.com',
      `To: ${recipient}`,
      `Message-ID: <${messageId}>`,
      '',
      '--dsn--',
      '',
    ].join('\r\n'),
  );
}
