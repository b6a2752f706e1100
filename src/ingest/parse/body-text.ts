/**
 * The plain text of a message, bounded (TESTPLAN M6, M8).
 *
 * Rules: text is the text parts as decoded by the parser, or, when the message has only HTML, text
 * derived from it; valid UTF-8 without NUL (PostgreSQL refuses NUL in text); above 1 MiB it is
 * cut with a visible "[… truncated]" marker. mailparser's html-to-text is skipped for HTML it
 * cannot convert cheaply (too long, nested too deep); for that HTML a linear tag stripper below
 * gives readable text instead of none.
 */
import { MAX_TEXT_CHARS, TRUNCATED_MARKER } from './limits.js';
import { storableText } from './plain-string.js';

const BLOCK_TAGS = new Set(['p', 'div', 'br', 'li', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr']);
const SKIPPED_CONTENT = new Set(['script', 'style', 'head', 'title', 'template']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** `text` made storable and cut at 1 MiB with a visible marker. */
export function boundText(text: string): string {
  const clean = storableText(text);
  return clean.length > MAX_TEXT_CHARS ? `${clean.slice(0, MAX_TEXT_CHARS)}\n${TRUNCATED_MARKER}` : clean;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (entity, body: string) => {
    if (body[0] !== '#') return ENTITIES[body.toLowerCase()] ?? entity;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
  });
}

/**
 * Readable text from HTML in one linear pass: tags dropped (block tags become line breaks),
 * script/style content skipped, common entities decoded, blank runs collapsed. Reads at most twice
 * the text limit of HTML.
 */
export function stripHtml(html: string): string {
  const input = html.slice(0, 2 * MAX_TEXT_CHARS);
  const lower = input.toLowerCase();
  const out: string[] = [];
  let i = 0;
  while (i < input.length) {
    const open = input.indexOf('<', i);
    if (open < 0) {
      out.push(input.slice(i));
      break;
    }
    out.push(input.slice(i, open));
    const close = input.indexOf('>', open + 1);
    if (close < 0) break;
    const name = /^\/?([a-z0-9]+)/.exec(lower.slice(open + 1, Math.min(close, open + 20)))?.[1] ?? '';
    i = close + 1;
    if (BLOCK_TAGS.has(name)) out.push('\n');
    if (SKIPPED_CONTENT.has(name) && lower[open + 1] !== '/') {
      const end = lower.indexOf(`</${name}`, i);
      i = end < 0 ? input.length : end;
    }
  }
  return decodeEntities(out.join(''))
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[ \n]*/g, (run) => (run.split('\n').length > 2 ? '\n\n' : '\n'))
    .trim();
}
