import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_EXTERNAL_BANNERS, loadConfig } from '../../src/config/env.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/postdesk');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the contract defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/postdesk');
    expect(config).toMatchObject({
      databaseUrl: null,
      dataDir: '/srv/postdesk/data',
      host: '127.0.0.1',
      port: 4000,
      adminToken: null,
      mailboxes: [],
      supportAddress: 'support@localhost',
      smtpUrl: null,
      smtpInboundPort: 2525,
      pollIntervalMs: 60000,
      logLevel: 'info',
      graphqlIntrospection: true,
      requireDurableDatabase: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset, as compose files export them', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(4000);
  });

  it('names the variable and what is wrong, without echoing the value', () => {
    const found = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://secret-password@x/db', LOG_LEVEL: 'loud' });
    expect(found).toContain('PORT: must be a TCP port number');
    expect(found.find((p) => p.startsWith('DATABASE_URL:'))).toBe('DATABASE_URL: must be a postgres:// URL');
    expect(found.find((p) => p.startsWith('LOG_LEVEL:'))).toMatch(/must be one of fatal, error/);
    expect(found.join('\n')).not.toContain('secret-password');
  });

  it('rejects out-of-range ports, short admin tokens and bad addresses', () => {
    expect(problems({ PORT: '70000' })).toEqual(['PORT: must be between 0 and 65535']);
    expect(problems({ ADMIN_TOKEN: 'short' })).toEqual(['ADMIN_TOKEN: must be at least 16 characters long']);
    expect(problems({ SUPPORT_ADDRESS: 'not-an-address' })[0]).toMatch(/^SUPPORT_ADDRESS: must be an email address/);
    expect(problems({ SUPPORT_ADDRESS: `${'a'.repeat(64)}@${'b'.repeat(300)}.com` })[0]).toMatch(/^SUPPORT_ADDRESS: must be at most 320 characters/);
    expect(problems({ ONCALL_ADDRESSES: 'a@example.com, nope' })).toEqual(['ONCALL_ADDRESSES: entry 2 is not an email address']);
    expect(problems({ POLL_INTERVAL_MS: '10' })).toEqual(['POLL_INTERVAL_MS: must be at least 1000']);
    expect(problems({ SEARCH_TIMEOUT_MS: '50' })).toEqual(['SEARCH_TIMEOUT_MS: must be at least 100']);
    expect(problems({ SEARCH_TIMEOUT_MS: '2.5' })).toEqual(['SEARCH_TIMEOUT_MS: must be a whole number of milliseconds']);
    expect(problems({ ONCALL_WEBHOOK_URL: 'ftp://x' })[0]).toMatch(/^ONCALL_WEBHOOK_URL: must be an http/);
    expect(problems({ SMTP_URL: 'http://x' })).toEqual(['SMTP_URL: must be an smtp:// or smtps:// URL']);
  });

  it('reads MAILBOXES as JSON or from a file, and IMAP_URL as a mailbox named default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'mailboxes.json');
    writeFileSync(file, JSON.stringify([{ name: 'emergency', url: 'imaps://u:p@mail.example.com:993', address: 'Emergency@Example.com', role: 'EMERGENCY', processedFolder: 'Done' }]));
    const config = loadConfig({ MAILBOXES: file, IMAP_URL: 'imap://u:p@127.0.0.1:1143/Support%20Desk' });
    rmSync(dir, { recursive: true, force: true });
    expect(config.mailboxes).toEqual([
      { name: 'emergency', url: 'imaps://u:p@mail.example.com:993', folder: 'INBOX', address: 'emergency@example.com', role: 'EMERGENCY', processedFolder: 'Done', quarantineFolder: null, oauth2: null, archiveBefore: null },
      { name: 'default', url: 'imap://u:p@127.0.0.1:1143/Support%20Desk', folder: 'Support Desk', address: null, role: 'SUPPORT', processedFolder: null, quarantineFolder: null, oauth2: null, archiveBefore: null },
    ]);
  });

  it('points at the broken mailbox field', () => {
    expect(problems({ MAILBOXES: '[{"name":"a","url":"http://x"}]' })).toEqual([
      'MAILBOXES[0].url: must be an imap:// or imaps:// URL such as imaps://user:pass@mail.example.com:993',
    ]);
    expect(problems({ MAILBOXES: '[{"url":"imap://h"}]' })).toEqual(['MAILBOXES[0].name: is required']);
    expect(problems({ MAILBOXES: 'no-such-file.json' })).toEqual(['MAILBOXES: must be a JSON array or the path of a JSON file (no such file)']);
    expect(problems({ MAILBOXES: '[1,' })).toEqual(['MAILBOXES: is not valid JSON']);
    expect(problems({ MAILBOXES: '[{"name":"a","url":"imap://h"},{"name":"a","url":"imap://h"}]' })).toEqual([
      'MAILBOXES: mailbox name "a" is used twice',
    ]);
    expect(problems({ MAILBOXES: '[{"name":"a","url":"imap://h","role":"SPAM"}]' })).toEqual(['MAILBOXES[0].role: must be SUPPORT, EMERGENCY or JUNK']);
    expect(loadConfig({ MAILBOXES: '[{"name":"junk","url":"imap://h","folder":"Junk","role":"JUNK"}]' }).mailboxes[0]).toMatchObject({ folder: 'Junk', role: 'JUNK' });
    const archived = (archiveBefore: string) => JSON.stringify([{ name: 'a', url: 'imap://h', archiveBefore }]);
    expect(loadConfig({ MAILBOXES: archived('2026-11-15') }).mailboxes[0]!.archiveBefore).toEqual(new Date('2026-11-15T00:00:00Z'));
    expect(loadConfig({ MAILBOXES: archived('2026-11-15T09:00:00+01:00') }).mailboxes[0]!.archiveBefore).toEqual(new Date('2026-11-15T08:00:00Z'));
    expect(loadConfig({ MAILBOXES: '[{"name":"a","url":"imap://h"}]' }).mailboxes[0]!.archiveBefore).toBeNull();
    expect(problems({ MAILBOXES: archived('15.11.2026') })).toEqual(['MAILBOXES[0].archiveBefore: must be a date such as 2026-12-01 (midnight UTC) or a date-time such as 2026-12-01T09:00:00+01:00']);
    expect(problems({ MAILBOXES: archived('2026-02-31') })).toEqual(['MAILBOXES[0].archiveBefore: must be a date such as 2026-12-01 (midnight UTC) or a date-time such as 2026-12-01T09:00:00+01:00']);
  });

  it('reads a mailbox\'s OAuth 2.0 client, and refuses one that could leak or would never be used', () => {
    const oauth2 = { tokenUrl: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token', clientId: 'app', clientSecret: 's3cret', scope: 'https://outlook.office365.com/.default' };
    const mailboxes = (url: string, settings: object) => JSON.stringify([{ name: 'o365', url, oauth2: settings }]);
    expect(loadConfig({ MAILBOXES: mailboxes('imaps://support%40example.com@outlook.office365.com', oauth2) }).mailboxes[0]!.oauth2).toEqual({ ...oauth2, refreshToken: null });
    expect(problems({ MAILBOXES: mailboxes('imaps://support%40example.com:pw@outlook.office365.com', oauth2) })).toEqual([
      'MAILBOXES[0].url: with oauth2 the url names the mailbox user and no password, e.g. imaps://support%40example.com@outlook.office365.com',
    ]);
    expect(problems({ MAILBOXES: mailboxes('imaps://outlook.office365.com', oauth2) })[0]).toMatch(/^MAILBOXES\[0\]\.url: with oauth2 the url names the mailbox user/);
    expect(problems({ MAILBOXES: mailboxes('imaps://u@h', { ...oauth2, tokenUrl: 'http://idp.example.com/token' }) })).toEqual([
      'MAILBOXES[0].oauth2.tokenUrl: must be an https:// URL (http:// only to localhost)',
    ]);
    expect(loadConfig({ MAILBOXES: mailboxes('imaps://u@h', { ...oauth2, tokenUrl: 'http://127.0.0.1:8080/token' }) }).mailboxes[0]!.oauth2?.tokenUrl).toBe('http://127.0.0.1:8080/token');
    expect(problems({ MAILBOXES: mailboxes('imaps://u@h', { ...oauth2, clientSecret: '' }) })).toEqual(['MAILBOXES[0].oauth2.clientSecret: must not be empty']);
    expect(problems({ MAILBOXES: mailboxes('imaps://u@h', { ...oauth2, secret: 'typo' }) })[0]).toMatch(/^MAILBOXES\[0\]\.oauth2/);
  });

  it('reads SMTP_OAUTH2 for SMTP_URL\'s user, and refuses it without SMTP_URL or beside a password', () => {
    const client = JSON.stringify({ tokenUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', clientId: 'app', clientSecret: 's3cret' });
    expect(loadConfig({ SMTP_URL: 'smtp://support%40example.com@smtp.office365.com:587', SMTP_OAUTH2: client }).smtpOAuth2).toMatchObject({ clientId: 'app', refreshToken: null, scope: null });
    expect(loadConfig({}).smtpOAuth2).toBeNull();
    expect(problems({ SMTP_OAUTH2: client })).toEqual(['SMTP_OAUTH2: only counts with SMTP_URL, which is not set']);
    expect(problems({ SMTP_URL: 'smtp://u:pw@smtp.office365.com:587', SMTP_OAUTH2: client })).toEqual([
      'SMTP_URL: with SMTP_OAUTH2 it names the user and no password, e.g. smtp://support%40example.com@smtp.office365.com:587',
    ]);
    expect(problems({ SMTP_URL: 'smtp://u@h', SMTP_OAUTH2: '{' })).toEqual(['SMTP_OAUTH2: is not valid JSON']);
    expect(problems({ SMTP_URL: 'smtp://u@h', SMTP_OAUTH2: '{"tokenUrl":"https://idp/t","clientId":"a"}' })).toEqual(['SMTP_OAUTH2.clientSecret: is required']);
  });

  it('turns introspection off and durability on in production', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    expect(config.graphqlIntrospection).toBe(false);
    expect(config.requireDurableDatabase).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).requireDurableDatabase).toBe(false);
  });

  it('reads REPLY_TARGETS per priority (m, h, d or off), with defaults, and names what is wrong', () => {
    expect(loadConfig({}).replyTargets).toEqual({ URGENT: 3600, HIGH: 4 * 3600, NORMAL: 86_400, LOW: 3 * 86_400 });
    expect(loadConfig({ REPLY_TARGETS: 'urgent=15m, NORMAL = 2d,LOW=off' }).replyTargets).toEqual({ URGENT: 900, HIGH: null, NORMAL: 2 * 86_400, LOW: null });
    for (const bad of ['URGENT=1w', 'URGENT=1h;HIGH=2h', 'SOON=1h', 'URGENT=1h,URGENT=2h', 'URGENT=', '=1h']) {
      expect(problems({ REPLY_TARGETS: bad }), bad).toEqual([expect.stringMatching(/^REPLY_TARGETS: /)]);
    }
  });

  it('reads BUSINESS_HOURS, BUSINESS_TIMEZONE and BUSINESS_HOLIDAYS, and names what is wrong', () => {
    expect(loadConfig({}).businessHours).toBeNull();
    const config = loadConfig({ BUSINESS_HOURS: 'Mon-Thu 08:00-12:00 13:00-17:00, fri 08:00-14:00', BUSINESS_TIMEZONE: 'Europe/Berlin', BUSINESS_HOLIDAYS: '2026-12-26, 2026-12-25' });
    expect(config.businessHours).toMatchObject({ timezone: 'Europe/Berlin', holidays: ['2026-12-25', '2026-12-26'] });
    expect(config.businessHours!.windows).toHaveLength(9);
    expect(config.businessHours!.windows.at(-1)).toEqual({ day: 5, start: 480, end: 840 });
    expect(loadConfig({ BUSINESS_HOURS: 'Sat 10:00-24:00' }).businessHours).toEqual({ timezone: 'UTC', windows: [{ day: 6, start: 600, end: 1440 }], holidays: [] });
    for (const bad of ['Mon-Fri', '09:00-17:00', 'Mon-Fri 9:00-17:00', 'Mon-Fri 17:00-09:00', 'Mon-Fri 09:00-24:30', 'Xyz 09:00-17:00', 'Mon 09:00-12:00, Mon 11:00-13:00', 'Mon-Fri 09:60-17:00']) {
      expect(problems({ BUSINESS_HOURS: bad }), bad).toEqual([expect.stringMatching(/^BUSINESS_HOURS: /)]);
    }
    expect(problems({ BUSINESS_HOURS: 'Mon 09:00-12:00, Mon 11:00-13:00' })).toEqual(['BUSINESS_HOURS: Mon has overlapping windows']);
    expect(problems({ BUSINESS_HOURS: 'Mon-Fri 09:00-17:00', BUSINESS_TIMEZONE: 'Mars/Olympus' })).toEqual([
      'BUSINESS_TIMEZONE: must be an IANA time zone such as Europe/Berlin or America/New_York',
    ]);
    expect(problems({ BUSINESS_HOURS: 'Mon-Fri 09:00-17:00', BUSINESS_HOLIDAYS: '2026-02-30' })).toEqual(['BUSINESS_HOLIDAYS: "2026-02-30" is not a date like 2026-12-25']);
    expect(problems({ BUSINESS_HOLIDAYS: '2026-12-25', BUSINESS_TIMEZONE: 'UTC' })).toEqual([
      'BUSINESS_TIMEZONE: only counts with BUSINESS_HOURS, which is not set',
      'BUSINESS_HOLIDAYS: only counts with BUSINESS_HOURS, which is not set',
    ]);
  });

  it('takes a METRICS_TOKEN of at least 32 characters', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe('m'.repeat(32));
    expect(problems({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN: must be at least 32 characters long']);
  });

  it('reminds of overdue replies unless REPLY_REMINDERS is false', () => {
    expect(loadConfig({}).outbound.replyReminders).toBe(true);
    expect(loadConfig({ REPLY_REMINDERS: 'false' }).outbound.replyReminders).toBe(false);
    expect(problems({ REPLY_REMINDERS: 'sometimes' })).toEqual(['REPLY_REMINDERS: must be true or false']);
  });

  it('signs with DKIM when a key file and a selector are given, checking the key at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postdesk-dkim-'));
    try {
      const keyFile = join(dir, 'dkim.pem');
      writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const notAKey = join(dir, 'public.txt');
      writeFileSync(notAKey, 'v=DKIM1; k=rsa; p=MIIB');
      expect(loadConfig({}).dkim).toBeNull();
      const config = loadConfig({ SUPPORT_ADDRESS: 'help@Desk.Example', DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'S2026' });
      expect([config.dkim?.domain, config.dkim?.selector, config.dkim?.privateKey.startsWith('-----BEGIN PRIVATE KEY-----')]).toEqual(['desk.example', 's2026', true]);
      expect(loadConfig({ DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'mail', DKIM_DOMAIN: 'mail.example.org' }).dkim?.domain).toBe('mail.example.org');
      expect(problems({ DKIM_SELECTOR: 'mail' })).toEqual(['DKIM_PRIVATE_KEY_FILE: is required with DKIM_SELECTOR']);
      expect(problems({ DKIM_PRIVATE_KEY_FILE: keyFile })).toEqual(['DKIM_SELECTOR: is required with DKIM_PRIVATE_KEY_FILE']);
      expect(problems({ DKIM_DOMAIN: 'example.org' })).toEqual(['DKIM_DOMAIN: only counts with DKIM_PRIVATE_KEY_FILE and DKIM_SELECTOR, which are not set']);
      expect(problems({ DKIM_PRIVATE_KEY_FILE: join(dir, 'missing.pem'), DKIM_SELECTOR: 'mail' })).toEqual([`DKIM_PRIVATE_KEY_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`]);
      expect(problems({ DKIM_PRIVATE_KEY_FILE: notAKey, DKIM_SELECTOR: 'mail' })).toEqual([`DKIM_PRIVATE_KEY_FILE: ${notAKey} holds no PEM private key`]);
      expect(problems({ DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'bad selector' })).toEqual(['DKIM_SELECTOR: must be a DNS label such as mail or s2026']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs mail of further domains with DKIM_KEYS, each key read and checked at start-up, each domain once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postdesk-dkim-'));
    try {
      const keyFile = join(dir, 'dkim.pem');
      writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const entry = (domain: string, extra: Record<string, unknown> = {}) => ({ domain, selector: 'B1', privateKeyFile: keyFile, ...extra });
      const keys = (...entries: unknown[]) => JSON.stringify(entries);
      expect(loadConfig({}).dkimKeys).toEqual([]);
      const config = loadConfig({ DKIM_KEYS: keys(entry('Brand.Example'), entry('other.example')) });
      expect(config.dkim).toBeNull(); // allowed alone: mail From any other domain goes out unsigned
      expect(config.dkimKeys.map((k) => [k.domain, k.selector, k.source])).toEqual([
        ['brand.example', 'b1', 'DKIM_KEYS[0].privateKeyFile'],
        ['other.example', 'b1', 'DKIM_KEYS[1].privateKeyFile'],
      ]);
      expect(problems({ DKIM_KEYS: '{"domain":' })).toEqual(['DKIM_KEYS: is not valid JSON']);
      expect(problems({ DKIM_KEYS: '{}' })).toEqual(['DKIM_KEYS: must be a JSON array of { domain, selector, privateKeyFile }']);
      expect(problems({ DKIM_KEYS: keys({ domain: 'brand', selector: 'b 1' }) })).toEqual([
        'DKIM_KEYS[0].domain: must be a domain name such as example.com',
        'DKIM_KEYS[0].selector: must be a DNS label such as mail or s2026',
        'DKIM_KEYS[0].privateKeyFile: is required',
      ]);
      expect(problems({ DKIM_KEYS: keys(entry('brand.example', { keyFile })) })[0]).toMatch(/^DKIM_KEYS\[0\]: .*keyFile/);
      expect(problems({ DKIM_KEYS: keys(entry('brand.example'), entry('b.example', { privateKeyFile: join(dir, 'missing.pem') })) })).toEqual([
        `DKIM_KEYS[1].privateKeyFile: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
      ]);
      expect(problems({ DKIM_KEYS: keys(entry('brand.example'), entry('BRAND.example')) })).toEqual(['DKIM_KEYS[1].domain: brand.example has a key already']);
      expect(problems({ SUPPORT_ADDRESS: 'help@desk.example', DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'mail', DKIM_KEYS: keys(entry('desk.example')) })).toEqual([
        'DKIM_KEYS[0].domain: desk.example has a key already (DKIM_DOMAIN, or the domain of SUPPORT_ADDRESS)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes REPLY_HISTORY earlier messages below an agent\'s reply, 5 unless set, 0 for none', () => {
    expect(loadConfig({}).outbound.replyHistory).toBe(5);
    expect(loadConfig({ REPLY_HISTORY: '0' }).outbound.replyHistory).toBe(0);
    expect(problems({ REPLY_HISTORY: '21' })).toEqual(['REPLY_HISTORY: must be at most 20']);
    expect(problems({ REPLY_HISTORY: 'all' })).toEqual(['REPLY_HISTORY: must be a whole number of messages']);
  });

  it('leaves the banners of EXTERNAL_BANNERS out of inbound mail, Microsoft\'s usual one unless set, none with []', () => {
    expect(loadConfig({}).externalBanners).toEqual(DEFAULT_EXTERNAL_BANNERS);
    expect(loadConfig({ EXTERNAL_BANNERS: '[]' }).externalBanners).toEqual([]);
    expect(loadConfig({ EXTERNAL_BANNERS: '["[EXTERNAL] Think before you click on links."]' }).externalBanners).toEqual(['[EXTERNAL] Think before you click on links.']);
    expect(problems({ EXTERNAL_BANNERS: 'CAUTION' })).toEqual(['EXTERNAL_BANNERS: is not valid JSON']);
    expect(problems({ EXTERNAL_BANNERS: '"CAUTION: outside"' })).toEqual(['EXTERNAL_BANNERS: must be a JSON array of banner texts, or [] for none']);
    expect(problems({ EXTERNAL_BANNERS: '["External"]' })).toEqual(['EXTERNAL_BANNERS[0]: must be at least 20 characters (a shorter one could be the first words of a real message)']);
  });

  it('knows the domain of the Message-IDs Amazon SES writes, from SMTP_URL or SES_MESSAGE_ID_DOMAIN', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://AKIA:secret@email-smtp.eu-central-1.amazonaws.com:587' }).outbound.sesMessageIdDomain).toBe('eu-central-1.amazonses.com');
    expect(loadConfig({ SMTP_URL: 'smtp://relay.example.com:587' }).outbound.sesMessageIdDomain).toBeNull();
    expect(loadConfig({ SMTP_URL: 'smtp://10.0.0.5:587', SES_MESSAGE_ID_DOMAIN: 'email.amazonses.com' }).outbound.sesMessageIdDomain).toBe('email.amazonses.com');
    expect(problems({ SES_MESSAGE_ID_DOMAIN: 'example.com' })).toEqual([
      'SES_MESSAGE_ID_DOMAIN: must be the domain of Amazon SES Message-IDs, such as eu-west-1.amazonses.com (email.amazonses.com in us-east-1)',
    ]);
  });

  it('removes the external-sender tags of SUBJECT_TAGS from subjects, none with off, and names what is wrong', () => {
    expect(loadConfig({}).subjectTags).toEqual(['[EXTERNAL]', '[EXT]', 'EXTERNAL:']);
    expect(loadConfig({ SUBJECT_TAGS: ' *EXT* , [Extern] ' }).subjectTags).toEqual(['*EXT*', '[Extern]']);
    expect(loadConfig({ SUBJECT_TAGS: 'off' }).subjectTags).toEqual([]);
    expect(problems({ SUBJECT_TAGS: '[EXTERNAL],,EXT:' })).toEqual(['SUBJECT_TAGS: must be a comma-separated list of tags such as [EXTERNAL],EXT: without empty entries, or off']);
    expect(problems({ SUBJECT_TAGS: 'x'.repeat(51) })).toEqual(['SUBJECT_TAGS: must name tags of at most 50 characters each']);
    expect(problems({ SUBJECT_TAGS: '[EXT]\u0007' })).toEqual(['SUBJECT_TAGS: must not contain control characters']);
    expect(problems({ SUBJECT_TAGS: '[#' })).toEqual(['SUBJECT_TAGS: must not name a tag with "[#", which would hide ticket numbers']);
  });

  it("makes staff mail to a customer the first customer's ticket unless STAFF_MAIL_REQUESTER says sender", () => {
    expect(loadConfig({}).staffMailRequester).toBe('to');
    expect(loadConfig({ STAFF_MAIL_REQUESTER: 'sender' }).staffMailRequester).toBe('sender');
    expect(problems({ STAFF_MAIL_REQUESTER: 'cc' })).toEqual(['STAFF_MAIL_REQUESTER: must be to or sender']);
  });

  it('reads the subject beginnings of auto-replies from AUTO_REPLY_SUBJECTS, none with off, and names what is wrong', () => {
    expect(loadConfig({}).autoReplySubjects).toEqual(expect.arrayContaining(['Automatic reply', 'Out of Office', 'Abwesenheitsnotiz', 'Réponse automatique']));
    expect(loadConfig({}).autoReplySubjects).not.toContain('Auto');
    expect(loadConfig({ AUTO_REPLY_SUBJECTS: ' Vacation notice , [Auto-Reply] ' }).autoReplySubjects).toEqual(['Vacation notice', '[Auto-Reply]']);
    expect(loadConfig({ AUTO_REPLY_SUBJECTS: 'OFF' }).autoReplySubjects).toEqual([]);
    expect(problems({ AUTO_REPLY_SUBJECTS: 'Automatic reply,' })).toEqual([
      'AUTO_REPLY_SUBJECTS: must be a comma-separated list of subject beginnings such as Automatic reply,Out of Office without empty entries, or off',
    ]);
    expect(problems({ AUTO_REPLY_SUBJECTS: 'y'.repeat(51) })).toEqual(['AUTO_REPLY_SUBJECTS: must name beginnings of at most 50 characters each']);
    expect(problems({ AUTO_REPLY_SUBJECTS: 'Auto\r\nBcc: x' })).toEqual(['AUTO_REPLY_SUBJECTS: must not contain control characters']);
  });

  it('puts a reply marker above mail unless REPLY_MARKER is off, and refuses one that could cut real replies', () => {
    expect(loadConfig({}).outbound.replyMarker).toBe('## Please type your reply above this line ##');
    expect(loadConfig({ REPLY_MARKER: '  -- Antworten Sie oberhalb dieser Zeile --  ' }).outbound.replyMarker).toBe('-- Antworten Sie oberhalb dieser Zeile --');
    expect(loadConfig({ REPLY_MARKER: 'off' }).outbound.replyMarker).toBeNull();
    expect(problems({ REPLY_MARKER: '--' })).toEqual(['REPLY_MARKER: must be at least 10 characters (a short one could equal a line of a real reply), or off']);
    expect(problems({ REPLY_MARKER: 'reply above\nthis line' })).toEqual(['REPLY_MARKER: must be one line without control characters']);
    expect(problems({ REPLY_MARKER: '#'.repeat(101) })).toEqual(['REPLY_MARKER: must be at most 100 characters']);
  });
});
