/**
 * `postdesk check` against real services: the harness's Dovecot, a real PostgreSQL and a real SMTP
 * server. Every check passes for a working configuration and changes nothing (the message stays
 * unseen, no folder is created); a wrong password, a closed port or an unreachable database each
 * give one FAIL line and exit 69, without printing a password; a bad variable exits 78 as at start.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { buildMail } from '../../harness/mail.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, BIN, startProcess } from '../../harness/processes.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';

if (DOVECOT_SKIP_REASON) console.warn(`[check-command.test] ${DOVECOT_SKIP_REASON}`);

const PASSWORD_MARK = 'Secr3t-Pass';

describe.skipIf(!dovecotAvailable())('postdesk check', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let databaseUrl: string;

  beforeAll(async () => {
    dovecot = await startDovecot([{ name: 'support', password: `${PASSWORD_MARK}-1` }]);
    await dovecot.append('support', await buildMail({ subject: 'Waiting in the inbox' }));
    sink = await startSmtpSink();
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    await sink?.stop();
    await dovecot?.stop();
  });

  async function check(env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string }> {
    assertBuilt();
    const child = startProcess(BIN, ['check'], { NODE_ENV: 'test', SUPPORT_ADDRESS: 'support@example.com', ...env });
    const code = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  }
  const mailboxes = (url: string) => JSON.stringify([{ name: 'support', url, folder: 'INBOX', processedFolder: 'Processed' }]);

  it('passes every check for a working configuration, and changes nothing', async () => {
    const result = await check({
      DATABASE_URL: databaseUrl,
      MAILBOXES: mailboxes(dovecot.imapUrl('support')),
      SMTP_URL: sink.url,
      BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
      BUSINESS_TIMEZONE: 'Europe/Berlin',
    });
    expect(result.stdout.split('\n').filter(Boolean).map((line) => line.replace(/:.*/, ''))).toEqual([
      'ok    configuration',
      'ok    reply targets',
      'ok    templates',
      'ok    database',
      'ok    mailbox support',
      'ok    smtp relay',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok {4}database: PostgreSQL \d+(\.\d+)?.*, schema up to date, (durable|NOT durable)/);
    expect(result.stdout).toMatch(/ok {4}mailbox support: INBOX: 1 message, UIDVALIDITY \d+; IDLE \(new mail within a second\); Processed will be created/);
    expect(result.stdout).toContain('(no mail sent)');
    expect(result.stdout).toContain('ok    reply targets: URGENT 1 hour, HIGH 4 hours, NORMAL 1 day, LOW 3 days; in opening time Mon-Fri 09:00-17:00 (Europe/Berlin) except URGENT\n');
    expect(sink.messages).toHaveLength(0);

    // The message is still unseen, and no folder was created.
    const imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: 'support', pass: dovecot.users[0]!.password }, logger: false });
    await imap.connect();
    const folders = (await imap.list()).map((f) => f.path);
    await imap.mailboxOpen('INBOX', { readOnly: true });
    const flags: string[][] = [];
    // (\Recent only says no session has claimed the message yet: a read-only look claims nothing.)
    for await (const message of imap.fetch('1:*', { flags: true })) flags.push([...(message.flags ?? [])].filter((f) => f !== '\\Recent'));
    await imap.logout();
    expect(folders).not.toContain('Processed');
    expect(flags).toEqual([[]]);
  });

  it('repeats what a mailbox imports as archive, and that Amazon SES\'s Message-IDs are kept', async () => {
    const archived = JSON.stringify([{ name: 'support', url: dovecot.imapUrl('support'), archiveBefore: '2026-11-15' }]);
    const result = await check({ DATABASE_URL: databaseUrl, MAILBOXES: archived, SMTP_URL: sink.url, SES_MESSAGE_ID_DOMAIN: 'eu-west-1.amazonses.com' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok {4}mailbox support: .*; mail received before 2026-11-15T00:00:00\.000Z is imported as archive \(closed, nobody mailed\)$/m);
    expect(result.stdout).toMatch(/^ok {4}smtp relay: .*\(no mail sent\); Amazon SES: the Message-IDs it writes \(…@eu-west-1\.amazonses\.com\) are kept for threading$/m);
  });

  it("names the languages TEMPLATES_DIR has templates for, and a phrase that translates nothing", async () => {
    const templates = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
    try {
      mkdirSync(join(templates, 'de'));
      writeFileSync(join(templates, 'de', 'acknowledgement.txt'), 'Subject: Danke\n\nHallo\n');
      writeFileSync(join(templates, 'de', 'phrases.json'), '{"opening-not": "Geschlossen"}');
      const result = await check({ DATABASE_URL: databaseUrl, MAILBOXES: mailboxes(dovecot.imapUrl('support')), SMTP_URL: sink.url, TEMPLATES_DIR: templates });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`ok    templates: 25 read from TEMPLATES_DIR ${templates}; languages: de; files or phrases that replace nothing: de/phrases.json: opening-not\n`);
    } finally {
      rmSync(templates, { recursive: true, force: true });
    }
  });

  it('fails the checks that cannot work, exits 69, and never prints a password', async () => {
    const wrongPassword = `imap://support:${PASSWORD_MARK}-wrong@${dovecot.host}:${dovecot.port}`;
    const closed = await freePort();
    const result = await check({
      DATABASE_URL: `postgres://postdesk:${PASSWORD_MARK}-db@127.0.0.1:${await freePort()}/postdesk`,
      MAILBOXES: mailboxes(wrongPassword),
      SMTP_URL: `smtp://relay:${PASSWORD_MARK}-smtp@127.0.0.1:${closed}`,
    });
    expect(result.code).toBe(69);
    expect(result.stdout).toMatch(/^FAIL {2}database: .+$/m);
    expect(result.stdout).toMatch(/^FAIL {2}mailbox support: .*(Authentication|authentication|credentials|AUTHENTICATIONFAILED).*$/m);
    expect(result.stdout).toMatch(/^FAIL {2}smtp relay: .*(ECONNREFUSED|refused).*$/m);
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD_MARK);
  });

  it('exits 78 naming the variable when the configuration itself is wrong', async () => {
    const result = await check({ MAILBOXES: 'not json', DATABASE_URL: databaseUrl });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('MAILBOXES');
    expect(result.stdout).toBe('');
  });
});
