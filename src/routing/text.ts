/**
 * Text folding and word splitting for keyword routing: case, accents and ß ignored, whole words,
 * Unicode-aware. Scripts written without spaces (Chinese, Japanese) have no word boundaries, so
 * each of their characters is a word of its own: a CJK keyword then matches as a phrase of
 * characters, i.e. anywhere in the text.
 */

const COMBINING_ACCENTS = /[\u0300-\u036f]/g; // Latin/Greek/Cyrillic diacritics only: Japanese dakuten stay
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu;

/** Lower case, accents removed, ß → ss, compatibility forms unified (ﬁ → fi, full-width → ASCII). */
export function foldText(text: string): string {
  return text.toLowerCase().normalize('NFKD').replace(COMBINING_ACCENTS, '').normalize('NFC').replace(/ß/g, 'ss');
}

/** The folded words of `text`, in order. */
export function words(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}
