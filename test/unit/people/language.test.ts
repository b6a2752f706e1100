import { describe, expect, it } from 'vitest';
import { canonicalLanguage, languageChain, languageOfMail } from '../../../src/people/language.js';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));

describe('languages', () => {
  it('canonicalises tags and refuses what is none', () => {
    expect(canonicalLanguage('DE-de')).toBe('de-DE');
    expect(canonicalLanguage(' pt-br ')).toBe('pt-BR');
    expect(canonicalLanguage('zh-hant-tw')).toBe('zh-Hant-TW');
    for (const bad of ['', '*', 'und', 'x', 'en_US;', 'english', 'de-'.padEnd(40, 'x')]) expect(canonicalLanguage(bad), bad).toBeNull();
  });

  it("reads a mail's Content-Language, else the first of its Accept-Language, ignoring quality values and junk", () => {
    expect(languageOfMail(headers({ 'content-language': 'de-DE', 'accept-language': 'en-US' }))).toBe('de-DE');
    expect(languageOfMail(headers({ 'accept-language': 'fr-FR;q=0.9, en-US' }))).toBe('fr-FR');
    expect(languageOfMail(headers({ 'content-language': 'nl, en' }))).toBe('nl');
    expect(languageOfMail(headers({ 'content-language': 'klingon!', 'accept-language': 'sv-SE' }))).toBe('sv-SE');
    expect(languageOfMail(headers({ 'content-language': '*' }))).toBeNull();
    expect(languageOfMail(new Map())).toBeNull();
  });

  it('looks for the full tag, then its language alone', () => {
    expect(languageChain('pt-BR')).toEqual(['pt-br', 'pt']);
    expect(languageChain('de')).toEqual(['de']);
    expect(languageChain(null)).toEqual([]);
  });
});
