import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import type { Ticket } from '../../../src/entities/index.js';
import { Mailer } from '../../../src/outbound/mailer.js';

const desk = (env: Record<string, string>, queue: { name: string; emailAddress: string | null } | null) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused', SUPPORT_ADDRESS: 'support@example.com', NODE_ENV: 'test', ...env });
  // desk() reads the ticket's queue and the configuration only.
  return new Mailer(null as never, { config, secret: 'unused' }, new Date()).desk({ queue } as unknown as Ticket);
};

describe('who outbound mail comes from', () => {
  it('is SUPPORT_ADDRESS (CONTRACT.md), whatever the queue, unless FROM_QUEUE_ADDRESS is on', () => {
    const billing = { name: 'Billing', emailAddress: 'billing@example.com' };
    expect(desk({}, billing)).toEqual({ address: 'support@example.com', name: 'Support' });
    expect(desk({ FROM_QUEUE_ADDRESS: 'true' }, billing)).toEqual({ address: 'billing@example.com', name: 'Billing' });
    expect(desk({ FROM_QUEUE_ADDRESS: 'true' }, { name: 'General', emailAddress: null })).toEqual({ address: 'support@example.com', name: 'Support' });
    expect(desk({ FROM_QUEUE_ADDRESS: 'true' }, null)).toEqual({ address: 'support@example.com', name: 'Support' });
  });
});
