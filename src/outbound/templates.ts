/**
 * Mail templates: plain text and HTML per mail, read from files so wording changes need no code.
 *
 * The defaults live in the repository's `templates/` folder; TEMPLATES_DIR may hold files of the
 * same names that replace them one by one. `<name>.txt` starts with a `Subject:` line, then an empty
 * line, then the text body; `<name>.html` is the HTML body (optional: without it the mail is text only).
 *
 * Placeholders are `{{ path.to.value }}` over a fixed variable object (ticket, message, recipient …).
 * Deliberately no logic and no code: a template cannot call anything or reach outside its variables,
 * and every value is HTML-escaped in `.html` files, so a customer's text can never become markup.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { canonicalLanguage, languageChain } from '../people/language.js';
import { escapeHtml, headerText } from './sanitize.js';

export const TEMPLATE_NAMES = [
  'acknowledgement',
  'acknowledgement-emergency',
  'public-reply',
  'forward',
  'ticket-opened',
  'ticket-merged',
  'ticket-split',
  'status-in-progress',
  'status-waiting',
  'status-closed',
  'status-reopened',
  'status-approved',
  'watcher-new-ticket',
  'watcher-comment',
  'watcher-note',
  'escalation',
  'emergency-page',
  'approval-request',
  'attachments-refused',
  'reply-overdue',
  'note-mention',
  'snooze-ended',
  'rating-bad',
  'ticket-assigned',
  'message-too-large',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface Template {
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
}

/** Template values: nested plain objects of strings and numbers. */
export type TemplateVariables = { readonly [key: string]: string | number | null | undefined | TemplateVariables };

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*\}\}/g;

/** The repository's `templates/` folder, found from this file in src/ (vitest) or dist/src (built). */
function defaultDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'templates', 'acknowledgement.txt'))) return join(dir, 'templates');
    dir = dirname(dir);
  }
  throw new Error('the templates folder was not found next to the postdesk code: the installation is incomplete');
}

/** Splits a `.txt` template into its `Subject:` line and body. */
export function parseTextTemplate(source: string, file: string): { subject: string; text: string } {
  const normalised = source.replace(/\r\n?/g, '\n');
  const match = /^Subject:[ \t]*(.*)\n\n?/.exec(normalised);
  if (!match) throw new Error(`${file}: the first line must be "Subject: …"`);
  return { subject: match[1]!.trim(), text: normalised.slice(match[0].length) };
}

/** Templates read, by folder and name; null: that folder has none of that name (asked once, not at every mail). */
const cache = new Map<string, Template | null>();

function cached(key: string, read: () => Template | null): Template | null {
  if (!cache.has(key)) cache.set(key, read());
  return cache.get(key) ?? null;
}

function readTemplate(textFile: string, htmlFile: string | null): Template {
  const { subject, text } = parseTextTemplate(readFileSync(textFile, 'utf8'), textFile);
  return { subject, text, html: htmlFile && existsSync(htmlFile) ? readFileSync(htmlFile, 'utf8') : null };
}

const folderCache = new Map<string, ReadonlyMap<string, string>>();

/**
 * The folders of TEMPLATES_DIR named after a language ("de", "pt-BR"), by lower-cased canonical
 * tag. Read once per folder; a folder named after no language is refused by checkTemplates.
 */
function languageFolders(overrideDir: string | null): ReadonlyMap<string, string> {
  if (overrideDir === null) return new Map();
  let folders = folderCache.get(overrideDir);
  if (!folders) {
    const found = new Map<string, string>();
    for (const entry of readdirSync(overrideDir, { withFileTypes: true })) {
      const language = entry.isDirectory() ? canonicalLanguage(entry.name) : null;
      if (language) found.set(language.toLowerCase(), join(overrideDir, entry.name));
    }
    folders = found;
    folderCache.set(overrideDir, folders);
  }
  return folders;
}

/** The language folders that serve `language`, most specific first ("pt-BR", then "pt"); none for the desk's default. */
export function templateFolders(overrideDir: string | null, language: string | null): string[] {
  const folders = languageFolders(overrideDir);
  return languageChain(language).flatMap((tag) => folders.get(tag) ?? []);
}

/**
 * The template `name` in `language`: from the most specific of its folders in TEMPLATES_DIR that
 * has it (its `.html` from that folder too, or none: a translated text never comes with an HTML
 * part in another language), else from TEMPLATES_DIR itself, else the default. Cached per file.
 */
export function loadTemplate(name: TemplateName, overrideDir: string | null, language: string | null = null): Template {
  for (const folder of templateFolders(overrideDir, language)) {
    const textFile = join(folder, `${name}.txt`);
    const translated = cached(`${folder}\u0000${name}`, () => (existsSync(textFile) ? readTemplate(textFile, join(folder, `${name}.html`)) : null));
    if (translated) return translated;
  }
  return cached(`${overrideDir ?? ''}\u0000${name}`, () => {
    const base = defaultDir();
    const pick = (file: string): string | null => {
      if (overrideDir && existsSync(join(overrideDir, file))) return join(overrideDir, file);
      return existsSync(join(base, file)) ? join(base, file) : null;
    };
    const textFile = pick(`${name}.txt`);
    if (!textFile) throw new Error(`template ${name}.txt is missing`);
    return readTemplate(textFile, pick(`${name}.html`));
  })!;
}

/** Why an attachment was refused (src/ingest/parse/attachments.ts), in the sender's notice. */
export const REFUSAL_PHRASES = [
  'refused-type',
  'refused-no-extension',
  'refused-winmail-dat',
  'refused-too-large',
  'refused-content',
  'refused-content-unknown',
  'refused-too-many',
  'refused-smime-encrypted',
  'refused-smime-opaque',
  'refused-openpgp-encrypted',
  'refused-unreadable',
] as const;

/** Sentences postdesk writes into mail itself, by name; `{{ … }}` as in templates. English defaults in `templates/phrases.json`. */
export const PHRASE_KEYS = [
  'opening-note',
  'reply-promise',
  'reply-promise-opening-time',
  'fields-request',
  'history-header',
  'worked-on-by',
  'tell-us-more',
  'closed-after-waiting',
  'closed-after-opening',
  ...REFUSAL_PHRASES,
] as const;
export type PhraseKey = (typeof PHRASE_KEYS)[number];
export type Phrases = Readonly<Record<PhraseKey, string>>;

const PHRASES_FILE = 'phrases.json';
const PHRASE_MAX = 1_000;
const phraseFile = z.record(z.string(), z.string().max(PHRASE_MAX).regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line without control characters'));

/** A phrases file's sentences (none when there is no such file); names it when it is broken. */
function readPhrases(folder: string): { phrases: Partial<Record<PhraseKey, string>>; unknown: string[] } {
  const file = join(folder, PHRASES_FILE);
  if (!existsSync(file)) return { phrases: {}, unknown: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = phraseFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.length > 0 ? `"${issue.path.join('.')}" ` : ''}${issue.message} (an object of sentences by name, e.g. {"opening-note": "…"})`);
  }
  const known = new Set<string>(PHRASE_KEYS);
  return { phrases: parsed.data as Partial<Record<PhraseKey, string>>, unknown: Object.keys(parsed.data).filter((key) => !known.has(key)) };
}

const phraseCache = new Map<string, Phrases>();

/** The sentences for `language`: its folders' (most specific first), then TEMPLATES_DIR's own, then the defaults. */
export function loadPhrases(overrideDir: string | null, language: string | null): Phrases {
  const folders = [...templateFolders(overrideDir, language), ...(overrideDir === null ? [] : [overrideDir]), defaultDir()];
  const key = folders.join('\u0000');
  let phrases = phraseCache.get(key);
  if (!phrases) {
    phrases = Object.assign({}, ...folders.reverse().map((folder) => readPhrases(folder).phrases)) as Phrases;
    phraseCache.set(key, phrases);
  }
  return phrases;
}

/**
 * Loads every template once, at start-up: an install without its templates folder, a
 * TEMPLATES_DIR that is not a folder, or a file there without its Subject line stops the gateway
 * (exit 78) naming the file, instead of failing each customer's mail later (each one would be
 * quarantined). So does a language folder's (`TEMPLATES_DIR/de/`), a folder named after no
 * language, or a broken `phrases.json`. Checked when the gateway starts, not when it is running:
 * a file changed meanwhile is read on the next start.
 * @returns files in TEMPLATES_DIR that replace no template and phrase names that name none (a
 *   typo, probably): worth a warning; and the languages it has templates for
 */
export function checkTemplates(overrideDir: string | null): { unknownFiles: string[]; languages: string[] } {
  if (overrideDir !== null && !(existsSync(overrideDir) && statSync(overrideDir).isDirectory())) {
    throw new AppError('CONFIG_INVALID', `TEMPLATES_DIR: ${overrideDir} is not a folder`, 'permanent');
  }
  const known = new Set(TEMPLATE_NAMES.flatMap((name) => [`${name}.txt`, `${name}.html`]));
  const unknownFiles: string[] = [];
  const languages: string[] = [];
  try {
    for (const name of TEMPLATE_NAMES) loadTemplate(name, overrideDir);
    if (overrideDir !== null) {
      unknownFiles.push(...unknownIn(overrideDir, known), ...readPhrases(overrideDir).unknown.map((key) => `${PHRASES_FILE}: ${key}`));
      for (const entry of readdirSync(overrideDir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
        const folder = join(overrideDir, entry.name);
        const language = canonicalLanguage(entry.name);
        if (!language) throw new Error(`${folder}: a folder in TEMPLATES_DIR holds one language's templates and is named after it (de, pt-BR)`);
        languages.push(language);
        for (const name of TEMPLATE_NAMES) if (existsSync(join(folder, `${name}.txt`))) loadTemplate(name, overrideDir, language);
        for (const file of readdirSync(folder).filter((f) => f.endsWith('.html') && !existsSync(join(folder, f.replace(/\.html$/, '.txt'))))) {
          throw new Error(`${join(folder, file)}: a language's HTML template needs its .txt beside it (subject and text)`);
        }
        unknownFiles.push(...unknownIn(folder, known).map((file) => `${entry.name}/${file}`), ...readPhrases(folder).unknown.map((key) => `${entry.name}/${PHRASES_FILE}: ${key}`));
      }
    }
  } catch (error) {
    const message = (error as Error).message;
    const where = overrideDir !== null && message.startsWith(overrideDir) ? 'TEMPLATES_DIR: ' : '';
    throw new AppError('CONFIG_INVALID', `${where}${message}`, 'permanent', [], { cause: error });
  }
  return { unknownFiles, languages: languages.sort() };
}

/** Template files in `folder` that replace no template. */
function unknownIn(folder: string, known: ReadonlySet<string>): string[] {
  return readdirSync(folder).filter((file) => /\.(txt|html)$/i.test(file) && !known.has(file));
}

/** Forgets cached templates (tests that rewrite a folder). */
export function clearTemplateCache(): void {
  cache.clear();
  folderCache.clear();
  phraseCache.clear();
}

function lookup(variables: TemplateVariables, path: string): string {
  let value: unknown = variables;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return '';
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** Fills `{{ … }}` placeholders; `escape` is applied to every value (HTML), never to the template. */
export function fill(template: string, variables: TemplateVariables, escape: (value: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (_, path: string) => escape(lookup(variables, path)));
}

/** Renders subject (one safe header line), text and HTML of a template. */
export function renderTemplate(template: Template, variables: TemplateVariables): RenderedMail {
  return {
    subject: headerText(fill(template.subject, variables), 400),
    text: fill(template.text, variables),
    html: template.html === null ? null : tidyParagraphs(fill(template.html, variables, escapeHtml)),
  };
}

/**
 * Filled HTML without what values meant for the text part leave behind: a paragraph an empty value
 * (no opening-hours note, no queue note) left empty is dropped, and the line breaks a value ends
 * with to separate text paragraphs open no blank lines at the end of a pre-wrap paragraph.
 * The lookbehind makes each run of whitespace one try: a customer's text cannot make it slow.
 */
function tidyParagraphs(html: string): string {
  return html.replace(/(?<!\s)\s+<\/p>/g, '</p>').replace(/<p\b[^>]*><\/p>\n?/g, '');
}

/**
 * The reply marker (REPLY_MARKER) above a mail's text and HTML: a reply that quotes it is cut there
 * (visible-text.ts). Unchanged when there is none.
 */
export function withReplyMarker(mail: RenderedMail, marker: string | null): RenderedMail {
  if (!marker) return mail;
  const html = mail.html === null ? null : `<p style="color:#8a8a8a;font-size:small">${escapeHtml(marker)}</p>\n${mail.html}`;
  return { subject: mail.subject, text: `${marker}\n\n${mail.text}`, html };
}

/** The placeholders in `template` that name no value of `variables` (a typo would print nothing). */
export function unknownPlaceholders(template: string, variables: TemplateVariables): string[] {
  const unknown = new Set<string>();
  for (const [, path] of template.matchAll(PLACEHOLDER)) {
    let value: unknown = variables;
    for (const part of path!.split('.')) value = value !== null && typeof value === 'object' && Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') unknown.add(path!);
  }
  return [...unknown];
}
