/**
 * OAuth 2.0 access tokens for mail servers that take no passwords (Microsoft 365, Google
 * Workspace): a mailbox's `oauth2` settings, or SMTP_OAUTH2, name the provider's token endpoint and
 * the app's client; postdesk asks it for a token with the client credentials grant (Microsoft's
 * app-only access), or with a refresh token when one is configured (a person's consent, e.g.
 * Google), and signs in with XOAUTH2/OAUTHBEARER (imapflow picks the one the server offers;
 * nodemailer sends XOAUTH2).
 *
 * The token requests are openid-client's (panva), not ours. A token is reused until a minute
 * before it expires; concurrent callers share one request. A refresh token the provider rotates is
 * kept in memory for the next refresh (a restart starts again from the configured one). Errors
 * name the endpoint and the provider's error code, never a secret.
 */
import * as oauth from 'openid-client';

export interface OAuth2Settings {
  /** The provider's token endpoint, e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Set: the refresh token grant; null: client credentials. */
  readonly refreshToken: string | null;
  /** e.g. https://outlook.office365.com/.default; null: the provider's default for the client. */
  readonly scope: string | null;
}

/** Renew this long before the token's end, so a connection never starts with a token about to lapse. */
const EARLY_MS = 60_000;
/** When the provider does not say how long a token lives. */
const DEFAULT_LIFETIME_MS = 3_600_000;

/** The provider refused or could not be reached: a mail server problem to the poller (backed off), not a storage one. */
export class OAuth2TokenError extends Error {
  override name = 'OAuth2TokenError';
}

export class AccessTokens {
  private token: { value: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  private refreshToken: string | null;
  private readonly client: oauth.Configuration;

  constructor(private readonly settings: OAuth2Settings) {
    this.refreshToken = settings.refreshToken;
    const url = new URL(settings.tokenUrl);
    this.client = new oauth.Configuration({ issuer: url.origin, token_endpoint: settings.tokenUrl }, settings.clientId, settings.clientSecret);
    // Plain http only to this machine (a local token service, tests); config validation refuses it elsewhere.
    if (url.protocol === 'http:') oauth.allowInsecureRequests(this.client);
  }

  /** When the token last handed out should be renewed (ms since the epoch; 0 before the first). */
  get renewAt(): number {
    return this.token ? this.token.expiresAt - EARLY_MS : 0;
  }

  /** A valid access token; `renew` forces a new one (the server refused the last). */
  get(renew = false, now = Date.now()): Promise<string> {
    if (!renew && this.token && this.renewAt > now) return Promise.resolve(this.token.value);
    this.pending ??= this.request().finally(() => (this.pending = null));
    return this.pending;
  }

  private async request(): Promise<string> {
    const parameters: Record<string, string> = this.settings.scope ? { scope: this.settings.scope } : {};
    try {
      const response = this.refreshToken
        ? await oauth.refreshTokenGrant(this.client, this.refreshToken, parameters)
        : await oauth.clientCredentialsGrant(this.client, parameters);
      if (response.refresh_token) this.refreshToken = response.refresh_token;
      const lifetime = response.expiresIn();
      this.token = { value: response.access_token, expiresAt: Date.now() + (lifetime === undefined ? DEFAULT_LIFETIME_MS : lifetime * 1000) };
      return this.token.value;
    } catch (error) {
      const e = error as { error?: unknown; status?: unknown };
      const reason = typeof e.error === 'string' ? e.error : (networkCode(error) ?? 'request failed');
      const status = typeof e.status === 'number' ? ` (HTTP ${e.status})` : '';
      throw new OAuth2TokenError(`OAuth2 token request to ${new URL(this.settings.tokenUrl).host} failed: ${reason}${status}`);
    }
  }
}

/** The system error code (ECONNREFUSED, ENOTFOUND …) somewhere down a chain of causes (fetch wraps it twice), if any. */
function networkCode(error: unknown): string | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  }
  return null;
}

const sources = new WeakMap<OAuth2Settings, AccessTokens>();

/** The one token source of these (frozen, long-lived) settings: every connection of a mailbox shares its token. */
export function accessTokens(settings: OAuth2Settings): AccessTokens {
  let source = sources.get(settings);
  if (!source) sources.set(settings, (source = new AccessTokens(settings)));
  return source;
}
