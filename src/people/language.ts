/**
 * The language a person is written to in: a BCP 47 tag ("de", "pt-BR") kept on the person, else
 * their ticket's queue's, else none (the desk's own templates). Tags are canonicalised by Intl, so
 * "DE-de" and "de-DE" are one language; a language's templates are looked for under its full tag,
 * then its primary subtag ("pt-BR", then "pt"), then the desk's own.
 */
import { z } from 'zod';

/** Longer tags exist in theory; no mail client or person needs one (RFC 5646 §4.4.1 recommends 35). */
const MAX_TAG_LENGTH = 35;

/** The canonical form of one language tag, or null when it is none (empty, `*`, `und`, malformed, too long). */
export function canonicalLanguage(value: string): string | null {
  const tag = value.trim();
  // A language of ISO 639 first (two or three letters): the longer forms BCP 47 reserves name none yet.
  if (!/^[a-z]{2,3}(?:-|$)/i.test(tag) || tag.length > MAX_TAG_LENGTH) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    // "und" is ISO 639's "undetermined": no language at all.
    return canonical && canonical !== 'und' && canonical.length <= MAX_TAG_LENGTH ? canonical : null;
  } catch {
    return null;
  }
}

/**
 * The language a mail says it is written in: Content-Language (RFC 3282; Outlook and Thunderbird
 * set it from the writer's editing language), else the first of Accept-Language (Outlook's, the
 * reader's languages in order). Only the first tag of a list counts; a quality value is ignored.
 */
export function languageOfMail(headers: ReadonlyMap<string, readonly string[]>): string | null {
  for (const name of ['content-language', 'accept-language']) {
    const first = headers.get(name)?.[0]?.split(',')[0]?.split(';')[0];
    const language = first === undefined ? null : canonicalLanguage(first);
    if (language) return language;
  }
  return null;
}

/** Where a language's templates are looked for, most specific first: ["pt-br", "pt"] for pt-BR. Lower-cased, as folder names are matched. */
export function languageChain(language: string | null): string[] {
  if (!language) return [];
  const lower = language.toLowerCase();
  const primary = lower.split('-')[0]!;
  return primary === lower ? [lower] : [lower, primary];
}

/** What an API input that names no language is told. */
export const NOT_A_LANGUAGE = 'must be a language tag such as de, fr or pt-BR';

/** An API input naming a language: canonicalised with canonicalLanguage, refused when it is none. */
export const languageTag = () =>
  z
    .string()
    .trim()
    .refine((v) => canonicalLanguage(v) !== null, { message: NOT_A_LANGUAGE });
