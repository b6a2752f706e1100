/**
 * Mail in the customer's language: a language's templates in TEMPLATES_DIR/<language>/ with its
 * own phrases.json; the language learned from the customer's own mail (Content-Language, as
 * Outlook and Thunderbird send it), set by an agent (setRequesterLanguage), else the queue's
 * (updateQueue language). Dates and postdesk's own sentences (attachment refusals among them)
 * follow the template's language.
 * Real gateway and GraphQL, real ingest on real PostgreSQL, the mail read from the outbox.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Door } from '../../../src/entities/enums.js';
import { ingestMessage } from '../../../src/ingest/ingest-message.js';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { eventsOf, outboxOf } from '../ingest/stored-raw.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SATURDAY_NOON = new Date('2026-12-05T11:00:00Z'); // closed: Mon-Fri 09:00-17:00 in Berlin
const ENV = { SUPPORT_ADDRESS: 'support@example.com', BUSINESS_HOURS: 'Mon-Fri 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin', SENDER_AUTHENTICATION: 'off' };
const GERMAN_OUTLOOK = { 'Content-Language': 'de-DE', 'Accept-Language': 'de-DE, en-US' };

let templates: string;
let gw: TestApp;
let h: IngestHarness;
let agent: string;

const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);
const LANGUAGE = `query($n: Int!) { ticket(number: $n) { language } }`;

/** Ingests a customer's mail arriving on Saturday noon; returns its ticket's number. */
async function newTicket(mail: TestMail): Promise<number> {
  const raw = await buildMail({ subject: 'Drucker', text: 'Der Drucker druckt nicht.', ...mail });
  const outcome = await ingestMessage(h.orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, { ...h.context, now: () => SATURDAY_NOON });
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  return outcome.ticketNumber;
}

/** The ticket's mails of one kind, parsed, oldest first. */
async function mailsOf(number: number, kind: string): Promise<ParsedMail[]> {
  return Promise.all((await outboxOf(gw.databaseUrl, number)).filter((row) => row.kind === kind).map((row) => simpleParser(row.raw)));
}

async function personLanguage(email: string): Promise<string | null> {
  const [row] = await queryDatabase<{ language: string | null }>(gw.databaseUrl, `select language from person where email = $1`, [email]);
  return row!.language;
}

function write(file: string, content: string): void {
  mkdirSync(join(templates, file, '..'), { recursive: true });
  writeFileSync(join(templates, file), content);
}

beforeAll(async () => {
  templates = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
  write('de/acknowledgement.txt', 'Subject: Re: {{ticket.tagged}} (erhalten)\n\nHallo {{recipient.greeting}},\n\n{{ticket.openingNote}}wir haben Ihre Anfrage #{{ticket.number}} erhalten.\n');
  write('de/acknowledgement.html', '<p>Hallo {{recipient.greeting}},</p><p>wir haben Ihre Anfrage #{{ticket.number}} erhalten.</p>');
  write('de/public-reply.txt', 'Subject: Re: {{ticket.tagged}}\n\n{{message.text}}\n\n{{signature}}\n{{history}}');
  write(
    'de/phrases.json',
    JSON.stringify({
      'opening-note': 'Unser Support ist gerade geschlossen; wir sind ab {{opens}} ({{zone}}) wieder da.',
      'history-header': 'Am {{when}} ({{zone}}) schrieb {{who}}:',
      'refused-type': 'Dateien vom Typ .{{ext}} nehmen wir nicht an',
    }),
  );
  write('de/attachments-refused.txt', 'Subject: Re: {{ticket.tagged}} (Anhänge abgelehnt)\n\nDiese Anhänge haben wir nicht gespeichert:\n{{refused}}\n');
  write('fr/acknowledgement.txt', 'Subject: Re: {{ticket.tagged}} (reçu)\n\nBonjour {{recipient.greeting}},\n\n{{ticket.openingNote}}nous avons bien reçu votre demande.\n');
  gw = await startTestApp({ ...ENV, TEMPLATES_DIR: templates });
  h = await createIngestHarness({ ...ENV, TEMPLATES_DIR: templates }, gw.databaseUrl);
  agent = await agentOfQueue(gw, 'alice@example.com');
  await ok(gw.adminToken, `mutation { createQueue(input: { name: "Facturation", emailAddress: "factures@example.com" }) { userErrors { message } } }`);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await gw?.stop();
  rmSync(templates, { recursive: true, force: true });
});

describe('mail in the language its reader writes in', () => {
  it("acknowledges a customer whose mail says German in German, dates and opening note included; nobody else's mail changes", async () => {
    const german = await newTicket({ from: 'Greta Maier <greta@kunde.test>', headers: GERMAN_OUTLOOK });
    const [ack] = await mailsOf(german, 'acknowledgement');
    expect(ack!.subject).toBe(`Re: [#${german}] Drucker (erhalten)`);
    expect(ack!.text).toContain(`Hallo Greta Maier,\n\nUnser Support ist gerade geschlossen; wir sind ab Montag, 7. Dezember um 09:00 (Europe/Berlin) wieder da.\n\nwir haben Ihre Anfrage #${german} erhalten.`);
    // Its HTML part from the same folder; every value still escaped.
    expect(ack!.html).toContain('<p>Hallo Greta Maier,</p>');
    expect(await personLanguage('greta@kunde.test')).toBe('de-DE');
    expect((await ok(agent, LANGUAGE, { n: german })).ticket.language).toBe('de-DE');

    // A mail that names no language, and one in a language without templates: the default, in English throughout.
    for (const [from, headers] of [
      ['ann@customer.test', {}],
      ['sven@kund.test', { 'Content-Language': 'sv-SE' }],
    ] as const) {
      const number = await newTicket({ from, subject: 'Printer', headers });
      const [mail] = await mailsOf(number, 'acknowledgement');
      expect(mail!.subject).toBe(`Re: [#${number}] Printer`);
      expect(mail!.text).toContain('it opens again on Monday 7 December at 09:00 (Europe/Berlin)');
    }
    expect(await personLanguage('ann@customer.test')).toBeNull();
    expect(await personLanguage('sven@kund.test')).toBe('sv-SE');

    // Automatic mail speaks for no one: it teaches no language.
    await newTicket({ from: 'alerts@monitor.test', subject: 'Disk full', headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': 'fr' } });
    expect(await personLanguage('alerts@monitor.test')).toBeNull();
    // A language once known stays, whatever the next mail's client says (staff may change it).
    await newTicket({ from: 'greta@kunde.test', subject: 'Scanner', headers: { 'Content-Language': 'en-US' } });
    expect(await personLanguage('greta@kunde.test')).toBe('de-DE');
  });

  it("tells a German customer in German why an attachment was refused; the ticket's history keeps the reason in the default wording", async () => {
    const number = await newTicket({
      from: 'greta@kunde.test',
      subject: 'Werkzeug',
      attachments: [{ filename: 'tool.exe', content: Buffer.from('MZ\x90\x00binary'), contentType: 'application/octet-stream' }],
    });
    const [notice] = await mailsOf(number, 'attachments-refused');
    expect(notice!.subject).toBe(`Re: [#${number}] Werkzeug (Anhänge abgelehnt)`);
    expect(notice!.text).toContain('Diese Anhänge haben wir nicht gespeichert:\n- tool.exe: Dateien vom Typ .exe nehmen wir nicht an');
    expect(await eventsOf(gw.databaseUrl, number, 'attachments-refused')).toMatchObject([
      { detail: { refused: [{ filename: 'tool.exe', contentType: 'application/octet-stream', reason: 'type .exe is not allowed' }] } },
    ]);
    const [event] = await eventsOf(gw.databaseUrl, number, 'attachments-refused');
    expect(Object.keys((event!.detail as { refused: object[] }).refused[0]!).sort()).toEqual(['contentType', 'filename', 'reason', 'size']);
  });

  it("writes in the queue's language to whoever's own is unknown; a customer's own language comes first", async () => {
    const refused = await ok(gw.adminToken, `mutation { updateQueue(name: "Facturation", input: { language: "français" }) { userErrors { field message } } }`);
    expect(refused.updateQueue.userErrors).toEqual([{ field: ['input', 'language'], message: 'must be a language tag such as de, fr or pt-BR' }]);
    const set = await ok(gw.adminToken, `mutation { updateQueue(name: "Facturation", input: { language: "FR" }) { queue { language } userErrors { message } } }`);
    expect(set.updateQueue).toEqual({ queue: { language: 'fr' }, userErrors: [] });

    const french = await newTicket({ from: 'paul@client.test', to: 'factures@example.com', subject: 'Facture 42' });
    expect((await mailsOf(french, 'acknowledgement'))[0]!.subject).toBe(`Re: [#${french}] Facture 42 (reçu)`);
    expect(await personLanguage('paul@client.test')).toBeNull(); // the queue's, not learned
    const german = await newTicket({ from: 'greta@kunde.test', to: 'factures@example.com', subject: 'Rechnung 43' });
    expect((await mailsOf(german, 'acknowledgement'))[0]!.subject).toBe(`Re: [#${german}] Rechnung 43 (erhalten)`);

    await ok(gw.adminToken, `mutation { updateQueue(name: "Facturation", input: { language: "" }) { userErrors { message } } }`);
    const english = await newTicket({ from: 'paul@client.test', to: 'factures@example.com', subject: 'Invoice 44' });
    expect((await mailsOf(english, 'acknowledgement'))[0]!.subject).toBe(`Re: [#${english}] Invoice 44`);
  });

  it('takes the language when the queue is created, and refuses a tag that names none', async () => {
    const create = `mutation($i: CreateQueueInput!) { createQueue(input: $i) { queue { name language } userErrors { field message } } }`;
    expect((await ok(gw.adminToken, create, { i: { name: 'Wien', language: 'DE-at' } })).createQueue).toEqual({ queue: { name: 'Wien', language: 'de-AT' }, userErrors: [] });
    expect((await ok(gw.adminToken, create, { i: { name: 'Nowhere', language: 'klingon' } })).createQueue).toEqual({
      queue: null,
      userErrors: [{ field: ['language'], message: 'must be a language tag such as de, fr or pt-BR' }],
    });
  });

  it("lets an agent set the requester's language: the agent's reply and its quoted history are then in it", async () => {
    const number = await newTicket({ from: 'Tom Weber <tom@kunde.test>', subject: 'Zugang', text: 'Ich komme nicht rein.' });
    expect((await ok(agent, LANGUAGE, { n: number })).ticket.language).toBeNull();
    const SET = `mutation($n: Int!, $l: String) { setRequesterLanguage(number: $n, language: $l) { ticket { language } userErrors { field message } } }`;
    expect((await ok(agent, SET, { n: number, l: 'deutsch!' })).setRequesterLanguage.userErrors).toEqual([{ field: ['language'], message: 'must be a language tag such as de, fr or pt-BR' }]);
    expect((await ok(agent, SET, { n: number, l: 'de' })).setRequesterLanguage).toEqual({ ticket: { language: 'de' }, userErrors: [] });
    expect(await eventsOf(gw.databaseUrl, number, 'requester-language')).toMatchObject([{ to_value: 'de' }]);

    await ok(agent, `mutation($n: Int!) { replyToTicket(number: $n, body: "Bitte setzen Sie Ihr Passwort zurück.") { userErrors { message } } }`, { n: number });
    const [reply] = await mailsOf(number, 'reply');
    expect(reply!.text).toContain('Bitte setzen Sie Ihr Passwort zurück.');
    expect(reply!.text).toMatch(/Am Samstag, 5\. Dezember um 12:00 \(Europe\/Berlin\) schrieb Tom Weber <tom@kunde\.test>:\n> Ich komme nicht rein\./);
    // A German reply has no English HTML part beside it: de/ has no public-reply.html.
    expect(reply!.html).toBe(false);

    expect((await ok(agent, SET, { n: number, l: '' })).setRequesterLanguage.ticket.language).toBeNull();
    expect(await personLanguage('tom@kunde.test')).toBeNull();
  });
});
