/**
 * Where frozen mail bytes go: nodemailer's pooled SMTP transport over SMTP_URL, or, with SMTP_URL
 * unset, one complete `.eml` file per mail under `$DATA_DIR/outbox/` (written to a temp name and
 * renamed, so a reader never sees half a file).
 *
 * Every failure is classified once, here: 5xx replies are permanent (never retried); 4xx replies,
 * refused connections, timeouts and disconnects are temporary (retried with backoff).
 */
import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { Config } from '../config/env.js';
import { accessTokens } from '../mail/oauth2.js';
import { signingKey, signingKeys } from './dkim.js';
import { relayMessageId } from './relay-message-id.js';

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

export interface SendResult {
  /** Recipients refused permanently while others were accepted (5xx on RCPT). */
  readonly rejected: string[];
  readonly response: string;
  /** The Message-ID the relay put on the mail in place of ours (Amazon SES, relay-message-id.ts); null when it kept ours. */
  readonly relayMessageId: string | null;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** Recipients the failure is about (a 5xx on RCPT for every recipient); empty when it is about the message. */
    readonly rejectedRecipients: string[] = [],
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface MailTransport {
  readonly kind: 'smtp' | 'eml';
  /**
   * `raw` as a stream when it is large (read from PostgreSQL in slices); `fromAddress`, its From
   * header's address, picks the DKIM key (null for mail queued before it was recorded).
   */
  send(raw: Buffer | Readable, envelope: Envelope, fileName: string, fromAddress: string | null): Promise<SendResult>;
  close(): void;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
}

/** Temporary unless the server answered with a 5xx (authentication problems stay temporary: an admin fixes them). */
export function classifySmtpError(error: unknown): DeliveryError {
  const e = error as NodemailerError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const permanent = code !== null && code >= 500 && code < 600 && e.code !== 'EAUTH';
  const text = `${code ?? e.code ?? 'error'}: ${(e.response ?? e.message ?? String(error)).slice(0, 500)}`;
  return new DeliveryError(text, permanent, permanent && e.code === 'EENVELOPE' ? (e.rejected ?? []) : []);
}

/** A mail larger than this waits on disk (under $DATA_DIR/dkim-cache), not in memory, while its DKIM signature is computed. */
const DKIM_MEMORY_BYTES = 1024 * 1024;
const DKIM_CACHE_DIR = 'dkim-cache';

/**
 * How SMTP_URL's user signs in with SMTP_OAUTH2: nodemailer asks for a token per connection (and
 * once more, renewing, when the server refused one); mail/oauth2.ts keeps it until shortly before
 * it expires. Undefined: the URL's own credentials, if any.
 */
export function smtpOAuth2Auth(config: Config): SMTPPool.Options['auth'] {
  const settings = config.smtpOAuth2;
  if (!settings || !config.smtpUrl) return undefined;
  const tokens = accessTokens(settings);
  return {
    type: 'OAuth2',
    user: decodeURIComponent(new URL(config.smtpUrl).username),
    provisionCallback: (_user: string, renew: boolean, callback: (error: Error | null, token?: string, expires?: number) => void) => {
      tokens.get(renew).then((token) => callback(null, token, tokens.renewAt), callback);
    },
  } as SMTPPool.Options['auth'];
}

export function createMailTransport(config: Config): MailTransport {
  if (!config.smtpUrl) return emlTransport(join(config.dataDir, 'outbox'));
  const timeout = config.outbound.smtpTimeoutSeconds * 1000;
  const options: SMTPPool.Options & { url: string } = {
    url: config.smtpUrl,
    pool: true,
    maxConnections: Math.max(1, Math.min(config.outbound.concurrency, 20)),
    maxMessages: 1000,
    connectionTimeout: Math.min(timeout, 60_000),
    greetingTimeout: Math.min(timeout, 60_000),
    // Inactivity while waiting for any reply, including the final one after DATA (RFC 5321 §4.5.3.2.6: 10 minutes).
    socketTimeout: timeout,
    logger: false,
    ...(config.smtpOAuth2 && { auth: smtpOAuth2Auth(config) }),
  };
  const cacheDir = join(config.dataDir, DKIM_CACHE_DIR);
  if (signingKeys(config).length > 0) mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const transporter = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    async send(raw, envelope, _fileName, fromAddress) {
      // Signed as it leaves (DKIM_*, DKIM_KEYS): the frozen bytes in the outbox stay unsigned, so a
      // key rotation takes effect on retries too. A large mail is cached on disk while it is signed.
      const key = signingKey(config, fromAddress);
      const dkim = key && { domainName: key.domain, keySelector: key.selector, privateKey: key.privateKey, cacheDir, cacheTreshold: DKIM_MEMORY_BYTES };
      try {
        const info = (await transporter.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw, ...(dkim && { dkim }) })) as { rejected?: (string | { address: string })[]; response?: string };
        const rejected = (info.rejected ?? []).map((r) => (typeof r === 'string' ? r : r.address).toLowerCase());
        const response = String(info.response ?? '');
        return { rejected, response, relayMessageId: relayMessageId(config.outbound.sesMessageIdDomain, response) };
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
    close: () => transporter.close(),
  };
}

function emlTransport(dir: string): MailTransport {
  mkdirSync(dir, { recursive: true });
  return {
    kind: 'eml',
    // Asynchronous file calls: opening and writing a file costs about a millisecond here, which the
    // event loop (parsing and committing inbound mail meanwhile) should not wait for.
    async send(raw, _envelope, fileName) {
      const target = join(dir, `${fileName}.eml`);
      try {
        await writeFile(`${target}.tmp`, raw, { mode: 0o640 });
        await rename(`${target}.tmp`, target);
      } catch (error) {
        throw new DeliveryError(`cannot write ${target}: ${(error as Error).message}`, false);
      }
      return { rejected: [], response: `written to ${target}`, relayMessageId: null };
    },
    close: () => undefined,
  };
}
