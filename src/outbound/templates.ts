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
import { AppError } from '../errors.js';
import { escapeHtml, headerText } from './sanitize.js';

export const TEMPLATE_NAMES = [
  'acknowledgement',
  'acknowledgement-emergency',
  'public-reply',
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

const cache = new Map<string, Template>();

/** The template `name`, from `overrideDir` when it has one, else the default. Cached per folder. */
export function loadTemplate(name: TemplateName, overrideDir: string | null): Template {
  const key = `${overrideDir ?? ''}\u0000${name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const base = defaultDir();
  const pick = (file: string): string | null => {
    if (overrideDir && existsSync(join(overrideDir, file))) return join(overrideDir, file);
    return existsSync(join(base, file)) ? join(base, file) : null;
  };
  const textFile = pick(`${name}.txt`);
  if (!textFile) throw new Error(`template ${name}.txt is missing`);
  const { subject, text } = parseTextTemplate(readFileSync(textFile, 'utf8'), textFile);
  const htmlFile = pick(`${name}.html`);
  const template = { subject, text, html: htmlFile ? readFileSync(htmlFile, 'utf8') : null };
  cache.set(key, template);
  return template;
}

/**
 * Loads every template once, at start-up: an install without its templates folder, a
 * TEMPLATES_DIR that is not a folder, or a file there without its Subject line stops the gateway
 * (exit 78) naming the file, instead of failing each customer's mail later (each one would be
 * quarantined). Checked when the gateway starts, not when it is running: a file changed meanwhile
 * is read on the next start.
 * @returns files in TEMPLATES_DIR that replace no template (a typo, probably): worth a warning
 */
export function checkTemplates(overrideDir: string | null): { unknownFiles: string[] } {
  if (overrideDir !== null && !(existsSync(overrideDir) && statSync(overrideDir).isDirectory())) {
    throw new AppError('CONFIG_INVALID', `TEMPLATES_DIR: ${overrideDir} is not a folder`, 'permanent');
  }
  try {
    for (const name of TEMPLATE_NAMES) loadTemplate(name, overrideDir);
  } catch (error) {
    const message = (error as Error).message;
    const where = overrideDir !== null && message.startsWith(overrideDir) ? 'TEMPLATES_DIR: ' : '';
    throw new AppError('CONFIG_INVALID', `${where}${message}`, 'permanent', [], { cause: error });
  }
  const known = new Set(TEMPLATE_NAMES.flatMap((name) => [`${name}.txt`, `${name}.html`]));
  const unknownFiles = overrideDir === null ? [] : readdirSync(overrideDir).filter((file) => /\.(txt|html)$/i.test(file) && !known.has(file));
  return { unknownFiles };
}

/** Forgets cached templates (tests that rewrite a folder). */
export function clearTemplateCache(): void {
  cache.clear();
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
    html: template.html === null ? null : fill(template.html, variables, escapeHtml),
  };
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
