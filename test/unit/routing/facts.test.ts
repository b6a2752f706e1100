import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { messageFacts } from '../../../src/routing/facts.js';

const mail = (headers: string, body = 'Hello') =>
  Buffer.from(`From: Alice <ALICE@Customer.Example>\r\nTo: support@example.com\r\nCc: boss@customer.example\r\n${headers}Subject: Re: printer\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`);

describe('message facts for rules', () => {
  it('reads sender, domain, recipients with the mailbox address, subject, body, reply state', async () => {
    const facts = messageFacts(await parseMessage(mail('X-Mailer: Outlook\r\n'), DEFAULT_ATTACHMENT_POLICY), { name: 'support', address: 'Help@Example.com' });
    expect(facts).toMatchObject({
      from: 'alice@customer.example',
      fromDomain: 'customer.example',
      to: ['support@example.com', 'boss@customer.example', 'help@example.com'],
      subject: 'Re: printer',
      mailbox: 'support',
      isReply: true,
      hasAttachment: false,
    });
    expect(facts.body).toContain('Hello');
    expect(facts.headers.get('x-mailer')).toEqual(['Outlook']);
  });

  it('hides headers a sender could forge to steer routing (X-Postdesk-*, Authentication-Results)', async () => {
    const facts = messageFacts(
      await parseMessage(mail('X-Postdesk-Queue: VIP\r\nAuthentication-Results: mx; dmarc=pass\r\nX-Other: kept\r\n'), DEFAULT_ATTACHMENT_POLICY),
      { name: 'support', address: null },
    );
    expect(facts.headers.has('x-postdesk-queue')).toBe(false);
    expect(facts.headers.has('authentication-results')).toBe(false);
    expect(facts.headers.get('x-other')).toEqual(['kept']);
  });
});
