/**
 * The words of one mail beyond its template: the sentences postdesk writes itself (phrases), and
 * dates and durations, all in the language its templates are in. A recipient's language that the
 * desk has no templates for gets the desk's default wording throughout, never a German date in
 * an English sentence.
 */
import { formatDuration, formatInstant } from './instant.js';
import { fill, loadPhrases, templateFolders, type PhraseKey, type TemplateVariables } from './templates.js';

export interface Wording {
  /** The language the mail is written in (a BCP 47 tag); null: the desk's default templates. */
  readonly language: string | null;
  phrase(key: PhraseKey, values?: TemplateVariables): string;
  instant(instant: Date, zone: string, now: Date): string;
  duration(seconds: number): string;
}

/** A phrase as the built-in templates word it: what the ticket's history and the API keep. */
export function inDefaultWording(key: PhraseKey, values: TemplateVariables = {}): string {
  return wordingFor(null, null).phrase(key, values);
}

/** Wording for mail to someone whose language is `language` (null: unknown), from TEMPLATES_DIR and the defaults. */
export function wordingFor(language: string | null, templatesDir: string | null): Wording {
  const written = language !== null && templateFolders(templatesDir, language).length > 0 ? language : null;
  const phrases = loadPhrases(templatesDir, written);
  return {
    language: written,
    phrase: (key, values = {}) => fill(phrases[key], values),
    instant: (instant, zone, now) => formatInstant(instant, zone, now, written),
    duration: (seconds) => formatDuration(seconds, written),
  };
}
