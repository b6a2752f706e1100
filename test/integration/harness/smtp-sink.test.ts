/** The SMTP sink: it captures what nodemailer sends, and its hooks make the sender see chosen SMTP codes. */
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../harness/smtp-sink.js';

const sinks: SmtpSink[] = [];

async function sink(options?: SmtpSinkOptions): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  sinks.push(s);
  return s;
}

function transportTo(s: SmtpSink) {
  // The sink offers no TLS, so nodemailer must not try STARTTLS.
  return nodemailer.createTransport({ host: '127.0.0.1', port: s.port, secure: false, ignoreTLS: true });
}

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});

describe('SMTP sink', () => {
  it('captures envelope and raw message of a mail to two recipients', async () => {
    const s = await sink();
    expect(s.url).toBe(`smtp://127.0.0.1:${s.port}`);
    const info = await transportTo(s).sendMail({
      from: 'help@postdesk.test',
      to: ['alice@example.test', 'bob@example.test'],
      subject: 'Ticket #42: printer on fire',
      text: 'We are on it.',
    });
    expect(info.accepted).toEqual(['alice@example.test', 'bob@example.test']);

    const [mail] = await s.waitFor(1);
    expect(mail?.from).toBe('help@postdesk.test');
    expect(mail?.to).toEqual(['alice@example.test', 'bob@example.test']);
    const raw = mail?.raw.toString('utf8') ?? '';
    expect(raw).toMatch(/^Subject: Ticket #42: printer on fire\r$/m);
    expect(raw).toContain(`Message-ID: ${info.messageId}`);
  });

  it('makes sendMail reject with 550 when the RCPT hook refuses', async () => {
    const s = await sink({ onRcpt: (address) => (address === 'gone@example.test' ? { code: 550, message: '5.1.1 No such user' } : undefined) });
    await expect(transportTo(s).sendMail({ from: 'help@postdesk.test', to: 'gone@example.test', subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    expect(s.messages).toHaveLength(0);
  });

  it('makes sendMail reject with a 4xx when the DATA hook defers, and captures nothing', async () => {
    const s = await sink({ onData: () => ({ code: 451, message: '4.3.0 Try again later' }) });
    await expect(transportTo(s).sendMail({ from: 'help@postdesk.test', to: 'alice@example.test', subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 451 });
    expect(s.messages).toHaveLength(0);
  });
});
