import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { isEmergencyMail } from '../../../src/routing/emergency.js';
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

  it('counts the addresses the mail was delivered to as recipients: the SMTP envelope and the delivery headers', async () => {
    const delivery = 'X-Original-To: <Billing@Example.com>\r\nDelivered-To: support@example.com\r\nEnvelope-To: sales@example.com, not an address\r\n';
    const facts = messageFacts(await parseMessage(mail(delivery), DEFAULT_ATTACHMENT_POLICY), { name: 'smtp', address: null, envelopeRecipients: ['VIP@Example.com'] });
    expect(facts.to).toEqual(['support@example.com', 'boss@customer.example', 'vip@example.com', 'billing@example.com', 'sales@example.com']);
    // The same addresses are no CCs, senders or anything else: only what rules and queues match on.
    expect(facts.from).toBe('alice@customer.example');
  });

  it('reads at most 20 delivery addresses, however many a sender forges', async () => {
    const forged = Array.from({ length: 100 }, (_, i) => `Delivered-To: hop${i}@relay.example\r\n`).join('');
    const facts = messageFacts(await parseMessage(mail(forged), DEFAULT_ATTACHMENT_POLICY), { name: 'support', address: null });
    expect(facts.to.filter((a) => a.endsWith('@relay.example'))).toHaveLength(20);
  });

  it('makes mail delivered to EMERGENCY_ADDRESS through an alias or a Bcc an emergency, as To/Cc does', async () => {
    const config = { emergencyAddress: 'emergency@example.com' };
    const viaAlias = await parseMessage(mail('X-Original-To: emergency@example.com\r\n'), DEFAULT_ATTACHMENT_POLICY);
    const plain = await parseMessage(mail(''), DEFAULT_ATTACHMENT_POLICY);
    expect([isEmergencyMail(viaAlias, 'SUPPORT', config), isEmergencyMail(plain, 'SUPPORT', config), isEmergencyMail(plain, 'EMERGENCY', config)]).toEqual([true, false, true]);
  });
});
