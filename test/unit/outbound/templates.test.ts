import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TicketStatus } from '../../../src/entities/enums.js';
import { statusTemplate } from '../../../src/outbound/notify.js';
import { classifySmtpError } from '../../../src/outbound/transport.js';
import { checkTemplates, clearTemplateCache, fill, loadTemplate, parseTextTemplate, renderTemplate, TEMPLATE_NAMES } from '../../../src/outbound/templates.js';

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
      expect(checkTemplates(null)).toEqual({ unknownFiles: [] });
      expect(checkTemplates(dir)).toEqual({ unknownFiles: [] });
      writeFileSync(join(dir, 'acknowledgment.txt'), 'Subject: Thanks\n\nHello\n'); // misspelt: replaces nothing
      writeFileSync(join(dir, 'notes.md'), 'not a template');
      expect(checkTemplates(dir)).toEqual({ unknownFiles: ['acknowledgment.txt'] });

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
