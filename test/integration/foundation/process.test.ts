/**
 * The built gateway and CLI as processes: start-up line, SIGTERM (TESTPLAN F15), config errors
 * (exit 78), `postdesk token create`, and the embedded PostgreSQL default with DATABASE_URL unset.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { gql } from '../../harness/graphql-client.js';
import { createTestDatabase } from '../../harness/postgres.js';
import { assertBuilt, BIN, MAIN, runProcess, startProcess } from '../../harness/processes.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postdesk-proc-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

beforeAll(() => assertBuilt());
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the gateway process', () => {
  it('prints one ready line with the URL, time and token location, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const gateway = startProcess(MAIN, [], {
      DATABASE_URL: await createTestDatabase(),
      DATA_DIR: tempDir(),
      PORT: String(port),
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'test',
    });
    await gateway.waitForOutput('postdesk ready at');
    const ready = gateway.stdout().split('\n').find((l) => l.includes('postdesk ready at'))!;
    expect(JSON.parse(ready)).toMatchObject({ level: 'info', url: `http://127.0.0.1:${port}/graphql` });
    expect(ready).toMatch(/in \d+\.\d\ds; admin token: .*admin-token/);
    expect(gateway.stderr()).toMatch(/first start; your admin token .*\n\n {2}pd_[\w-]{43}\n/);
    expect(gateway.stdout()).not.toMatch(/pd_[\w-]{43}/); // the JSON log never holds the token
    gateway.child.kill('SIGTERM');
    // Exit 0 means app.stop() finished before main.ts's 10 s deadline (which exits 70).
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toContain('"msg":"stopped"');
  });

  it('stops cleanly on SIGTERM outside NODE_ENV=test while its IMAP server is out of reach (F15)', async () => {
    // Production mode, where Apollo would install its own signal handlers (NODE_ENV=test turns them
    // off, so the test above cannot see them). They once raced app.stop() (src/http/server.ts); that
    // race is timing-dependent (bench:faults hit it) and this test does not reproduce it reliably:
    // it covers the production shutdown path with a mailbox in backoff.
    const closedPort = await freePort();
    const gateway = startProcess(MAIN, [], {
      DATABASE_URL: await createTestDatabase(),
      DATA_DIR: tempDir(),
      PORT: String(await freePort()),
      SMTP_INBOUND_PORT: '0',
      NODE_ENV: 'production',
      REQUIRE_DURABLE_DATABASE: 'false',
      MAILBOXES: JSON.stringify([{ name: 'away', url: `imap://user:secret@127.0.0.1:${closedPort}`, folder: 'INBOX' }]),
    });
    await gateway.waitForOutput('postdesk ready at');
    await gateway.waitForOutput('mailbox session ended; reconnecting');
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000); // main.ts's deadline exits 70 instead
    expect(gateway.stdout()).toContain('"msg":"stopped"');
  });

  it('exits 78 naming each bad variable, with no stack trace', async () => {
    const result = await runProcess(MAIN, [], { PORT: 'abc', DATABASE_URL: 'mysql://root:topsecret@db/x', LOG_LEVEL: 'chatty' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PORT: must be a TCP port number');
    expect(result.stderr).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(result.stderr).toContain('LOG_LEVEL: must be one of');
    expect(result.stderr).not.toContain('topsecret');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 78 naming the file when a template in TEMPLATES_DIR is broken, before it takes any mail', async () => {
    const templates = tempDir();
    writeFileSync(join(templates, 'acknowledgement.txt'), 'Thanks for writing!\n');
    const result = await runProcess(MAIN, [], { TEMPLATES_DIR: templates, DATABASE_URL: await createTestDatabase(), DATA_DIR: tempDir(), NODE_ENV: 'test' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`TEMPLATES_DIR: ${join(templates, 'acknowledgement.txt')}: the first line must be "Subject: …"`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 78 when its port is taken by another program', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const result = await runProcess(MAIN, [], { PORT: String(port), DATABASE_URL: await createTestDatabase(), DATA_DIR: tempDir(), NODE_ENV: 'test' });
    blocker.close();
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`PORT: 127.0.0.1:${port} is already in use`);
  });
});

describe('postdesk token create', () => {
  it('prints the new token alone on stdout, for scripts to capture', async () => {
    const databaseUrl = await createTestDatabase();
    const env = { DATABASE_URL: databaseUrl, DATA_DIR: tempDir(), NODE_ENV: 'test' };
    const created = await runProcess(BIN, ['token', 'create', '--role', 'AGENT', '--email', 'Bob@Example.com'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^pd_[\w-]{43}\n$/);
  });

  it('explains its usage with exit 64 and a storage outage with exit 75', async () => {
    const env = { DATA_DIR: tempDir(), NODE_ENV: 'test' };
    const none = await runProcess(BIN, [], env);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('usage:');
    const badRole = await runProcess(BIN, ['token', 'create', '--role', 'ROOT', '--email', 'a@b.c'], env);
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toContain('--role must be ADMIN or AGENT');
    const down = await runProcess(BIN, ['token', 'create', '--role', 'AGENT', '--email', 'a@b.c'], {
      ...env,
      DATABASE_URL: `postgres://x:y@127.0.0.1:${await freePort()}/none`,
    });
    expect(down.code).toBe(75);
    expect(down.stderr).toContain('database unreachable');
  });
});

describe('embedded PostgreSQL (DATABASE_URL unset)', () => {
  it('initialises on first start, is shared with the CLI, stops with the gateway and is reused', async () => {
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, SMTP_INBOUND_PORT: '0', NODE_ENV: 'test' };
    const port = await freePort();
    const first = startProcess(MAIN, [], { ...env, PORT: String(port) });
    await first.waitForOutput('postdesk ready at');
    expect(first.stdout()).toContain('initialising embedded PostgreSQL (first start)');
    const record = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as { port: number };
    expect(record.port).not.toBe(5432);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);

    // The CLI, with the same DATA_DIR, writes into the running gateway's database.
    const cli = await runProcess(BIN, ['token', 'create', '--role', 'ADMIN', '--email', 'ops@example.com'], env);
    expect(cli.code).toBe(0);
    const response = await gql<{ queues: { name: string }[] }>(`http://127.0.0.1:${port}`, cli.stdout.trim(), '{ queues { name } }');
    expect(response.data?.queues).toEqual([{ name: 'General' }]);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = startProcess(MAIN, [], { ...env, PORT: String(port) });
    await second.waitForOutput('postdesk ready at');
    expect(second.stdout()).not.toContain('initialising embedded PostgreSQL');
    expect(second.stderr()).not.toContain('first start');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('explains an unreachable DATA_DIR instead of failing obscurely', async (context) => {
    if (process.getuid?.() !== 0) {
      context.skip('SKIPPED: only root runs PostgreSQL as another user; this machine runs tests as a normal user');
    }
    const locked = mkdtempSync(join(tmpdir(), 'postdesk-locked-')); // mode 0700
    dirs.push(locked);
    const result = await runProcess(MAIN, [], { DATA_DIR: join(locked, 'data'), NODE_ENV: 'test' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATA_DIR: the embedded PostgreSQL server runs as user "postgres"');
    expect(result.stderr).toContain('mode 700');
  });
});
