import { describe, expect, it } from 'vitest';
import { isRelayMessageId, relayMessageId, sesMessageIdDomain } from '../../../src/outbound/relay-message-id.js';

const ID = '0102018c6f3b2c1a-5e2b1c3d-1234-4abc-8def-0123456789ab-000000';

describe('Message-IDs Amazon SES writes in place of ours', () => {
  it('have the domain of the SES endpoint\'s region (email.amazonses.com in us-east-1), and none for other relays', () => {
    expect(sesMessageIdDomain('email-smtp.eu-west-1.amazonaws.com')).toBe('eu-west-1.amazonses.com');
    expect(sesMessageIdDomain('email-smtp.us-east-1.amazonaws.com')).toBe('email.amazonses.com');
    expect(sesMessageIdDomain('email-smtp-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1.amazonses.com');
    expect(sesMessageIdDomain('smtp.office365.com')).toBeNull();
    expect(sesMessageIdDomain('email-smtp.eu-west-1.amazonaws.com.evil.test')).toBeNull();
  });

  it('are read from the reply to DATA', () => {
    expect(relayMessageId('eu-west-1.amazonses.com', `250 Ok ${ID}`)).toBe(`${ID}@eu-west-1.amazonses.com`);
    expect(relayMessageId('eu-west-1.amazonses.com', `250 2.0.0 Ok ${ID}\r\n`)).toBe(`${ID}@eu-west-1.amazonses.com`);
    expect(relayMessageId('eu-west-1.amazonses.com', '250 2.0.0 Ok: queued as 4Fx1Yb2kQz')).toBeNull();
    expect(relayMessageId(null, `250 Ok ${ID}`)).toBeNull();
  });

  it('are the only foreign IDs looked up among our mail\'s', () => {
    expect(isRelayMessageId(`${ID}@eu-west-1.amazonses.com`)).toBe(true);
    expect(isRelayMessageId(`${ID}@email.amazonses.com`)).toBe(true);
    expect(isRelayMessageId('abc@customer.test')).toBe(false);
    expect(isRelayMessageId(`${ID},x}@eu-west-1.amazonses.com`)).toBe(false);
  });
});
