/**
 * Outbound mail through a relay that takes no password (Microsoft 365's SMTP AUTH, Gmail):
 * SMTP_OAUTH2 signs SMTP_URL's user in with an XOAUTH2 access token. The relay is a real
 * smtp-server demanding XOAUTH2; the provider is the local stand-in (harness/fake-oauth.ts). A
 * token revoked while the relay was away is refused once, renewed, and the mail goes out;
 * `postdesk check` logs in the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { startFakeOAuth, type FakeOAuth } from '../../harness/fake-oauth.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { assertBuilt, BIN, startProcess } from '../../harness/processes.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { waitForMailsTo } from './outbound-harness.js';

const USER = 'support@example.com';
let oauth: FakeOAuth;
let sink: SmtpSink;
let gw: TestApp;
let h: IngestHarness;
let env: Record<string, string>;

const relay = (port?: number) => startSmtpSink({ port, xoauth2: (user, token) => user === USER && oauth.active(token) });

beforeAll(async () => {
  oauth = await startFakeOAuth(USER);
  sink = await relay();
  env = {
    SUPPORT_ADDRESS: USER,
    SMTP_URL: `smtp://${encodeURIComponent(USER)}@127.0.0.1:${sink.port}`,
    SMTP_OAUTH2: JSON.stringify({ tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, scope: 'https://outlook.office365.com/.default' }),
  };
  gw = await startTestApp({ ...env, LOG_LEVEL: 'debug' });
  h = await createIngestHarness({}, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
  await sink?.stop();
  await oauth?.stop();
});

async function newTicket(from: string, subject: string): Promise<void> {
  const outcome = await h.ingest(await buildMail({ from, subject }));
  if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
}

describe('SMTP with OAuth 2.0 (SMTP_OAUTH2)', () => {
  it('logs in with a token and delivers; a token revoked meanwhile is refused once, renewed, and the mail goes out', async () => {
    await newTicket('ann@customer.test', 'Acknowledged through an OAuth relay');
    const [ack] = await waitForMailsTo(sink, 'ann@customer.test', 1);
    expect(ack!.parsed.subject).toContain('Acknowledged through an OAuth relay');
    expect(oauth.requests).toEqual([{ grant: 'client_credentials', granted: true }]);

    // The relay goes away (its connections with it) and the provider revokes every token.
    const port = sink.port;
    await sink.stop();
    oauth.revokeAll();
    sink = await relay(port);
    await newTicket('bo@customer.test', 'After the revocation');
    await waitForMailsTo(sink, 'bo@customer.test', 1);
    expect(oauth.requests).toEqual([
      { grant: 'client_credentials', granted: true },
      { grant: 'client_credentials', granted: true },
    ]);
    const log = gw.logLines().join('\n');
    for (const secret of [oauth.clientSecret, ...oauth.issued]) expect(log).not.toContain(secret);
  });

  it('postdesk check logs in the same way, and names a client the provider refuses without printing its secret', async () => {
    assertBuilt();
    const run = async (extra: Record<string, string>) => {
      const child = startProcess(BIN, ['check'], { NODE_ENV: 'test', ...env, ...extra });
      const code = await child.exited;
      return { code, output: child.stdout() + child.stderr() };
    };
    const ok = await run({});
    expect(ok.output).toMatch(/ok\s+smtp relay: smtp:\/\/support%40example\.com@127\.0\.0\.1:\d+ answered and accepted the OAuth 2\.0 login \(no mail sent\)/);
    const secret = 'wrong-secret-never-printed';
    const refused = await run({ SMTP_OAUTH2: JSON.stringify({ tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: secret }) });
    expect(refused.code).toBe(69);
    expect(refused.output).toMatch(/FAIL\s+smtp relay: .*invalid_client/);
    expect(refused.output).not.toContain(secret);
  });
});
