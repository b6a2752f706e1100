/**
 * A stand-in for an OAuth 2.0 provider (Microsoft's or Google's token endpoint cannot be reached
 * from here): a token endpoint that grants by client credentials or refresh token (RFC 6749 §4.4,
 * §6), and an introspection endpoint (RFC 7662) Dovecot's oauth2 passdb asks whether a token is
 * good. Tokens are random, expire, and can all be revoked at once; every token request is counted.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOAuth {
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The refresh token issued to `user` first (the refresh token grant's); with `rotate`, each use replaces it. */
  readonly refreshToken: string;
  /** Token requests answered, granted or not, by grant type. */
  readonly requests: { grant: string; granted: boolean }[];
  /** Every access token issued, revoked ones included (to prove none reaches a log). */
  readonly issued: string[];
  /** Whether `token` is good now (what the introspection endpoint answers). */
  active(token: string): boolean;
  /** Every token issued so far stops being good. */
  revokeAll(): void;
  stop(): Promise<void>;
}

async function form(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * @param user the mailbox user every token signs in as
 * @param options.lifetimeSeconds how long an access token lives (expires_in)
 * @param options.rotate each refresh token grant answers with a new refresh token and the used one
 *   stops working, as Microsoft's identity platform does
 */
export async function startFakeOAuth(user: string, options: { lifetimeSeconds?: number; rotate?: boolean } = {}): Promise<FakeOAuth> {
  const lifetime = options.lifetimeSeconds ?? 3600;
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(12).toString('base64url');
  const refreshToken = `refresh-${randomBytes(12).toString('hex')}`;
  let currentRefreshToken = refreshToken;
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const requests: { grant: string; granted: boolean }[] = [];
  const issued: string[] = [];

  const server = createServer((request, response) => {
    const answer = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    void form(request).then((params) => {
      if (request.method === 'POST' && request.url === '/token') {
        const grant = params.get('grant_type') ?? '';
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        const [id, secret] = basic
          ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)
          : [params.get('client_id'), params.get('client_secret')];
        const clientOk = id === clientId && secret === clientSecret;
        const grantOk = grant === 'client_credentials' || (grant === 'refresh_token' && params.get('refresh_token') === currentRefreshToken);
        requests.push({ grant, granted: clientOk && grantOk });
        if (!clientOk) return answer(401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
        if (!grantOk) return answer(400, { error: 'invalid_grant' });
        const token = `access-${randomBytes(16).toString('hex')}`;
        tokens.set(token, Date.now() + lifetime * 1000);
        issued.push(token);
        const rotated = grant === 'refresh_token' && options.rotate ? { refresh_token: (currentRefreshToken = `refresh-${randomBytes(12).toString('hex')}`) } : {};
        return answer(200, { access_token: token, token_type: 'Bearer', expires_in: lifetime, ...rotated });
      }
      if (request.method === 'POST' && request.url === '/introspect') {
        const expiry = tokens.get(params.get('token') ?? '');
        return answer(200, expiry !== undefined && expiry > Date.now() ? { active: true, username: user } : { active: false });
      }
      answer(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    tokenUrl: `${base}/token`,
    introspectionUrl: `${base}/introspect`,
    clientId,
    clientSecret,
    refreshToken,
    requests,
    issued,
    active: (token) => (tokens.get(token) ?? 0) > Date.now(),
    revokeAll: () => tokens.clear(),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The lines that make a harness Dovecot (startDovecot's extraConfig) also accept this provider's tokens, with the ext file written to `file`. */
export function dovecotOAuthConfig(oauth: FakeOAuth, file: string): { extraConfig: string; extFile: string } {
  return {
    extraConfig: `auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${file}
}
`,
    extFile: `introspection_mode = post
introspection_url = ${oauth.introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
`,
  };
}
