/**
 * Text folding and word splitting for keyword routing: case, accents and ß ignored, whole words,
 * Unicode-aware. Scripts written without spaces (Chinese, Japanese) have no word boundaries, so
 * each of their characters is a word of its own: a CJK keyword then matches as a phrase of
 * characters, i.e. anywhere in the text.
 */

const COMBINING_ACCENTS = /[\u0300-\u036f]/g; // Latin/Greek/Cyrillic diacritics only: Japanese dakuten stay
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu;

export const NON_ASCII = /[^\u0000-\u007f]/;

/** Lower case, accents removed, ß → ss, compatibility forms unified (ﬁ → fi, full-width → ASCII). */
export function foldText(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase(); // the common case, without normalisation passes
  return text.toLowerCase().normalize('NFKD').replace(COMBINING_ACCENTS, '').normalize('NFC').replace(/ß/g, 'ss');
}

const ASCII_WORD = /[a-z0-9]+/g; // WORD restricted to lower-case ASCII: the same words, found faster

/** The folded words of `text`, in order. */
export function words(text: string): string[] {
  if (!NON_ASCII.test(text)) return text.toLowerCase().match(ASCII_WORD) ?? [];
  return foldText(text).match(WORD) ?? [];
}
