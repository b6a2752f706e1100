/**
 * The original sender of a forwarded mail, as the common mail clients write the forward (their
 * header blocks differ, and follow the user's language); email-forward-parser reads them, and
 * forwardedOriginal keeps a valid sender address, the CCs and the subject.
 */
import { describe, expect, it } from 'vitest';
import { forwardedOriginal } from '../../../src/ingest/forwarded.js';

describe('forwardedOriginal', () => {
  it('reads a Gmail forward: sender, CCs and subject', () => {
    const text = [
      'Can you take this one?',
      '',
      '---------- Forwarded message ---------',
      'From: Carol Customer <Carol@Customer.test>',
      'Date: Mon, Nov 30, 2026 at 9:12 AM',
      'Subject: Printer on floor 3 is broken',
      'To: Sam <sam@staff.test>',
      'Cc: Dan <dan@customer.test>',
      '',
      'The printer on floor 3 shows error 50.',
    ].join('\n');
    expect(forwardedOriginal(text, 'Fwd: Printer on floor 3 is broken')).toEqual({
      from: { email: 'carol@customer.test', name: 'Carol Customer' },
      cc: [{ email: 'dan@customer.test', name: 'Dan' }],
      subject: 'Printer on floor 3 is broken',
    });
  });

  it('reads an Apple Mail forward and a German Thunderbird one', () => {
    const apple = ['See below.', '', 'Begin forwarded message:', '', 'From: Ola Nordmann <ola@kunde.test>', 'Subject: VPN', 'Date: 30 November 2026 at 09:00:00 CET', 'To: sam@staff.test', '', 'The VPN is down.'].join('\n');
    expect(forwardedOriginal(apple, 'Fwd: VPN')?.from).toEqual({ email: 'ola@kunde.test', name: 'Ola Nordmann' });
    const thunderbird = [
      '-------- Weitergeleitete Nachricht --------',
      'Betreff: \tDrucker',
      'Datum: \tMon, 30 Nov 2026 09:00:00 +0100',
      'Von: \tJonas Kunde <jonas@kunde.test>',
      'An: \tsam@staff.test',
      '',
      'Der Drucker ist kaputt.',
    ].join('\n');
    expect(forwardedOriginal(thunderbird, 'WG: Drucker')).toMatchObject({ from: { email: 'jonas@kunde.test', name: 'Jonas Kunde' }, subject: 'Drucker' });
  });

  it('finds nothing in mail that forwards nothing, or whose sender is no address', () => {
    expect(forwardedOriginal('Hello, my printer is broken.\n\nFrom: the 3rd floor', 'Printer')).toBeNull();
    const noAddress = ['---------- Forwarded message ---------', 'From: Reception', 'Date: Mon, Nov 30, 2026 at 9:12 AM', 'Subject: Keys', 'To: sam@staff.test', '', 'Lost keys.'].join('\n');
    expect(forwardedOriginal(noAddress, 'Fwd: Keys')).toBeNull();
  });
});

describe('forwardedOriginal on padded text', () => {
  it('still finds the sender when the client pads the header block with blank lines and runs of spaces', () => {
    const text = ['Please handle.', '', '', '', '---------- Forwarded message ---------', 'From:    Carol   Customer <carol@customer.test>   ', 'Date: Mon, Nov 30, 2026 at 9:12 AM', 'Subject: Printer', 'To: sam@staff.test', '', '', '', 'Broken.'].join('\r\n');
    expect(forwardedOriginal(text, 'Fwd: Printer')?.from).toEqual({ email: 'carol@customer.test', name: 'Carol Customer' });
  });
});
