/**
 * mail/oauth2.ts against a token endpoint over real HTTP (the local stand-in of
 * harness/fake-oauth.ts): a token is reused until shortly before it expires, callers at once share
 * one request, a refused token is renewed on demand, a refresh token the provider rotates is used
 * from then on, and failures name the endpoint and the reason without a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { AccessTokens, OAuth2TokenError, type OAuth2Settings } from '../../../src/mail/oauth2.js';
import { startFakeOAuth, type FakeOAuth } from '../../harness/fake-oauth.js';

let provider: FakeOAuth;
let rotating: FakeOAuth;
const settings = (p: FakeOAuth, extra: Partial<OAuth2Settings> = {}): OAuth2Settings => ({ tokenUrl: p.tokenUrl, clientId: p.clientId, clientSecret: p.clientSecret, refreshToken: null, scope: null, ...extra });

beforeAll(async () => {
  provider = await startFakeOAuth('support@example.com');
  rotating = await startFakeOAuth('support@example.com', { rotate: true });
});
afterAll(async () => {
  await provider?.stop();
  await rotating?.stop();
});

describe('OAuth 2.0 access tokens', () => {
  it('reuse a token until a minute before it expires; callers at once share one request; renew on demand', async () => {
    const tokens = new AccessTokens(settings(provider));
    const [a, b, c] = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(await tokens.get()).toBe(a);
    expect(provider.requests).toHaveLength(1);
    expect(provider.active(a!)).toBe(true);
    // An hour's token, asked for 59 minutes and 30 seconds later: renewed.
    const later = await tokens.get(false, Date.now() + 3_570_000);
    expect(later).not.toBe(a);
    const renewed = await tokens.get(true);
    expect(new Set([a, later, renewed]).size).toBe(3);
    expect(provider.requests.map((r) => r.grant)).toEqual(['client_credentials', 'client_credentials', 'client_credentials']);
  });

  it('follow a refresh token the provider rotates (each one works once)', async () => {
    const tokens = new AccessTokens(settings(rotating, { refreshToken: rotating.refreshToken }));
    for (let i = 0; i < 4; i++) expect(rotating.active(await tokens.get(true))).toBe(true);
    expect(rotating.requests).toEqual(Array.from({ length: 4 }, () => ({ grant: 'refresh_token', granted: true })));
    // The configured token was used up by the first refresh: a fresh source from it is refused.
    await expect(new AccessTokens(settings(rotating, { refreshToken: rotating.refreshToken })).get()).rejects.toThrow(/failed: invalid_grant \(HTTP 400\)$/);
  });

  it('say which endpoint refused or could not be reached, and why, without a secret', async () => {
    const refused = new AccessTokens(settings(provider, { clientSecret: 'not-the-secret' }));
    const error = await refused.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuth2TokenError);
    expect((error as Error).message).toMatch(/^OAuth2 token request to 127\.0\.0\.1:\d+ failed: invalid_client \(HTTP 401\)$/);
    expect((error as Error).message).not.toContain('not-the-secret');
    const port = await freePort(); // nothing listens there
    const closed = new AccessTokens({ ...settings(provider), tokenUrl: `http://127.0.0.1:${port}/token` });
    await expect(closed.get()).rejects.toThrow(`OAuth2 token request to 127.0.0.1:${port} failed: ECONNREFUSED`);
  });
});
