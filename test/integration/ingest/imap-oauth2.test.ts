/**
 * Mailboxes that take no password (Microsoft 365, Google Workspace): the poller signs in to the
 * harness's real Dovecot with an OAuth 2.0 access token (XOAUTH2/OAUTHBEARER; Dovecot's oauth2
 * passdb asks the provider whether the token is good). The provider is a local stand-in
 * (harness/fake-oauth.ts), since the real ones cannot be reached from here. Mail becomes tickets;
 * a token the provider revoked is replaced after the server refuses it; `postdesk check` signs in
 * the same way and names a refused client without printing its secret.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { dovecotOAuthConfig, startFakeOAuth, type FakeOAuth } from '../../harness/fake-oauth.js';
import { buildMail } from '../../harness/mail.js';
import { assertBuilt, BIN, startProcess } from '../../harness/processes.js';
import { count, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[imap-oauth2.test] ${DOVECOT_SKIP_REASON}`);

const USER = 'support';
let oauth: FakeOAuth;
let dovecot: Dovecot;
let app: TestApp | undefined;
let extDir: string;

/** The mailbox as MAILBOXES names it: the user in the URL, no password, the provider's client. */
const mailbox = (oauth2: Record<string, string>) => ({ name: 'o365', url: `imap://${USER}@${dovecot.host}:${dovecot.port}`, address: 'support@example.com', oauth2 });

beforeAll(async () => {
  if (!dovecotAvailable()) return;
  oauth = await startFakeOAuth(USER);
  // Dovecot's auth process (user "dovecot") reads the ext file: a world-readable folder of its own.
  extDir = mkdtempSync(join(tmpdir(), 'postdesk-oauth-'));
  chmodSync(extDir, 0o755);
  const extFile = join(extDir, 'dovecot-oauth2.conf.ext');
  const { extraConfig, extFile: extText } = dovecotOAuthConfig(oauth, extFile);
  writeFileSync(extFile, extText, { mode: 0o644 });
  // The user's password is one nobody is told: only a token can sign in.
  dovecot = await startDovecot([{ name: USER, password: `never-used-${Date.now()}` }], { extraConfig });
});
afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
  await oauth?.stop();
  if (extDir) rmSync(extDir, { recursive: true, force: true });
});

describe.skipIf(!dovecotAvailable())('IMAP with OAuth 2.0', () => {
  it('signs in with a client-credentials token and turns mail into tickets; a revoked token is replaced once the server refuses it', async () => {
    app = await startTestApp({
      MAILBOXES: JSON.stringify([
        mailbox({ tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, scope: 'https://outlook.office365.com/.default' }),
        // The same user with a password that is wrong: /readyz says the login was refused, not "Command failed".
        { name: 'wrong-password', url: `imap://${USER}:wrong@${dovecot.host}:${dovecot.port}`, address: 'other@example.com' },
      ]),
      SUPPORT_ADDRESS: 'support@example.com',
      LOG_LEVEL: 'debug', // the most the log ever says: still no secret
    });
    const gateway = app;
    await dovecot.append(USER, await buildMail({ from: 'ann@customer.test', subject: 'Signed in by token' }));
    await until(async () => (await count(gateway.databaseUrl, `select count(*) from ticket where subject = 'Signed in by token'`)) === 1, 'the first ticket', 30);
    expect(oauth.requests).toEqual([{ grant: 'client_credentials', granted: true }]);
    // Read before the restart below: an attempt that meets the restarting server ends "Unexpected close".
    const readiness = async () => (await (await fetch(`${gateway.url}/readyz`)).json()) as { mailboxes: Record<string, { state: string; lastError: { reason: string } | null }> };
    let wrong: { state: string; lastError: { reason: string } | null } | undefined;
    await until(async () => {
      wrong = (await readiness()).mailboxes['wrong-password'];
      return /^the IMAP server refused the login/.test(wrong?.lastError?.reason ?? '');
    }, 'the wrong password refused', 30);
    expect(wrong).toMatchObject({ state: 'reconnecting', lastError: { reason: expect.stringMatching(/^the IMAP server refused the login: .*AUTHENTICATIONFAILED/) } });

    // The provider revokes every token and the server drops its sessions: the poller's cached token
    // is refused once, then it asks for a new one and carries on.
    oauth.revokeAll();
    await dovecot.restart();
    await until(async () => oauth.requests.length === 2, 'a second token, asked for after the server refused the first', 60);
    expect(oauth.requests).toEqual([
      { grant: 'client_credentials', granted: true },
      { grant: 'client_credentials', granted: true },
    ]);
    await dovecot.append(USER, await buildMail({ from: 'bo@customer.test', subject: 'After the revocation' }));
    await until(async () => (await count(gateway.databaseUrl, `select count(*) from ticket where subject = 'After the revocation'`)) === 1, 'the ticket after the revocation', 60);
    expect(oauth.requests).toHaveLength(2); // the new token serves on
    const log = gateway.logLines().join('\n');
    for (const secret of [oauth.clientSecret, ...oauth.issued]) expect(log).not.toContain(secret);

    // Connected, or soon again: on a loaded machine a session may end (and be replaced) at any time.
    await until(async () => (await readiness()).mailboxes.o365?.state === 'connected', 'the OAuth mailbox connected', 30);
  });

  describe('postdesk check', () => {
    async function check(oauth2: Record<string, string>): Promise<{ code: number | string; output: string }> {
      assertBuilt();
      const child = startProcess(BIN, ['check'], { NODE_ENV: 'test', SUPPORT_ADDRESS: 'support@example.com', MAILBOXES: JSON.stringify([mailbox(oauth2)]) });
      const code = await child.exited;
      return { code, output: child.stdout() + child.stderr() };
    }

    it('signs in with a refresh token, as a person who consented would (Google)', async () => {
      const result = await check({ tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, refreshToken: oauth.refreshToken });
      expect(result.output).toMatch(/ok\s+mailbox o365: INBOX: \d+ messages?/);
      expect(oauth.requests.at(-1)).toEqual({ grant: 'refresh_token', granted: true });
    });

    it('names a client the provider refuses, and prints no secret', async () => {
      const secret = 'wrong-secret-never-printed';
      const result = await check({ tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: secret });
      expect(result.code).toBe(69);
      expect(result.output).toMatch(/FAIL\s+mailbox o365: .*OAuth2 token request to 127\.0\.0\.1:\d+ failed: invalid_client \(HTTP 401\)/);
      expect(result.output).not.toContain(secret);
    });
  });
});
