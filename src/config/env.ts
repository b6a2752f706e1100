/**
 * Every environment variable postdesk reads, parsed once into a frozen Config.
 *
 * Nothing else in the code base reads `process.env`: modules get a Config passed in, so tests can
 * hand them their own. Problems are collected and reported together as `VARIABLE: what is wrong`
 * without echoing the value (values may be secrets), and start-up exits 78 (EX_CONFIG).
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { isTimeZone, parseHolidays, parseOpeningWindows, type BusinessHours, type OpeningWindow } from './business-hours.js';
import type { Priority } from '../entities/enums.js';
import type { OAuth2Settings } from '../mail/oauth2.js';
import { emailAddress } from '../people/email-address.js';
import { sesMessageIdDomain } from '../outbound/relay-message-id.js';

/** Where replies are cut (visible-text.ts): a line such as Zendesk's, and osTicket's reply separator, above every mail. */
export const DEFAULT_REPLY_MARKER = '## Please type your reply above this line ##';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** JUNK: the folder where the mail server's own spam filter files mail (classify.ts, rule 13). */
export const MAILBOX_ROLES = ['SUPPORT', 'EMERGENCY', 'JUNK'] as const;
export type MailboxRole = (typeof MAILBOX_ROLES)[number];

/** External-sender tags that Microsoft 365 and Google Workspace transport rules commonly put in front of subjects. */
export const DEFAULT_SUBJECT_TAGS = '[EXTERNAL],[EXT],EXTERNAL:';

/**
 * How out-of-office and other auto-reply programs that set none of the automatic-mail headers
 * begin their subjects ("Automatic reply: Re: [#42] …"): Outlook and Exchange in the languages they
 * ship most, Lotus Notes' "Abwesenheitsnotiz" and the English forms vacation programs use. Never a
 * word a customer starts an ordinary subject with ("Auto:" is German and Dutch for car).
 */
export const DEFAULT_AUTO_REPLY_SUBJECTS = [
  'Automatic reply',
  'Auto reply',
  'Auto-reply',
  'Autoreply',
  'Auto response',
  'Auto-response',
  'Out of Office',
  'Out of Office AutoReply',
  'Out of office reply',
  'Automatische Antwort',
  'Abwesenheitsnotiz',
  'Réponse automatique',
  'Respuesta automática',
  'Risposta automatica',
  'Resposta automática',
  'Automatisch antwoord',
  'Autosvar',
  'Automatisk svar',
  'Automaattinen vastaus',
  'Odpowiedź automatyczna',
  'Automatická odpověď',
  'Automatikus válasz',
  'Otomatik yanıt',
  'Автоматический ответ',
  '自动回复',
  '自動回覆',
  '自動応答',
  '자동 회신',
].join(',');

/**
 * The banner Microsoft 365 administrators most often put above mail from outside (the transport
 * rule of Microsoft's own guidance, copied by many universities and companies).
 */
export const DEFAULT_EXTERNAL_BANNERS = [
  'CAUTION: This email originated from outside of the organization. Do not click links or open attachments unless you recognize the sender and know the content is safe.',
];

/** What an upstream spam filter's verdict does (SPAM_HEADERS, ingest/classify/spam-verdict.ts). */
export const SPAM_HEADER_MODES = ['quarantine', 'flag', 'off'] as const;
export type SpamHeaderMode = (typeof SPAM_HEADER_MODES)[number];

export interface MailboxConfig {
  readonly name: string;
  /** imap[s]://user:pass@host:port[/folder]; contains a secret, never log it. */
  readonly url: string;
  readonly folder: string;
  readonly address: string | null;
  readonly role: MailboxRole;
  /** After the commit, move ingested messages here (else they stay, marked \Seen and $Postdesk). */
  readonly processedFolder: string | null;
  /** After the commit, move quarantined messages here (else they stay, also marked $PostdeskQuarantined). */
  readonly quarantineFolder: string | null;
  /** Sign in with an OAuth 2.0 access token from this provider instead of a password (mail/oauth2.ts); contains secrets, never log it. */
  readonly oauth2: OAuth2Settings | null;
  /**
   * Mail the server received (INTERNALDATE) before this instant is imported as archive: closed
   * tickets, no mail, no pages (ingest-message.ts); null: all mail is current.
   */
  readonly archiveBefore: Date | null;
}

/** Seconds to answer a waiting customer, by priority; null: no target for it. */
export type ReplyTargets = Readonly<Record<Priority, number | null>>;

export interface Config {
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly adminToken: string | null;
  /** A bearer token for GET /metrics alone, checked in memory: scrapes answer while PostgreSQL is down. */
  readonly metricsToken: string | null;
  readonly mailboxes: readonly MailboxConfig[];
  readonly supportAddress: string;
  readonly emergencyAddress: string | null;
  readonly oncallAddresses: readonly string[];
  readonly oncallWebhookUrl: string | null;
  readonly newTicketWebhookUrl: string | null;
  readonly smtpUrl: string | null;
  /** Sign in to SMTP_URL with an OAuth 2.0 access token (SMTP_OAUTH2); null: the URL's password, if any. Contains secrets, never log it. */
  readonly smtpOAuth2: OAuth2Settings | null;
  /** DKIM signing of what goes out over SMTP_URL (DKIM_PRIVATE_KEY_FILE, DKIM_SELECTOR, DKIM_DOMAIN); null: none. */
  readonly dkim: DkimConfig | null;
  /** Keys of further domains (DKIM_KEYS): mail From one of them, or from a subdomain, is signed with its key instead. */
  readonly dkimKeys: readonly DkimConfig[];
  readonly smtpInboundPort: number;
  readonly pollIntervalMs: number;
  /** IMAP inactivity timeout: a half-open connection is noticed and replaced after this long (F2). */
  readonly imapSocketTimeoutMs: number;
  /** For tests only (F12): false runs pollers without the mailbox advisory lock or a fencing bump. */
  readonly mailboxLease: boolean;
  /** For tests only (D3): the IMAP door waits this long right after marking messages; 0: never. */
  readonly testPauseAfterMarkMs: number;
  readonly logLevel: LogLevel;
  /** `production` hides introspection by default; `test` relaxes the durability check. */
  readonly nodeEnv: string;
  /** GraphQL introspection; on by default outside production. */
  readonly graphqlIntrospection: boolean;
  /** Root fields (each alias counts) one API token may execute per minute; 0: no limit. */
  readonly graphqlRateLimit: number;
  /** Longest a ticket search's statement may run before PostgreSQL cancels it. */
  readonly searchTimeoutMs: number;
  /** Refuse to ingest when PostgreSQL runs with fsync, synchronous_commit or full_page_writes off. */
  readonly requireDurableDatabase: boolean;
  /** HMAC key for postdesk's own Message-IDs; null: generated into $DATA_DIR/secret on first start. */
  readonly secret: string | null;
  readonly attachments: {
    readonly maxBytes: number;
    readonly maxImageBytes: number;
    readonly maxCount: number;
    readonly allowedExtensions: readonly string[];
  };
  /** Largest raw message accepted from any door (IMAP literal, SMTP SIZE, pipe). */
  readonly maxMessageBytes: number;
  /** A reply to a ticket closed longer ago than this opens a new linked ticket instead. */
  readonly reopenWindowDays: number;
  /** SPF/DKIM/DMARC/ARC of inbound mail (SENDER_AUTHENTICATION); off: no DNS lookups, no verdicts. */
  readonly senderAuthentication: boolean;
  /**
   * Mail an upstream spam filter called spam (SPAM_HEADERS): `quarantine` what would open a ticket,
   * `flag` it and open the ticket, or `off` (headers ignored). Never acknowledged unless off.
   */
  readonly spamHeaders: SpamHeaderMode;
  /**
   * SUBJECT_TAGS: tags such as "[EXTERNAL]" that the desk's own mail system puts in front of the
   * subjects of mail from outside; removed from the subjects of inbound mail (at the start and
   * between reply and forward prefixes), so tickets carry the customer's subject.
   */
  readonly subjectTags: readonly string[];
  /**
   * AUTO_REPLY_SUBJECTS: how auto-replies that set no automatic-mail header begin their subjects
   * ("Automatic reply:"); such mail answering something counts as an auto-reply (classify.ts, rule 14).
   */
  readonly autoReplySubjects: readonly string[];
  /**
   * EXTERNAL_BANNERS: warning banners the desk's own mail system writes into mail from outside
   * ("CAUTION: This email originated from outside of the organization. …"); left out of inbound
   * text and HTML (ingest/parse/banners.ts).
   */
  readonly externalBanners: readonly string[];
  /** REPLY_TO_REQUESTER: a new ticket from mail with one Reply-To address is requested by that address (web forms). */
  readonly replyToRequester: boolean;
  /**
   * STAFF_MAIL_REQUESTER: who requests a new ticket opened by a staff member's own mail to a
   * customer with support copied in: `to`, the first customer in its To (ingest/staff-mail.ts), or
   * `sender`, the staff member.
   */
  readonly staffMailRequester: 'to' | 'sender';
  /** Where a new ticket goes when no rule, queue address or keyword routes it; created at start. */
  readonly defaultQueue: string;
  /** More than this many new tickets from one sender within the window are quarantined. */
  readonly senderRateLimit: { readonly max: number; readonly windowMinutes: number };
  /** Seconds support has to answer a waiting customer, by priority (REPLY_TARGETS); null: no target. */
  readonly replyTargets: ReplyTargets;
  /** The opening times reply targets count in (BUSINESS_HOURS …); null: around the clock. URGENT always counts around the clock. */
  readonly businessHours: BusinessHours | null;
  /** Outbound mail, webhooks and scheduled automation (src/outbound, src/automation). */
  readonly outbound: OutboundConfig;
}

export interface DkimConfig {
  /** The d= domain: DKIM_DOMAIN, else SUPPORT_ADDRESS's domain (an entry's `domain` in DKIM_KEYS). */
  readonly domain: string;
  readonly selector: string;
  /** PEM, read from DKIM_PRIVATE_KEY_FILE (an entry's `privateKeyFile`): never logged. */
  readonly privateKey: string;
  /** The variable the key was read from (DKIM_PRIVATE_KEY_FILE, DKIM_KEYS[1].privateKeyFile): `postdesk check` names it when the published key differs. */
  readonly source: string;
}

export interface OutboundConfig {
  /** Where `escalateTicket` mails when the ticket's queue has no escalation address; null: nobody. */
  readonly escalationAddress: string | null;
  /** Most automatic mails to one address per hour (agent replies are not counted or limited). */
  readonly automaticMailsPerHour: number;
  /** A folder whose `<name>.subject.txt|.txt|.html` files override the built-in templates; null: none. */
  readonly templatesDir: string | null;
  /** HMAC-SHA256 key of the `X-Postdesk-Signature` webhook header; null: derived from the Message-ID secret. */
  readonly webhookSecret: string | null;
  /** Reply-To `support+N@domain` instead of the support address. */
  readonly plusAddressing: boolean;
  /** Mail about a ticket whose queue has its own address comes from that address (FROM_QUEUE_ADDRESS). */
  readonly fromQueueAddress: boolean;
  /** Seconds to wait for the SMTP server's answer (RFC 5321 allows 10 minutes for the final reply). */
  readonly smtpTimeoutSeconds: number;
  /**
   * The domain of the Message-IDs Amazon SES writes in place of ours (SES_MESSAGE_ID_DOMAIN, else
   * from SMTP_URL's host when it is an SES endpoint); null: the relay keeps our Message-IDs.
   */
  readonly sesMessageIdDomain: string | null;
  /** First retry delay; each retry doubles it (with jitter) up to retryMaxDelaySeconds. */
  readonly retryDelaySeconds: number;
  readonly retryMaxDelaySeconds: number;
  /** Attempts before a temporarily failing mail is given up as FAILED. */
  readonly retryLimit: number;
  /** Mails sent at once by one instance. */
  readonly concurrency: number;
  /** The most the files of one agent message may weigh together (mail relays refuse big mail; 25 MB is common). */
  readonly maxAttachmentBytes: number;
  /** Close tickets this many days after creation (a queue's autoCloseDays wins); 0: never. */
  readonly autoCloseDays: number;
  /** Close WAITING_FOR_CUSTOMER tickets after this many days without an answer; 0: never. */
  readonly autoCloseWaitingDays: number;
  /** pg-boss cron expression of the auto-close run. */
  readonly autoCloseCron: string;
  /** Mail staff once when a waiting customer's reply becomes overdue (REPLY_REMINDERS). */
  readonly replyReminders: boolean;
  /** The line above every mail's text where replies are cut (REPLY_MARKER); null: none. */
  readonly replyMarker: string | null;
  /** How many earlier messages of the conversation an agent's reply quotes below itself (REPLY_HISTORY); 0: none. */
  readonly replyHistory: number;
}

/** A configuration problem; `problems` are `VARIABLE: what is wrong` lines without values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const email = emailAddress('must be an email address such as support@example.com');
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });
/** A whole number of milliseconds from `min` up to `max`. */
const milliseconds = (min: number, max?: number) => {
  const atLeast = z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int({ message: 'must be a whole number of milliseconds' })
    .min(min, { message: min === 0 ? 'must not be negative' : `must be at least ${min}` });
  return max === undefined ? atLeast : atLeast.max(max, { message: `must be at most ${max}` });
};

const port = (what: string) =>
  z.coerce
    .number({ message: `must be a ${what} number` })
    .int({ message: `must be a whole ${what} number` })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const imapUrl = z
  .string()
  .refine((v) => /^imaps?:\/\/[^/\s]+/.test(v) && URL.canParse(v), {
    message: 'must be an imap:// or imaps:// URL such as imaps://user:pass@mail.example.com:993',
  });

/** A comma-separated list of short phrases matched in subjects (SUBJECT_TAGS, AUTO_REPLY_SUBJECTS), or `off`. */
const subjectPhrases = (example: string, noun: string) =>
  z
    .string()
    .refine((v) => v.split(',').every((phrase) => phrase.trim() !== ''), { message: `must be a comma-separated list of ${example} without empty entries, or off` })
    .refine((v) => v.split(',').every((phrase) => phrase.trim().length <= 50), { message: `must name ${noun}s of at most 50 characters each` })
    .refine((v) => !/\p{Cc}/u.test(v), { message: 'must not contain control characters' })
    .refine((v) => !v.includes('[#'), { message: `must not name a ${noun} with "[#", which would hide ticket numbers` });
const phraseList = (value: string): readonly string[] => Object.freeze(value.trim().toLowerCase() === 'off' ? [] : value.split(',').map((phrase) => phrase.trim()));

/** A string `parse` accepts; otherwise the problem it returns in words is the variable's error. */
const parsedBy = (parse: (value: string) => unknown) =>
  z.string().superRefine((value, ctx) => {
    const parsed = parse(value);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

/** `URGENT=1h,HIGH=4h,…`: priorities not named have no target. */
const REPLY_TARGETS_PATTERN = /^\s*(URGENT|HIGH|NORMAL|LOW)\s*=\s*(\d{1,6}[mhd]|off)\s*(,\s*(URGENT|HIGH|NORMAL|LOW)\s*=\s*(\d{1,6}[mhd]|off)\s*)*$/i;
const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

const dkimSelector = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))*$/i, { message: 'must be a DNS label such as mail or s2026' });
const domainName = z.string().regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+[a-z]{2,63}$/i, { message: 'must be a domain name such as example.com' });

/** One entry of DKIM_KEYS. */
const dkimKeySchema = z.strictObject({
  domain: domainName,
  selector: dkimSelector,
  privateKeyFile: z.string().min(1, { message: 'must name a file' }),
});

/** An OAuth 2.0 client (mail/oauth2.ts), in a mailbox of MAILBOXES or in SMTP_OAUTH2. */
const oauth2Schema = z.strictObject({
  /** https, or http to this machine only (a token endpoint must not be read in clear over a network). */
  tokenUrl: z.string().refine(isTokenUrl, { message: 'must be an https:// URL (http:// only to localhost)' }),
  clientId: z.string().min(1, { message: 'must not be empty' }),
  clientSecret: z.string().min(1, { message: 'must not be empty' }),
  refreshToken: z.string().min(1, { message: 'must not be empty' }).optional(),
  scope: z.string().min(1, { message: 'must not be empty' }).optional(),
});

const oauth2Settings = (o: z.infer<typeof oauth2Schema>): OAuth2Settings => Object.freeze({ ...o, refreshToken: o.refreshToken ?? null, scope: o.scope ?? null });

/** With OAuth 2.0 the URL names the user and no password: the token signs in, and a password beside it would be a second secret nobody uses. */
const namesUserOnly = (url: string): boolean => URL.canParse(url) && new URL(url).username !== '' && new URL(url).password === '';

const mailboxSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 letters, digits, dot, dash or underscore' }),
  url: imapUrl,
  folder: z.string().min(1).default('INBOX'),
  address: email.optional(),
  role: z.enum(MAILBOX_ROLES, { message: 'must be SUPPORT, EMERGENCY or JUNK' }).default('SUPPORT'),
  processedFolder: z.string().min(1, { message: 'must not be empty' }).optional(),
  quarantineFolder: z.string().min(1, { message: 'must not be empty' }).optional(),
  oauth2: oauth2Schema.optional(),
  archiveBefore: z.string().refine(isInstant, { message: 'must be a date such as 2026-12-01 (midnight UTC) or a date-time such as 2026-12-01T09:00:00+01:00' }).optional(),
})
  .refine((m) => !m.oauth2 || !URL.canParse(m.url) || namesUserOnly(m.url), {
    message: 'with oauth2 the url names the mailbox user and no password, e.g. imaps://support%40example.com@outlook.office365.com',
    path: ['url'],
  });

/** "2026-12-01" or "2026-12-01T09:00[:00](Z|±hh:mm)", a day that exists (Date.parse takes 31 February as 3 March). */
function isInstant(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))) return false;
  const day = value.slice(0, 10);
  return new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
}

function isTokenUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

/** The raw variables: each with its default and meaning (README's configuration table mirrors this). */
const envSchema = z.object({
  /** postgres://… ; unset: embedded PostgreSQL under $DATA_DIR/postgres. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v) && URL.canParse(v), { message: 'must be a postgres:// URL' })
    .optional(),
  /** Embedded database, outbox capture, admin token file. */
  DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port('TCP port').default(4000),
  /** When set, an ADMIN token with exactly this value is valid. */
  ADMIN_TOKEN: z.string().min(16, { message: 'must be at least 16 characters long' }).optional(),
  /** When set, this bearer token reads GET /metrics (and nothing else) without the database. */
  METRICS_TOKEN: z.string().min(32, { message: 'must be at least 32 characters long' }).optional(),
  /** JSON array of mailboxes, or a path to a JSON file holding one. */
  MAILBOXES: z.string().min(1).optional(),
  /** Shortcut for one SUPPORT mailbox named `default`. */
  IMAP_URL: imapUrl.optional(),
  SUPPORT_ADDRESS: email.default('support@localhost'),
  EMERGENCY_ADDRESS: email.optional(),
  /** Comma-separated addresses paged on every emergency. */
  ONCALL_ADDRESSES: z.string().optional(),
  ONCALL_WEBHOOK_URL: httpUrl.optional(),
  NEW_TICKET_WEBHOOK_URL: httpUrl.optional(),
  /** smtp[s]://user:pass@host:port ; unset: outbound mail captured as .eml under $DATA_DIR/outbox. */
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  /** JSON: an OAuth 2.0 client SMTP_URL's user signs in with (mail/oauth2.ts). */
  SMTP_OAUTH2: z.string().optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().optional(),
  DKIM_SELECTOR: dkimSelector.optional(),
  DKIM_DOMAIN: domainName.optional(),
  /** JSON array of { domain, selector, privateKeyFile }: keys of further domains (brands). */
  DKIM_KEYS: z.string().optional(),
  /** Local SMTP listener feeding the ingest pipeline; 0 disables it. */
  SMTP_INBOUND_PORT: port('TCP port').default(2525),
  /** Fallback polling when the IMAP server lacks IDLE. */
  POLL_INTERVAL_MS: milliseconds(1000).default(60000),
  /** IMAP inactivity timeout, well below imapflow's 5 minutes; tests shorten it. */
  IMAP_SOCKET_TIMEOUT_MS: milliseconds(1000, 300000).default(60000),
  /** For tests only: `off` disables the one-poller-per-mailbox lease to prove the unique keys alone hold (F12). */
  MAILBOX_LEASE: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  /** For tests only: the IMAP door pauses this long right after each mark, so a test can kill it there (D3). */
  POSTDESK_TEST_PAUSE_AFTER_MARK_MS: milliseconds(0, 600000).default(0),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NODE_ENV: z.string().default('development'),
  GRAPHQL_INTROSPECTION: bool.optional(),
  /** Root fields (aliases count one by one) per API token per minute; 0 turns the limit off. */
  GRAPHQL_RATE_LIMIT: z.coerce.number({ message: 'must be a whole number of root fields per minute' }).int({ message: 'must be a whole number of root fields per minute' }).min(0, { message: 'must not be negative' }).default(600),
  /** A search over every message can be slow (RELEVANCE order for a word in nearly every message); it must not hold a connection for minutes. */
  SEARCH_TIMEOUT_MS: milliseconds(100, 600000).default(10000),
  REQUIRE_DURABLE_DATABASE: bool.optional(),
  /** HMAC key for our Message-IDs; set it (the same on every instance) when running several. */
  POSTDESK_SECRET: z.string().min(32, { message: 'must be at least 32 characters long' }).optional(),
  ATTACHMENT_MAX_MB: z.coerce.number({ message: 'must be a number of megabytes' }).positive({ message: 'must be positive' }).default(20),
  ATTACHMENT_MAX_IMAGE_MB: z.coerce.number({ message: 'must be a number of megabytes' }).positive({ message: 'must be positive' }).default(10),
  ATTACHMENT_MAX_COUNT: z.coerce.number({ message: 'must be a whole number' }).int({ message: 'must be a whole number' }).min(0, { message: 'must not be negative' }).default(10),
  ATTACHMENT_TYPES: z
    .string()
    .regex(/^\s*[a-z0-9]+(\s*,\s*[a-z0-9]+)*\s*$/i, { message: 'must be a comma-separated list of file extensions such as pdf,png,txt' })
    .default('jpg,jpeg,png,gif,pdf,docx,doc,txt,xlsx,xls,csv,zip,rar'),
  MAX_MESSAGE_MB: z.coerce.number({ message: 'must be a number of megabytes' }).positive({ message: 'must be positive' }).max(1024, { message: 'must be at most 1024' }).default(64),
  DEFAULT_QUEUE: z.string().trim().min(1, { message: 'must not be blank' }).max(100, { message: 'must be at most 100 characters' }).default('General'),
  REOPEN_WINDOW_DAYS: z.coerce.number({ message: 'must be a number of days' }).int({ message: 'must be a whole number of days' }).min(0, { message: 'must not be negative' }).default(30),
  SENDER_AUTHENTICATION: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  SPAM_HEADERS: z.enum(SPAM_HEADER_MODES, { message: `must be one of ${SPAM_HEADER_MODES.join(', ')}` }).default('quarantine'),
  REPLY_TO_REQUESTER: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  STAFF_MAIL_REQUESTER: z.enum(['to', 'sender'], { message: 'must be to or sender' }).default('to'),
  /** Warning banners the desk's own mail system writes into mail from outside: a JSON array of texts (parseBanners). */
  EXTERNAL_BANNERS: z.string().optional(),
  /** Tags a mail system in front of postdesk writes into subjects (mail/headers.ts withoutSubjectTags); `off`: none. */
  SUBJECT_TAGS: subjectPhrases('tags such as [EXTERNAL],EXT:', 'tag').default(DEFAULT_SUBJECT_TAGS),
  /** How auto-replies without automatic-mail headers begin their subjects (ingest/classify/auto-reply-subject.ts); `off`: none. */
  AUTO_REPLY_SUBJECTS: subjectPhrases('subject beginnings such as Automatic reply,Out of Office', 'beginning').default(DEFAULT_AUTO_REPLY_SUBJECTS),
  SENDER_RATE_LIMIT: z
    .string()
    .regex(/^\d+\/\d+m$/, { message: 'must look like 20/10m (tickets per minutes)' })
    .default('20/10m'),
  REPLY_TARGETS: z
    .string()
    .regex(REPLY_TARGETS_PATTERN, { message: 'must look like URGENT=1h,HIGH=4h,NORMAL=1d,LOW=3d (each priority at most once; minutes m, hours h, days d, or off)' })
    .refine((v) => new Set(v.split(',').map((p) => p.split('=')[0]!.trim().toUpperCase())).size === v.split(',').length, { message: 'names a priority twice' })
    .default('URGENT=1h,HIGH=4h,NORMAL=1d,LOW=3d'),
  REPLY_REMINDERS: bool.optional(),
  /** Weekly opening times reply targets count in (config/business-hours.ts); unset: around the clock. */
  BUSINESS_HOURS: parsedBy(parseOpeningWindows).optional(),
  BUSINESS_TIMEZONE: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin or America/New_York' }).optional(),
  BUSINESS_HOLIDAYS: parsedBy(parseHolidays).optional(),
  ESCALATION_ADDRESS: email.optional(),
  AUTOMATIC_MAIL_LIMIT: z.coerce.number({ message: 'must be a whole number of mails per hour' }).int({ message: 'must be a whole number of mails per hour' }).min(1, { message: 'must be at least 1' }).default(10),
  TEMPLATES_DIR: z.string().min(1).optional(),
  REPLY_MARKER: z
    .string()
    .max(100, { message: 'must be at most 100 characters' })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: 'must be one line without control characters' })
    .refine((v) => v === 'off' || v.trim().length >= 10, { message: 'must be at least 10 characters (a short one could equal a line of a real reply), or off' })
    .default(DEFAULT_REPLY_MARKER),
  REPLY_HISTORY: z.coerce.number({ message: 'must be a whole number of messages' }).int({ message: 'must be a whole number of messages' }).min(0, { message: 'must not be negative' }).max(20, { message: 'must be at most 20' }).default(5),
  WEBHOOK_SECRET: z.string().min(16, { message: 'must be at least 16 characters long' }).optional(),
  REPLY_TO_PLUS_ADDRESSING: bool.optional(),
  FROM_QUEUE_ADDRESS: bool.optional(),
  /** Amazon SES behind SMTP_URL: the domain of the Message-IDs it writes (outbound/relay-message-id.ts); derived from an SES endpoint's name. */
  SES_MESSAGE_ID_DOMAIN: z
    .string()
    .regex(/^(?:email|[a-z]{2}(?:-[a-z]+)+-\d)\.amazonses\.com$/, { message: 'must be the domain of Amazon SES Message-IDs, such as eu-west-1.amazonses.com (email.amazonses.com in us-east-1)' })
    .optional(),
  SMTP_TIMEOUT_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int({ message: 'must be a whole number of seconds' }).min(1, { message: 'must be at least 1' }).max(3600, { message: 'must be at most 3600' }).default(600),
  OUTBOUND_RETRY_DELAY_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int({ message: 'must be a whole number of seconds' }).min(1, { message: 'must be at least 1' }).default(10),
  OUTBOUND_RETRY_MAX_DELAY_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int({ message: 'must be a whole number of seconds' }).min(1, { message: 'must be at least 1' }).default(900),
  OUTBOUND_RETRY_LIMIT: z.coerce.number({ message: 'must be a whole number' }).int({ message: 'must be a whole number' }).min(0, { message: 'must not be negative' }).max(1000, { message: 'must be at most 1000' }).default(40),
  OUTBOUND_MAX_ATTACHMENTS_MB: z.coerce.number({ message: 'must be a number of megabytes' }).positive({ message: 'must be positive' }).max(1024, { message: 'must be at most 1024' }).default(25),
  OUTBOUND_CONCURRENCY: z.coerce.number({ message: 'must be a whole number' }).int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(100, { message: 'must be at most 100' }).default(10),
  AUTO_CLOSE_DAYS: z.coerce.number({ message: 'must be a number of days' }).int({ message: 'must be a whole number of days' }).min(0, { message: 'must not be negative' }).default(7),
  AUTO_CLOSE_WAITING_DAYS: z.coerce.number({ message: 'must be a number of days' }).int({ message: 'must be a whole number of days' }).min(0, { message: 'must not be negative' }).default(0),
  AUTO_CLOSE_CRON: z.string().regex(/^\S+( \S+){4,5}$/, { message: 'must be a cron expression such as */10 * * * *' }).default('*/10 * * * *'),
});

/** Turns a zod issue path into the variable name, e.g. ['MAILBOXES', 0, 'url'] -> MAILBOXES[0].url */
function variableName(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/**
 * @param given the object that was validated, to tell a missing value ("is required") from a bad one
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], given: unknown, prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((issue) => {
    const name = variableName([...prefix, ...issue.path]);
    let value: unknown = given;
    for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
    const message = issue.code === 'invalid_type' && value === undefined ? 'is required' : issue.message;
    return `${name}: ${message}`;
  });
}

/** A variable holding JSON, read by `schema`; null (with the problems named after the variable and path) when it is not. */
function parseJson<T>(variable: string, text: string, schema: z.ZodType<T>, problems: string[]): T | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push(`${variable}: is not valid JSON`);
    return null;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, json, [variable]));
  return parsed.success ? parsed.data : null;
}

function parseMailboxes(raw: string | undefined, imapUrlValue: string | undefined, problems: string[]): MailboxConfig[] {
  const mailboxes: MailboxConfig[] = [];
  if (raw !== undefined) {
    let text = raw.trim();
    if (!text.startsWith('[')) {
      if (!existsSync(text)) {
        problems.push('MAILBOXES: must be a JSON array or the path of a JSON file (no such file)');
        return mailboxes;
      }
      text = readFileSync(text, 'utf8');
    }
    const parsed = parseJson('MAILBOXES', text, z.array(mailboxSchema, { message: 'must be a JSON array of mailboxes' }), problems);
    for (const m of parsed ?? []) {
      mailboxes.push({
        name: m.name,
        url: m.url,
        folder: m.folder,
        address: m.address?.toLowerCase() ?? null,
        role: m.role,
        processedFolder: m.processedFolder ?? null,
        quarantineFolder: m.quarantineFolder ?? null,
        oauth2: m.oauth2 ? oauth2Settings(m.oauth2) : null,
        archiveBefore: m.archiveBefore === undefined ? null : new Date(m.archiveBefore),
      });
    }
  }
  if (imapUrlValue !== undefined) {
    const path = decodeURIComponent(new URL(imapUrlValue).pathname.replace(/^\/+/, ''));
    mailboxes.push({ name: 'default', url: imapUrlValue, folder: path || 'INBOX', address: null, role: 'SUPPORT', processedFolder: null, quarantineFolder: null, oauth2: null, archiveBefore: null });
  }
  const seen = new Set<string>();
  for (const m of mailboxes) {
    if (seen.has(m.name)) problems.push(`MAILBOXES: mailbox name "${m.name}" is used twice`);
    seen.add(m.name);
  }
  return mailboxes;
}

/** SMTP_OAUTH2: JSON like a mailbox's `oauth2`; SMTP_URL must name the user, without a password. */
function parseSmtpOAuth2(raw: string | undefined, smtpUrl: string | undefined, problems: string[]): OAuth2Settings | null {
  if (raw === undefined) return null;
  const parsed = parseJson('SMTP_OAUTH2', raw, oauth2Schema, problems);
  if (!parsed) return null;
  if (smtpUrl === undefined) problems.push('SMTP_OAUTH2: only counts with SMTP_URL, which is not set');
  else if (!namesUserOnly(smtpUrl)) problems.push('SMTP_URL: with SMTP_OAUTH2 it names the user and no password, e.g. smtp://support%40example.com@smtp.office365.com:587');
  return oauth2Settings(parsed);
}

function parseAddressList(raw: string | undefined, variable: string, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const list = raw.split(',').map((a) => a.trim()).filter(Boolean);
  list.forEach((address, i) => {
    if (!email.safeParse(address).success) problems.push(`${variable}: entry ${i + 1} is not an email address`);
  });
  return list.map((a) => a.toLowerCase());
}

/** The key and selector go together; the key file must hold a private key (checked now, not at the first mail). */
function parseDkim(e: { DKIM_PRIVATE_KEY_FILE?: string; DKIM_SELECTOR?: string; DKIM_DOMAIN?: string; SUPPORT_ADDRESS: string }, problems: string[]): DkimConfig | null {
  const problem = (message: string): null => {
    problems.push(message);
    return null;
  };
  const file = e.DKIM_PRIVATE_KEY_FILE;
  const selector = e.DKIM_SELECTOR;
  if (file === undefined && selector === undefined) {
    return e.DKIM_DOMAIN === undefined ? null : problem('DKIM_DOMAIN: only counts with DKIM_PRIVATE_KEY_FILE and DKIM_SELECTOR, which are not set');
  }
  if (file === undefined) return problem('DKIM_PRIVATE_KEY_FILE: is required with DKIM_SELECTOR');
  if (selector === undefined) return problem('DKIM_SELECTOR: is required with DKIM_PRIVATE_KEY_FILE');
  const domain = e.DKIM_DOMAIN ?? e.SUPPORT_ADDRESS.slice(e.SUPPORT_ADDRESS.lastIndexOf('@') + 1);
  return dkimKey('DKIM_PRIVATE_KEY_FILE', { domain, selector, privateKeyFile: file }, problems);
}

/** DKIM_KEYS: each domain once, and none that DKIM_DOMAIN (or the support address's domain) signs already. */
function parseDkimKeys(raw: string | undefined, main: DkimConfig | null, problems: string[]): DkimConfig[] {
  if (raw === undefined) return [];
  const parsed = parseJson('DKIM_KEYS', raw, z.array(dkimKeySchema, { message: 'must be a JSON array of { domain, selector, privateKeyFile }' }), problems);
  const keys: DkimConfig[] = [];
  const seen = new Set(main ? [main.domain] : []);
  (parsed ?? []).forEach((entry, i) => {
    const key = dkimKey(`DKIM_KEYS[${i}].privateKeyFile`, entry, problems);
    if (!key) return;
    if (seen.has(key.domain)) problems.push(`DKIM_KEYS[${i}].domain: ${key.domain} has a key already${main?.domain === key.domain ? ' (DKIM_DOMAIN, or the domain of SUPPORT_ADDRESS)' : ''}`);
    seen.add(key.domain);
    keys.push(key);
  });
  return keys;
}

/** EXTERNAL_BANNERS, else the default banner; `[]` for none. */
function parseBanners(raw: string | undefined, problems: string[]): readonly string[] {
  if (raw === undefined) return DEFAULT_EXTERNAL_BANNERS;
  const banner = z
    .string()
    .refine((text) => text.trim().length >= 20, { message: 'must be at least 20 characters (a shorter one could be the first words of a real message)' })
    .max(1000, { message: 'must be at most 1000 characters' });
  const banners = z.array(banner, { message: 'must be a JSON array of banner texts, or [] for none' }).max(20, { message: 'must name at most 20 banners' });
  return parseJson('EXTERNAL_BANNERS', raw, banners, problems) ?? [];
}

/** Reads and checks one private key; `variable` names where the file came from in a problem. */
function dkimKey(variable: string, entry: z.infer<typeof dkimKeySchema>, problems: string[]): DkimConfig | null {
  const file = entry.privateKeyFile;
  let privateKey: string;
  try {
    privateKey = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return null;
  }
  try {
    createPrivateKey(privateKey);
  } catch {
    problems.push(`${variable}: ${file} holds no PEM private key`);
    return null;
  }
  return Object.freeze({ domain: entry.domain.toLowerCase(), selector: entry.selector.toLowerCase(), privateKey, source: variable });
}

const MB = 1024 * 1024;

function parseReplyTargets(value: string): ReplyTargets {
  const targets: Record<Priority, number | null> = { URGENT: null, HIGH: null, NORMAL: null, LOW: null };
  for (const part of value.split(',')) {
    const [name, amount] = part.split('=').map((x) => x.trim().toLowerCase());
    const seconds = amount === 'off' ? null : Number(amount!.slice(0, -1)) * UNIT_SECONDS[amount!.slice(-1)]!;
    targets[name!.toUpperCase() as Priority] = seconds;
  }
  return targets;
}

function parseRate(value: string): { max: number; windowMinutes: number } {
  const [max, minutes] = value.replace('m', '').split('/').map(Number);
  return { max: max ?? 20, windowMinutes: minutes ?? 10 };
}

/**
 * Parses and validates the environment.
 * @param env usually `process.env`; tests pass their own.
 * @param cwd directory that a relative DATA_DIR is resolved against.
 * @throws ConfigError listing every problem found.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings count as unset: compose files and shells often export `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues, present));
  const e = parsed.data;
  const problems: string[] = [];
  const mailboxes = parseMailboxes(e.MAILBOXES, e.IMAP_URL, problems);
  const oncallAddresses = parseAddressList(e.ONCALL_ADDRESSES, 'ONCALL_ADDRESSES', problems);
  for (const variable of ['BUSINESS_TIMEZONE', 'BUSINESS_HOLIDAYS'] as const) {
    if (e[variable] !== undefined && e.BUSINESS_HOURS === undefined) problems.push(`${variable}: only counts with BUSINESS_HOURS, which is not set`);
  }
  const dkim = parseDkim(e, problems);
  const dkimKeys = parseDkimKeys(e.DKIM_KEYS, dkim, problems);
  const smtpOAuth2 = parseSmtpOAuth2(e.SMTP_OAUTH2, e.SMTP_URL, problems);
  const externalBanners = parseBanners(e.EXTERNAL_BANNERS, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const production = e.NODE_ENV === 'production';
  return Object.freeze({
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR),
    host: e.HOST,
    port: e.PORT,
    adminToken: e.ADMIN_TOKEN ?? null,
    metricsToken: e.METRICS_TOKEN ?? null,
    mailboxes: Object.freeze(mailboxes),
    supportAddress: e.SUPPORT_ADDRESS.toLowerCase(),
    emergencyAddress: e.EMERGENCY_ADDRESS?.toLowerCase() ?? null,
    oncallAddresses: Object.freeze(oncallAddresses),
    oncallWebhookUrl: e.ONCALL_WEBHOOK_URL ?? null,
    newTicketWebhookUrl: e.NEW_TICKET_WEBHOOK_URL ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    smtpOAuth2,
    dkim,
    dkimKeys: Object.freeze(dkimKeys),
    smtpInboundPort: e.SMTP_INBOUND_PORT,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    imapSocketTimeoutMs: e.IMAP_SOCKET_TIMEOUT_MS,
    mailboxLease: e.MAILBOX_LEASE === 'on',
    testPauseAfterMarkMs: e.POSTDESK_TEST_PAUSE_AFTER_MARK_MS,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    graphqlIntrospection: e.GRAPHQL_INTROSPECTION ?? !production,
    graphqlRateLimit: e.GRAPHQL_RATE_LIMIT,
    searchTimeoutMs: e.SEARCH_TIMEOUT_MS,
    requireDurableDatabase: e.REQUIRE_DURABLE_DATABASE ?? e.NODE_ENV !== 'test',
    secret: e.POSTDESK_SECRET ?? null,
    attachments: Object.freeze({
      maxBytes: Math.round(e.ATTACHMENT_MAX_MB * MB),
      maxImageBytes: Math.round(e.ATTACHMENT_MAX_IMAGE_MB * MB),
      maxCount: e.ATTACHMENT_MAX_COUNT,
      allowedExtensions: Object.freeze(e.ATTACHMENT_TYPES.split(',').map((x) => x.trim().toLowerCase())),
    }),
    maxMessageBytes: Math.round(e.MAX_MESSAGE_MB * MB),
    reopenWindowDays: e.REOPEN_WINDOW_DAYS,
    senderAuthentication: e.SENDER_AUTHENTICATION === 'on',
    spamHeaders: e.SPAM_HEADERS,
    replyToRequester: e.REPLY_TO_REQUESTER === 'on',
    staffMailRequester: e.STAFF_MAIL_REQUESTER,
    externalBanners: Object.freeze(externalBanners),
    subjectTags: phraseList(e.SUBJECT_TAGS),
    autoReplySubjects: phraseList(e.AUTO_REPLY_SUBJECTS),
    defaultQueue: e.DEFAULT_QUEUE,
    senderRateLimit: Object.freeze(parseRate(e.SENDER_RATE_LIMIT)),
    replyTargets: Object.freeze(parseReplyTargets(e.REPLY_TARGETS)),
    businessHours:
      e.BUSINESS_HOURS === undefined
        ? null
        : Object.freeze({
            timezone: e.BUSINESS_TIMEZONE ?? 'UTC',
            windows: parseOpeningWindows(e.BUSINESS_HOURS) as readonly OpeningWindow[],
            holidays: e.BUSINESS_HOLIDAYS === undefined ? [] : (parseHolidays(e.BUSINESS_HOLIDAYS) as readonly string[]),
          }),
    outbound: Object.freeze({
      escalationAddress: e.ESCALATION_ADDRESS?.toLowerCase() ?? null,
      automaticMailsPerHour: e.AUTOMATIC_MAIL_LIMIT,
      templatesDir: e.TEMPLATES_DIR === undefined ? null : isAbsolute(e.TEMPLATES_DIR) ? e.TEMPLATES_DIR : resolve(cwd, e.TEMPLATES_DIR),
      webhookSecret: e.WEBHOOK_SECRET ?? null,
      plusAddressing: e.REPLY_TO_PLUS_ADDRESSING ?? false,
      fromQueueAddress: e.FROM_QUEUE_ADDRESS ?? false,
      smtpTimeoutSeconds: e.SMTP_TIMEOUT_SECONDS,
      sesMessageIdDomain: e.SES_MESSAGE_ID_DOMAIN ?? (e.SMTP_URL && URL.canParse(e.SMTP_URL) ? sesMessageIdDomain(new URL(e.SMTP_URL).hostname) : null),
      retryDelaySeconds: e.OUTBOUND_RETRY_DELAY_SECONDS,
      retryMaxDelaySeconds: e.OUTBOUND_RETRY_MAX_DELAY_SECONDS,
      retryLimit: e.OUTBOUND_RETRY_LIMIT,
      concurrency: e.OUTBOUND_CONCURRENCY,
      maxAttachmentBytes: Math.round(e.OUTBOUND_MAX_ATTACHMENTS_MB * MB),
      autoCloseDays: e.AUTO_CLOSE_DAYS,
      autoCloseWaitingDays: e.AUTO_CLOSE_WAITING_DAYS,
      autoCloseCron: e.AUTO_CLOSE_CRON,
      replyReminders: e.REPLY_REMINDERS ?? true,
      replyMarker: e.REPLY_MARKER === 'off' ? null : e.REPLY_MARKER.trim(),
      replyHistory: e.REPLY_HISTORY,
    }),
  });
}
