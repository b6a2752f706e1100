/** /healthz and /readyz tell the truth about the process and its database (TESTPLAN D12, F4 in part). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { freePort } from '../../../src/db/embedded.js';
import { adminQuery, createTestDatabase } from '../../harness/postgres.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';

const running: TestApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});

describe('health and readiness', () => {
  it('reports alive and ready with a reachable, durable database', async () => {
    const gw = await startTestApp({ REQUIRE_DURABLE_DATABASE: 'false' });
    running.push(gw);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, database: 'connected', reasons: [], mailboxes: {} });
  });

  it('refuses to ingest and says why when PostgreSQL is not crash-safe (D12)', async () => {
    const url = await createTestDatabase();
    await adminQuery(`alter database ${new URL(url).pathname.slice(1)} set synchronous_commit = off`);
    const gw = await startTestApp({ REQUIRE_DURABLE_DATABASE: 'true' }, url);
    running.push(gw);
    expect(gw.app.state.canIngest).toBe(false);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { reasons: string[] };
    expect(body.reasons).toEqual([expect.stringMatching(/^PostgreSQL runs with .*synchronous_commit.* off: .*ingest is refused/)]);
    expect(gw.logLines().some((l) => l.includes('synchronous_commit') && l.includes('"level":"error"'))).toBe(true);
  });

  it('keeps retrying an unreachable database while /healthz is 200 and /readyz 503', async () => {
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-dead-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      DATABASE_URL: `postgres://postdesk:hunter2@127.0.0.1:${await freePort()}/nothing`,
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ENV: 'test',
    });
    const app = createApp(config, createLogger('info', sink));
    const started = app.start();
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200);
    await waitFor(async () => lines.filter((l) => l.includes('database unreachable; retrying')).length >= 2);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, database: 'unreachable', reasons: [expect.stringMatching(/^database: /)] });
    const graphql = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ queues { name } }"}' });
    expect(graphql.status).toBe(503);
    await app.stop();
    await expect(started).resolves.toMatchObject({ bootstrap: { newAdminToken: null } });
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('says ready only once mail can go out: a mutation answered at the first 200 has its delivery job', async () => {
    // Before, /readyz and GraphQL answered as soon as migrations were done, while the secret and
    // the outbound worker were still starting: a reply sent then was mailed only when the sweeper
    // found its row, 20–50 s later.
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-starting-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const token = 'starting-admin-token-0123456789';
    const config = loadConfig({ DATABASE_URL: await createTestDatabase(), PORT: String(port), DATA_DIR: dataDir, NODE_ENV: 'test', ADMIN_TOKEN: token, SMTP_INBOUND_PORT: '0' });
    const app = createApp(config, createLogger('info', new PassThrough()));
    onTestFinished(() => app.stop());
    const started = app.start();
    const base = `http://127.0.0.1:${port}`;
    const answers: number[] = [];
    for (let status = 0; status !== 200; ) {
      status = (await fetch(`${base}/readyz`).catch(() => null))?.status ?? 0;
      answers.push(status);
      if (answers.length > 20_000) throw new Error('not ready within 20,000 polls');
    }
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { createTicket(input: { requester: "early@customer.test", subject: "Early", body: "Hello" }) { ticket { number } userErrors { message } } }' }),
    });
    expect(((await response.json()) as { data: { createTicket: { ticket: unknown } } }).data.createTicket.ticket).toMatchObject({ number: expect.any(Number) });
    expect(answers).toContain(503); // it was polled while starting
    const jobs = await queryDatabase<{ n: string }>(config.databaseUrl!, `select count(*) as n from pgboss.job j join outbound_delivery d on j.data->>'id' = d.id::text`);
    expect(jobs).toEqual([{ n: '1' }]);
    await started;
  });
});

/** Polls a condition; fails the test after 10 s (a hang, not a timing assertion). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met within 10 s');
}
