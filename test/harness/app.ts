/**
 * A real gateway for a test file: its own database, port 0, a temp DATA_DIR, logs captured.
 * Real: PostgreSQL, HTTP, GraphQL. Nothing is mocked.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { Role } from '../../src/entities/enums.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import { createLogger } from '../../src/log.js';
import { gqlData } from './graphql-client.js';
import { createTestDatabase } from './postgres.js';

export interface TestApp {
  readonly app: App;
  readonly config: Config;
  readonly url: string;
  readonly databaseUrl: string;
  /** Admin token created on this app's first start. */
  readonly adminToken: string;
  /** Every JSON log line written so far. */
  logLines(): string[];
  stop(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, databaseUrl?: string): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-app-'));
  chmodSync(dataDir, 0o755);
  const dbUrl = databaseUrl ?? (await createTestDatabase());
  const config = loadConfig({
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    PORT: '0',
    SMTP_INBOUND_PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...env,
  });
  const sink = new PassThrough();
  const lines: string[] = [];
  let partial = '';
  sink.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const app = createApp(config, createLogger(config.logLevel, sink));
  const started = await app.start();
  return {
    app,
    config,
    url: started.url,
    databaseUrl: dbUrl,
    adminToken: started.bootstrap.newAdminToken ?? '',
    logLines: () => [...lines],
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An AGENT's token (the person created if new) who works `queue`: the usual start of an agent's test. */
export async function agentOfQueue(gw: TestApp, email: string, queue = 'General'): Promise<string> {
  const em = gw.app.state.orm!.em.fork();
  const { secret } = await issueToken(em, { email, name: 'Agent', role: Role.AGENT });
  await em.flush();
  await gqlData(gw.url, gw.adminToken, `mutation($e: String!, $q: String!) { addQueueAgent(email: $e, queue: $q) { userErrors { message } } }`, { e: email, q: queue });
  return secret;
}
