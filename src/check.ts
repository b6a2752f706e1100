/**
 * `postdesk check`: before the first start (or after changing the configuration), whether this
 * configuration can work — without changing anything. It reads the configuration (errors name the
 * variable, as at start), reads the mail templates, connects to PostgreSQL (version, migrations
 * pending, durability), logs in to every IMAP mailbox and opens its folder read-only (messages,
 * UIDVALIDITY, IDLE, the processed and quarantine folders), asks the SMTP relay to accept the
 * login (no mail is sent), and with DKIM signing looks up each published key (and, with
 * FROM_QUEUE_ADDRESS, whether every queue address is signed by its own domain). One line per check
 * on stdout; exit 0 when every check passed.
 *
 * Nothing is created, migrated, marked or sent; each check gives up after CHECK_TIMEOUT_MS, so a
 * firewall that drops packets makes a failed line, not a hanging command. Passwords never appear.
 */
import { createPublicKey } from 'node:crypto';
import { resolveTxt } from 'node:dns/promises';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { Config, DkimConfig, MailboxConfig } from './config/env.js';
import { checkDurability } from './db/durability.js';
import { openOrm } from './db/orm.js';
import { imapAuth, imapOptions } from './ingest/doors/imap-poller.js';
import { redactUrlSecrets, type Logger } from './log.js';
import { checkTemplates, TEMPLATE_NAMES } from './outbound/templates.js';
import { signingKeys, unalignedQueues } from './outbound/dkim.js';
import { smtpOAuth2Auth } from './outbound/transport.js';
import { describeReplyTargets } from './tickets/reply-targets.js';
import { withTimeout } from './with-timeout.js';

export const CHECK_TIMEOUT_MS = 15_000;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The first line of an error, passwords in URLs masked. */
function reason(error: unknown): string {
  const e = error as { message?: string; responseText?: string; code?: string };
  const text = e.responseText ?? e.message ?? String(error);
  return redactUrlSecrets(`${text.split('\n')[0]}${e.code && !text.includes(e.code) ? ` (${e.code})` : ''}`);
}

async function check(name: string, timeoutMs: number, work: () => Promise<string>): Promise<CheckResult> {
  try {
    return { name, ok: true, detail: await withTimeout(work(), timeoutMs, () => new Error(`no answer within ${timeoutMs / 1000} s`)) };
  } catch (error) {
    return { name, ok: false, detail: reason(error) };
  }
}

function templates(config: Config): CheckResult {
  try {
    const { unknownFiles, languages } = checkTemplates(config.outbound.templatesDir);
    const where = config.outbound.templatesDir ? `TEMPLATES_DIR ${config.outbound.templatesDir}` : 'the built-in ones';
    const translated = languages.length > 0 ? `; languages: ${languages.join(', ')}` : '';
    const unknown = unknownFiles.length > 0 ? `; files or phrases that replace nothing: ${unknownFiles.join(', ')}` : '';
    return { name: 'templates', ok: true, detail: `${TEMPLATE_NAMES.length} read from ${where}${translated}${unknown}` };
  } catch (error) {
    return { name: 'templates', ok: false, detail: reason(error) };
  }
}

async function database(config: Config, timeoutMs: number): Promise<CheckResult> {
  if (!config.databaseUrl) {
    return { name: 'database', ok: true, detail: `embedded PostgreSQL in ${config.dataDir} (DATABASE_URL unset): started by the gateway, not checked here` };
  }
  return check('database', timeoutMs, async () => {
    const orm = await openOrm(config.databaseUrl!);
    try {
      const em = orm.em.fork();
      const [{ version }] = (await em.execute<{ version: string }[]>(`select current_setting('server_version') as version`)) as [{ version: string }];
      const pending = (await orm.migrator.getPending()).length;
      const durability = await checkDurability(em);
      if (durability && config.requireDurableDatabase) throw new Error(durability);
      const migrations = pending === 0 ? 'schema up to date' : `${plural(pending, 'migration')} to apply at the next start`;
      return `PostgreSQL ${version}, ${migrations}, ${durability ? 'NOT durable (allowed: REQUIRE_DURABLE_DATABASE=false)' : 'durable'}`;
    } finally {
      await orm.close();
    }
  });
}

async function mailbox(mailbox: MailboxConfig, log: Logger, timeoutMs: number): Promise<CheckResult> {
  let imap: ImapFlow | null = null;
  try {
    return await check(`mailbox ${mailbox.name}`, timeoutMs, async () => {
      // With OAuth 2.0 this asks the provider for a token first: a refused client fails here, named.
      imap = new ImapFlow({ ...imapOptions(mailbox, log, await imapAuth(mailbox)), connectionTimeout: timeoutMs, greetingTimeout: timeoutMs });
      imap.on('error', () => undefined); // reported through the failed command below
      await imap.connect();
      const folders = new Set((await imap.list()).map((f) => f.path));
      const opened = await imap.mailboxOpen(mailbox.folder, { readOnly: true });
      const extra = [mailbox.processedFolder, mailbox.quarantineFolder]
        .filter((f): f is string => !!f)
        .map((f) => `${f} ${folders.has(f) ? 'exists' : 'will be created'}`);
      const idle = imap.capabilities.has('IDLE') ? 'IDLE (new mail within a second)' : `no IDLE: polled every POLL_INTERVAL_MS`;
      const archive = mailbox.archiveBefore ? [`mail received before ${mailbox.archiveBefore.toISOString()} is imported as archive (closed, nobody mailed)`] : [];
      return [`${mailbox.folder}: ${plural(opened.exists, 'message')}, UIDVALIDITY ${String(opened.uidValidity)}`, idle, ...extra, ...archive].join('; ');
    });
  } finally {
    const opened = imap as ImapFlow | null;
    await opened?.logout().catch(() => opened.close());
  }
}

async function smtpRelay(config: Config, timeoutMs: number): Promise<CheckResult> {
  if (!config.smtpUrl) return { name: 'smtp relay', ok: true, detail: `SMTP_URL unset: mail is written to ${config.dataDir}/outbox as .eml files` };
  const auth = smtpOAuth2Auth(config); // with SMTP_OAUTH2, the login is the token's
  const transporter = nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, logger: false, ...(auth && { auth }) } as never);
  try {
    return await check('smtp relay', timeoutMs, async () => {
      await transporter.verify();
      const login = auth ? ' and accepted the OAuth 2.0 login' : new URL(config.smtpUrl!).username ? ' and accepted the login' : '';
      const ses = config.outbound.sesMessageIdDomain ? `; Amazon SES: the Message-IDs it writes (…@${config.outbound.sesMessageIdDomain}) are kept for threading` : '';
      return `${redactUrlSecrets(config.smtpUrl!)} answered${login} (no mail sent)${ses}`;
    });
  } finally {
    transporter.close();
  }
}

/** TXT records as `dns.promises.resolveTxt` gives them: each a list of chunks. */
export type TxtResolver = (name: string) => Promise<string[][]>;

/**
 * For each signing key (DKIM_*, DKIM_KEYS): the key published at `<selector>._domainkey.<domain>`
 * is its public half. A mismatch (a rotated key not yet published, a typo in the selector) fails
 * every receiver's check while mail still goes out, so it is worth a FAIL line here.
 */
export function dkimKeys(config: Config, resolveTxt: TxtResolver, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult>[] {
  return signingKeys(config).map((key) => dkimKey(key, resolveTxt, timeoutMs));
}

function dkimKey({ domain, selector, privateKey, source }: DkimConfig, resolveTxt: TxtResolver, timeoutMs: number): Promise<CheckResult> {
  const name = `${selector}._domainkey.${domain}`;
  return check('dkim', timeoutMs, async () => {
    const records = (await resolveTxt(name)).map((chunks) => chunks.join(''));
    const published = records.map((record) => /(?:^|;)\s*p=([^;]*)/.exec(record)?.[1]?.replace(/\s+/g, '')).find((key) => !!key);
    if (!published) throw new Error(`no DKIM key is published at ${name}`);
    const ours = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    if (published !== ours) throw new Error(`the key published at ${name} is not the public half of ${source}`);
    return `signing as ${name}, whose published key matches`;
  });
}

/**
 * With FROM_QUEUE_ADDRESS and DKIM signing: mail From every queue's own address is signed by a key
 * of its domain (DKIM_KEYS), or DMARC cannot pass on DKIM for it and it lands in spam. Null when
 * that does not apply, or the database is the embedded one (not started here).
 */
async function dkimAlignment(config: Config, timeoutMs: number): Promise<CheckResult | null> {
  if (!config.outbound.fromQueueAddress || signingKeys(config).length === 0 || !config.databaseUrl) return null;
  return check('dkim alignment', timeoutMs, async () => {
    const orm = await openOrm(config.databaseUrl!);
    try {
      const rows = await orm.em.fork().execute<{ name: string; email_address: string }[]>(`select name, email_address from queue where email_address is not null order by name`);
      const unaligned = unalignedQueues(config, rows.map((r) => ({ name: r.name, emailAddress: r.email_address })));
      if (unaligned.length > 0) throw new Error(`${unaligned.join('; ')}: DMARC does not align with that unless the relay signs for the domain; give its key in DKIM_KEYS`);
      return `mail From ${plural(rows.length, 'queue address', 'queue addresses')} is signed by a key of its own domain`;
    } finally {
      await orm.close();
    }
  });
}

/** Every check, in order; mailboxes, the relay and the DKIM keys at once (each bounded by `timeoutMs`). */
export async function runChecks(config: Config, log: Logger, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  const summary = `${plural(config.mailboxes.length, 'mailbox', 'mailboxes')}, support address ${config.supportAddress}${config.emergencyAddress ? `, emergency address ${config.emergencyAddress}` : ''}`;
  const results: CheckResult[] = [
    { name: 'configuration', ok: true, detail: summary },
    { name: 'reply targets', ok: true, detail: describeReplyTargets(config) },
    templates(config),
    await database(config, timeoutMs),
  ];
  const remote = await Promise.all([...config.mailboxes.map((m) => mailbox(m, log, timeoutMs)), smtpRelay(config, timeoutMs), ...dkimKeys(config, resolveTxt, timeoutMs), dkimAlignment(config, timeoutMs)]);
  results.push(...remote.filter((r): r is CheckResult => r !== null));
  return results;
}

/** `ok    name: detail` / `FAIL  name: detail`, one line each. */
export function formatResults(results: readonly CheckResult[]): string {
  return results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.detail}`).join('\n') + '\n';
}
