import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkOurMessageId, findTicketTag, isForward, messageIdDomain, ourMessageId, subjectOfItsOwn, taggedSubject, withoutSubjectTags } from '../../../src/mail/headers.js';

const SECRET = 'a'.repeat(64);
const DOMAIN = 'example.com';

describe('our Message-IDs (TESTPLAN S4)', () => {
  it('verify when unaltered', () => {
    const id = ourMessageId(SECRET, DOMAIN, 42, 1007);
    expect(id).toMatch(/^pd\.42\.1007\.[0-9a-f]{24}@example\.com$/);
    expect(checkOurMessageId(SECRET, DOMAIN, id)).toEqual({ kind: 'ours', ticketId: 42, messageRowId: 1007 });
    expect(checkOurMessageId(SECRET, DOMAIN, id.toUpperCase().replace('@EXAMPLE.COM', '@example.com'))).toMatchObject({ kind: 'ours' });
  });

  it('reject every altered ticket, message or HMAC part', () => {
    const id = ourMessageId(SECRET, DOMAIN, 42, 1007);
    const [, , , mac] = id.split('@')[0]!.split('.');
    expect(checkOurMessageId(SECRET, DOMAIN, `pd.43.1007.${mac}@${DOMAIN}`).kind).toBe('forged');
    expect(checkOurMessageId(SECRET, DOMAIN, `pd.42.1008.${mac}@${DOMAIN}`).kind).toBe('forged');
    expect(checkOurMessageId('b'.repeat(64), DOMAIN, id).kind).toBe('forged');
    expect(checkOurMessageId(SECRET, 'other.org', id).kind).toBe('foreign');
    expect(checkOurMessageId(SECRET, DOMAIN, 'CAF1234@mail.gmail.com').kind).toBe('foreign');
  });

  it('accept none of 10,000 random forgeries', () => {
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const forged = `pd.${1 + (i % 500)}.${i}.${randomBytes(12).toString('hex')}@${DOMAIN}`;
      if (checkOurMessageId(SECRET, DOMAIN, forged).kind === 'ours') accepted++;
    }
    expect(accepted).toBe(0);
  });

  it('take their domain from the support address', () => {
    expect(messageIdDomain('Support@Example.COM')).toBe('example.com');
    expect(messageIdDomain('support@localhost')).toBe('localhost');
  });
});

describe('subject tags and forwards', () => {
  it.each([
    ['[#12] printer broken', 12],
    ['Re: [#12] printer broken', 12],
    ['AW: SV: Antw: RE[2]: [#12] printer', 12],
    ['printer [#12] still broken', 12],
    ['Re: printer (ticket [#7]) and [#8]', 7],
    ['no tag here #12', null],
    ['[12] not a tag', null],
    ['[#] empty', null],
  ])('%s -> %s', (subject, number) => {
    expect(findTicketTag(subject)).toBe(number);
  });

  it.each([
    ['Fwd: invoice', true],
    ['FW: invoice', true],
    ['WG: Rechnung', true],
    ['TR: facture', true],
    ['Re: Fwd: invoice', false],
    ['Forward planning', false],
  ])('%s is a forward: %s', (subject, forward) => {
    expect(isForward(subject)).toBe(forward);
  });

  it('adds the tag once', () => {
    expect(taggedSubject(5, 'Printer')).toBe('[#5] Printer');
    expect(taggedSubject(5, 'Re: [#5] Printer')).toBe('Re: [#5] Printer');
  });
});

describe('a subject of its own (splitTicket)', () => {
  it.each([
    ['Re: [#42] Printer jam', 'Printer jam'],
    ['AW: Re: Fwd: [#42] Printer jam', 'Printer jam'],
    ['RE[2]: SV: Scanner', 'Scanner'],
    ['Printer [#42] jam [#7]', 'Printer jam'],
    ['Regarding the invoice', 'Regarding the invoice'],
    ['Re: [#42]', '(no subject)'],
    ['', '(no subject)'],
  ])('%j becomes %j', (subject, expected) => {
    expect(subjectOfItsOwn(subject)).toBe(expected);
  });
});

describe('a subject without the tags of a mail system in front of postdesk (SUBJECT_TAGS)', () => {
  const TAGS = ['[EXTERNAL]', '[EXT]', 'EXTERNAL:'];
  it.each([
    ['[EXTERNAL] Printer jam', 'Printer jam'],
    ['[External] Re: [#42] Printer jam', 'Re: [#42] Printer jam'],
    ['Re: [EXTERNAL] [#42] Printer jam', 'Re: [#42] Printer jam'],
    ['Fwd: [EXT] EXTERNAL: Printer jam', 'Fwd: Printer jam'],
    ['[EXTERNAL]Re:[EXTERNAL] Scanner', 'Re: Scanner'],
    ['AW: Re:  two  spaces', 'AW: Re:  two  spaces'],
    ['Printer jam [EXTERNAL]', 'Printer jam [EXTERNAL]'],
    ['Why does [EXT] appear in our exports?', 'Why does [EXT] appear in our exports?'],
    ['[EXTERNAL]', ''],
  ])('%j becomes %j', (subject, expected) => {
    expect(withoutSubjectTags(subject, TAGS)).toBe(expected);
  });

  it('takes a tag ending in a letter only as a whole word, and none when none are configured', () => {
    expect(withoutSubjectTags('EXT Printer', ['EXT'])).toBe('Printer');
    expect(withoutSubjectTags('EXTRA paper needed', ['EXT'])).toBe('EXTRA paper needed');
    expect(withoutSubjectTags('[EXTERNAL] Printer', [])).toBe('[EXTERNAL] Printer');
  });
});
