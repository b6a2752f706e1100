import { describe, expect, it } from 'vitest';
import { KeywordIndex } from '../../../src/routing/keywords.js';
import { foldText, words } from '../../../src/routing/text.js';

const index = (queues: Record<string, string[]>) => new KeywordIndex(Object.entries(queues).map(([name, keywords]) => ({ name, keywords })));

describe('text folding', () => {
  it('ignores case, accents and ß, and unifies compatibility forms', () => {
    expect(foldText('Straße MÜLLER Café ﬁle ＡＢＣ')).toBe('strasse muller cafe file abc');
    expect(foldText('İstanbul')).toBe('istanbul');
  });

  it('splits words on anything that is not a letter or digit, and CJK into characters', () => {
    expect(words("can't log-in, (urgent)!")).toEqual(['can', 't', 'log', 'in', 'urgent']);
    expect(words('請求書について')).toEqual(['請', '求', '書', 'に', 'つ', 'い', 'て']);
    expect(words('ガス')).toEqual(['ガ', 'ス']); // dakuten kept: ガ is not カ
  });
});

describe('keyword routing', () => {
  it('matches case-insensitively on whole words only', () => {
    const k = index({ Billing: ['invoice'] });
    expect(k.match('INVOICE overdue', '').queue).toBe('Billing');
    expect(k.match('Invoices overdue', '').queue).toBeNull();
    expect(k.match('reinvoice', '').queue).toBeNull();
    expect(k.match('', 'see the invoice.').queue).toBe('Billing');
  });

  it('is Unicode-aware: umlauts, ß, accents and CJK text', () => {
    const k = index({ DE: ['Rechnung für'], Street: ['straße'], FR: ['facture'], JP: ['請求書'], CN: ['发票'] });
    expect(k.match('Ihre RECHNUNG FÜR Oktober', '').queue).toBe('DE');
    expect(k.match('Hauptstrasse 5', '').queue).toBeNull(); // whole words: "hauptstrasse" is one word
    expect(k.match('STRASSE gesperrt', '').queue).toBe('Street');
    expect(k.match('Facturé', '').queue).toBe('FR');
    expect(k.match('', '先月の請求書が届きません').queue).toBe('JP');
    expect(k.match('关于发票的问题', '').queue).toBe('CN');
  });

  it('matches phrases as phrases', () => {
    const k = index({ Access: ['password reset'] });
    expect(k.match('Password  reset please', '').queue).toBe('Access');
    expect(k.match('password-reset', '').queue).toBe('Access');
    expect(k.match('reset my password', '').queue).toBeNull();
    expect(k.match('password was reset', '').queue).toBeNull();
  });

  it('weighs a subject hit more than a body hit, and counts each keyword once per field', () => {
    const k = index({ Billing: ['invoice'], Tech: ['error', 'crash'] });
    // Body: error + crash (2) vs subject: invoice (3).
    expect(k.match('Invoice question', 'error crash error crash error').queue).toBe('Billing');
    // Body only: two Tech keywords beat one Billing keyword.
    const result = k.match('hello', 'an invoice, an error and a crash');
    expect(result.queue).toBe('Tech');
    expect(result.score).toBe(2);
    expect(result.hits).toEqual(
      expect.arrayContaining([
        { queue: 'Billing', keyword: 'invoice', field: 'body' },
        { queue: 'Tech', keyword: 'error', field: 'body' },
        { queue: 'Tech', keyword: 'crash', field: 'body' },
      ]),
    );
  });

  it('gives a tie to the earlier queue', () => {
    expect(index({ First: ['printer'], Second: ['toner'] }).match('printer toner', '').queue).toBe('First');
    expect(index({ Second: ['toner'], First: ['printer'] }).match('printer toner', '').queue).toBe('Second');
  });

  it('returns no queue when nothing matches, and ignores keywords that are only punctuation', () => {
    const result = index({ Billing: ['invoice', '!!!'] }).match('Hello', 'nothing here !!!');
    expect(result).toEqual({ queue: null, score: 0, hits: [] });
  });
});

describe('the ASCII fast path (a trie over the characters) agrees with the word-list path', () => {
  it('finds the same queue, score and hits on 2,000 random texts', () => {
    // A small alphabet makes prefixes, repeated words and near-miss phrases common.
    const vocabulary = ['in', 'inv', 'invoice', 'invoices', 'pay', 'payment', 'log', 'login', 'a1', 'a', 'x9y', 'printer'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const separators = [' ', '  ', ', ', '.\n', '-', "'", '(', ')!', '\t'];
    const text = (n: number) => Array.from({ length: n }, () => (random() < 0.2 ? pick(vocabulary).toUpperCase() : pick(vocabulary)) + pick(separators)).join('');
    const k = index({
      Billing: ['invoice', 'pay', 'invoice payment', 'in a'],
      Access: ['login', 'log in', 'a1 x9y', 'printer printer'],
      Other: ['inv', 'payment login a'],
    });
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const subject = text(5);
      const body = text(60);
      const fast = k.match(subject, body);
      // A trailing non-ASCII word (ü folds to u, which no keyword contains) forces the general path.
      const general = k.match(`${subject} ü`, `${body} ü`);
      expect(fast).toEqual(general);
      compared += fast.hits.length;
    }
    expect(compared).toBeGreaterThan(2000); // the texts really did contain keywords
  });
});
