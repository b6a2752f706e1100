import { describe, expect, it } from 'vitest';
import { chatLiteral, emergencyChatText, newTicketChatText } from '../../../src/outbound/chat-text.js';

const ticket = { number: 42, subject: 'Printer jam', priority: 'NORMAL', queue: 'Billing', requester: { email: 'ann@customer.test', name: 'Ann Smith' } };

describe('chat text of webhooks', () => {
  it('announces a ticket in one line, what the customer wrote in code spans', () => {
    expect(newTicketChatText(ticket)).toBe('New ticket #42 in `Billing` (NORMAL) from `Ann Smith ‹ann@customer.test›`: `Printer jam`');
    expect(emergencyChatText({ ...ticket, queue: null, requester: { email: 'ops@customer.test', name: null } })).toBe('EMERGENCY: ticket #42 from `ops@customer.test`: `Printer jam`');
  });

  it('never lets a subject or a name leave its code span, mention, link or break the line', () => {
    const hostile = ['<!channel> urgent', '@channel @everyone', '`close` <https://evil.test|Reset password>', '[Reset](https://evil.test)', 'line\nbreak\r\n*bold*', '\u202egnp.exe'];
    for (const value of hostile) {
      const literal = chatLiteral(value);
      expect(literal, value).toMatch(/^`[^`\n\r<>]*`$/);
      expect(literal, value).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
    }
    expect(chatLiteral('<!channel> urgent')).toBe('`‹!channel› urgent`');
    expect(chatLiteral('`close`')).toBe('`ˋcloseˋ`');
    expect(chatLiteral('')).toBe('`(none)`');
    expect(chatLiteral('x'.repeat(500)).length).toBeLessThanOrEqual(202);
  });
});
