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
