import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TicketStatus } from '../../../src/entities/enums.js';
import { statusTemplate } from '../../../src/outbound/notify.js';
import { classifySmtpError } from '../../../src/outbound/transport.js';
import { checkTemplates, clearTemplateCache, fill, loadTemplate, parseTextTemplate, renderTemplate, TEMPLATE_NAMES } from '../../../src/outbound/templates.js';
import { wordingFor } from '../../../src/outbound/wording.js';

afterEach(() => clearTemplateCache());

describe('templates', () => {
  it('every default template exists and has a subject', () => {
    for (const name of TEMPLATE_NAMES) {
      const t = loadTemplate(name, null);
      expect(t.subject.length, name).toBeGreaterThan(0);
      expect(t.text.length, name).toBeGreaterThan(0);
    }
  });

  it('every kind of mail has both a text and an HTML version, with the same placeholders', () => {
    const placeholders = (source: string) => new Set([...source.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]));
    for (const name of TEMPLATE_NAMES) {
      const t = loadTemplate(name, null);
      expect(t.html, `${name}.html`).not.toBeNull();
      expect(t.html!.trim().length, `${name}.html`).toBeGreaterThan(0);
      // The HTML says what the text says: every variable the text body shows, the HTML shows too.
      expect(placeholders(t.html!), name).toEqual(placeholders(t.text));
    }
  });

  it('fills variables, escapes HTML, never reaches outside the variables', () => {
    const vars = { ticket: { number: 5, subject: '<b>x</b>' }, recipient: { name: 'A' } };
    expect(fill('#{{ ticket.number }} {{ticket.subject}}', vars)).toBe('#5 <b>x</b>');
    const r = renderTemplate({ subject: 'S {{ticket.subject}}\r\nBcc: x', text: 't', html: '<p>{{ticket.subject}}</p>' }, vars);
    expect(r.html).toBe('<p>&lt;b&gt;x&lt;/b&gt;</p>');
    expect(r.subject).toBe('S <b>x</b> Bcc: x');
    expect(fill('{{ticket.constructor}}{{ticket.toString}}{{missing.value}}{{ticket}}', vars)).toBe('');
    // Not a placeholder at all (names start with a letter): left as written.
    expect(fill('{{ticket.__proto__}}', vars)).toBe('{{ticket.__proto__}}');
  });

  it("drops the HTML paragraphs empty values leave, and the trailing line breaks values carry for the text part's layout", () => {
    const ack = loadTemplate('acknowledgement', null);
    const vars = (queueNote: string) => ({ ticket: { number: 7, tag: '[#7]', subject: 'Jam', openingNote: '', queueNote, fieldsRequest: '' }, message: { text: 'It jams.\n\n' }, support: { name: 'Support' } });
    const plain = renderTemplate(ack, vars('')).html!;
    expect(plain).not.toMatch(/<p[^>]*><\/p>/);
    expect(plain).toContain('<p>Subject: Jam</p>\n<blockquote');
    expect(plain).toContain('>It jams.\n\n</blockquote>'); // only paragraphs are touched: the customer's text stays as written
    const noted = renderTemplate(ack, vars('Send the serial number.\n\n')).html!;
    expect(noted).toContain('<p style="white-space:pre-wrap">Send the serial number.</p>\n<p>Subject: Jam</p>');
    expect(noted.match(/<p[^>]*>/g)).toHaveLength(plain.match(/<p[^>]*>/g)!.length + 1);
  });

  it('a folder in TEMPLATES_DIR overrides one template and keeps the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
    try {
      writeFileSync(join(dir, 'acknowledgement.txt'), 'Subject: Danke {{ticket.tag}}\n\nHallo {{recipient.greeting}}\n');
      expect(loadTemplate('acknowledgement', dir).subject).toBe('Danke {{ticket.tag}}');
      expect(loadTemplate('acknowledgement', dir).html).toContain('we have received'); // default HTML kept
      expect(loadTemplate('status-closed', dir).subject).toContain('closed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a template without a Subject line is refused with the file named', () => {
    expect(() => parseTextTemplate('Hello', '/x/a.txt')).toThrow('/x/a.txt: the first line must be "Subject: …"');
  });

  it('checkTemplates stops start-up over a broken TEMPLATES_DIR, naming the variable and the file, and lists files that replace nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
    try {
      expect(checkTemplates(null)).toEqual({ unknownFiles: [], languages: [] });
      expect(checkTemplates(dir)).toEqual({ unknownFiles: [], languages: [] });
      writeFileSync(join(dir, 'acknowledgment.txt'), 'Subject: Thanks\n\nHello\n'); // misspelt: replaces nothing
      writeFileSync(join(dir, 'notes.md'), 'not a template');
      expect(checkTemplates(dir)).toEqual({ unknownFiles: ['acknowledgment.txt'], languages: [] });

      writeFileSync(join(dir, 'status-waiting.txt'), 'We need more information.\n');
      clearTemplateCache();
      expect(() => checkTemplates(dir)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `TEMPLATES_DIR: ${join(dir, 'status-waiting.txt')}: the first line must be "Subject: …"` }));
      expect(() => checkTemplates(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: `TEMPLATES_DIR: ${join(dir, 'missing')} is not a folder` }));
      expect(() => checkTemplates(join(dir, 'notes.md'))).toThrow('is not a folder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('templates in the recipient\'s language', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, content: string) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  };

  it('takes a language folder\'s template, most specific first, its HTML only from the same folder, else the desk\'s own', () => {
    write('acknowledgement.txt', 'Subject: Thanks\n\nThe desk\'s own\n');
    write('de/acknowledgement.txt', 'Subject: Danke\n\nHallo {{recipient.greeting}}\n');
    write('pt/status-closed.txt', 'Subject: Fechado\n\nFechado\n');
    write('pt/status-closed.html', '<p>Fechado</p>');
    write('pt-BR/status-closed.txt', 'Subject: Fechado (Brasil)\n\nFechado\n');
    expect(loadTemplate('acknowledgement', dir, 'de-AT')).toEqual({ subject: 'Danke', text: 'Hallo {{recipient.greeting}}\n', html: null });
    expect(loadTemplate('acknowledgement', dir, 'fr').subject).toBe('Thanks');
    expect(loadTemplate('acknowledgement', dir, null).subject).toBe('Thanks');
    expect(loadTemplate('status-closed', dir, 'pt-BR')).toMatchObject({ subject: 'Fechado (Brasil)', html: null });
    expect(loadTemplate('status-closed', dir, 'pt-PT')).toMatchObject({ subject: 'Fechado', html: '<p>Fechado</p>' });
    // A template the language folder does not translate: the desk's (or the built-in) one, whole.
    expect(loadTemplate('status-waiting', dir, 'de')).toEqual(loadTemplate('status-waiting', null));
    expect(checkTemplates(dir)).toEqual({ unknownFiles: [], languages: ['de', 'pt', 'pt-BR'] });
  });

  it('words dates, durations and postdesk\'s own sentences in a language the desk has templates for, and only then', () => {
    write('de/acknowledgement.txt', 'Subject: Danke\n\nHallo\n');
    write('de/phrases.json', JSON.stringify({ 'opening-note': 'Wir sind gerade nicht da; ab {{opens}} ({{zone}}) wieder.' }));
    const monday = new Date('2026-12-07T08:00:00Z');
    const friday = new Date('2026-12-04T18:00:00Z');
    const german = wordingFor('de-DE', dir);
    expect(german.language).toBe('de-DE');
    expect(german.phrase('opening-note', { opens: german.instant(monday, 'Europe/Berlin', friday), zone: 'Europe/Berlin' })).toBe(
      'Wir sind gerade nicht da; ab Montag, 7. Dezember um 09:00 (Europe/Berlin) wieder.',
    );
    expect(german.duration(4 * 3600)).toBe('4 Stunden');
    // Not translated in de/phrases.json: the default sentence.
    expect(german.phrase('tell-us-more')).toBe('Please tell us more about your request.');
    // No templates for French: English throughout, never a French date in an English sentence.
    const french = wordingFor('fr', dir);
    expect(french.language).toBeNull();
    expect(french.instant(monday, 'Europe/Berlin', friday)).toBe('Monday 7 December at 09:00');
    expect(french.duration(86_400)).toBe('1 day');
    expect(wordingFor(null, null).phrase('history-header', { when: 'then', zone: 'UTC', who: 'Ann' })).toBe('On then (UTC), Ann wrote:');
  });

  it('refuses a folder named after no language, a broken phrases.json and a lone HTML template at start-up, naming the file; warns of unknown phrases', () => {
    write('de/phrases.json', JSON.stringify({ 'opening-not': 'Geschlossen' }));
    expect(checkTemplates(dir)).toEqual({ unknownFiles: ['de/phrases.json: opening-not'], languages: ['de'] });
    write('de/phrases.json', '{"opening-note": 3}');
    clearTemplateCache();
    expect(() => checkTemplates(dir)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`${join(dir, 'de', 'phrases.json')}: "opening-note"`) }));
    write('de/phrases.json', '{"opening-note": "a\\nb"}');
    expect(() => checkTemplates(dir)).toThrow('must be one line without control characters');
    write('de/phrases.json', '{');
    expect(() => checkTemplates(dir)).toThrow(`${join(dir, 'de', 'phrases.json')}: not JSON`);
    rmSync(join(dir, 'de'), { recursive: true });
    write('fr/status-closed.html', '<p>Fermé</p>');
    clearTemplateCache();
    expect(() => checkTemplates(dir)).toThrow(`TEMPLATES_DIR: ${join(dir, 'fr', 'status-closed.html')}: a language's HTML template needs its .txt beside it`);
    rmSync(join(dir, 'fr'), { recursive: true });
    write('backup/acknowledgement.txt', 'Subject: x\n\ny\n');
    clearTemplateCache();
    expect(() => checkTemplates(dir)).toThrow(`TEMPLATES_DIR: ${join(dir, 'backup')}: a folder in TEMPLATES_DIR holds one language's templates and is named after it (de, pt-BR)`);
  });
});

describe('which status changes mail the requester', () => {
  it('maps transitions to templates', () => {
    expect(statusTemplate(TicketStatus.OPEN, TicketStatus.IN_PROGRESS)).toBe('status-in-progress');
    expect(statusTemplate(TicketStatus.IN_PROGRESS, TicketStatus.WAITING_FOR_CUSTOMER)).toBe('status-waiting');
    expect(statusTemplate(TicketStatus.OPEN, TicketStatus.CLOSED)).toBe('status-closed');
    expect(statusTemplate(TicketStatus.CLOSED, TicketStatus.OPEN)).toBe('status-reopened');
    expect(statusTemplate(TicketStatus.PENDING_APPROVAL, TicketStatus.OPEN)).toBe('status-approved');
    expect(statusTemplate(TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.OPEN)).toBeNull();
    expect(statusTemplate(TicketStatus.OPEN, TicketStatus.OPEN)).toBeNull();
  });
});

describe('SMTP error classification', () => {
  it('5xx is permanent, 4xx and connection errors are temporary', () => {
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 550, code: 'EENVELOPE', rejected: ['a@b'] }))).toMatchObject({ permanent: true, rejectedRecipients: ['a@b'] });
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 554, code: 'EMESSAGE' }))).toMatchObject({ permanent: true, rejectedRecipients: [] });
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 451 })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('auth'), { responseCode: 535, code: 'EAUTH' })).permanent).toBe(false);
  });
});
