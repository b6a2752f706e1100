/**
 * The API while PostgreSQL is unreachable (a restart, a failover): every route answers 503
 * SERVICE_UNAVAILABLE with Retry-After, so a client retries instead of reporting a bug, and the
 * log says so once as a warning instead of an internal error with a stack trace per request (or,
 * from the job queue, several a second). The gateway runs against a server of this test's own,
 * reached through a fault proxy so it keeps its address when the server comes back on another port.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmbeddedDatabase } from '../../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { parseMetrics, sample } from '../../harness/metrics.js';
import { upload } from '../../harness/upload.js';
import { databaseUrlVia, jsonLines, portOf, ownDatabaseDir, startOwnDatabase, until } from '../ingest/fault-helpers.js';

const dir = ownDatabaseDir('postdesk-api-down-');
let database: EmbeddedDatabase | null = null;
let proxy: FaultProxy | null = null;
let app: TestApp | null = null;

afterAll(async () => {
  await app?.stop();
  await proxy?.close();
  await database?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ME = JSON.stringify({ query: '{ me { email } }' });
const METRICS_TOKEN = 'metrics-scraper-secret-0123456789abcdef';

describe('the API while the database is down', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After on every route, logs one warning, and serves again once it is back', { timeout: 180_000 }, async () => {
    database = await startOwnDatabase(dir);
    proxy = await startFaultProxy(portOf(database.url));
    app = await startTestApp({ METRICS_TOKEN: METRICS_TOKEN }, databaseUrlVia(database.url, proxy.port));
    const gw = app;
    const auth = { authorization: `Bearer ${gw.adminToken}` };
    const me = () => fetch(`${gw.url}/graphql`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: ME });
    expect((await me()).status).toBe(200);

    const downFrom = gw.logLines().length;
    await database.stop();
    await proxy.setMode('refuse');
    const sinceDown = () => jsonLines(gw.logLines().slice(downFrom));
    // The job queue polls every second: wait until it has noticed (and, on every poll after that, failed again).
    await until(async () => sinceDown().some((l) => l.msg === 'job queue error'), 'the job queue noticing the outage', 30);
    await new Promise((r) => setTimeout(r, 4000));

    const graphql = await me();
    expect(graphql.status).toBe(503);
    expect(graphql.headers.get('retry-after')).toBe('5');
    const body = (await graphql.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.errors[0]!.message).toBe('the database is not reachable; retry shortly');

    const routes = [
      await fetch(`${gw.url}/attachments/1`, { headers: auth }),
      await fetch(`${gw.url}/quarantine/1/raw`, { headers: auth }),
    ];
    const uploaded = await upload(gw.url, gw.adminToken, 'notes.txt', 'hello');
    for (const response of routes) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({ error: 'SERVICE_UNAVAILABLE', message: 'the database is not reachable; retry shortly' });
    }
    expect(uploaded).toEqual({ status: 503, body: { error: 'SERVICE_UNAVAILABLE', message: 'the database is not reachable; retry shortly' } });

    // The scraper's METRICS_TOKEN is checked in memory: the outage itself is visible (postdesk_ready 0),
    // the gauges read from PostgreSQL are absent rather than zero; an API token still needs the database.
    const scraped = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    const figures = parseMetrics(await scraped.text());
    expect(sample(figures, 'postdesk_ready')).toBe(0);
    expect(sample(figures, 'postdesk_outbox_messages', { status: 'QUEUED' })).toBeUndefined();
    expect(sample(figures, 'postdesk_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await fetch(`${gw.url}/metrics`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(503);

    const lines = sinceDown();
    // Four failed requests, one warning; several failed polls of the job queue, one warning too:
    // an outage the gateway rides out is no error for an operator's alert.
    expect(lines.filter((l) => l.msg === 'database unreachable; requests answered 503 SERVICE_UNAVAILABLE').map((l) => l.level)).toEqual(['warn']);
    expect(lines.filter((l) => l.msg === 'job queue error').map((l) => l.level)).toEqual(['warn']);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'graphql operation failed' || l.msg === 'request failed' || l.msg === 'upload failed')).toEqual([]);

    database = await startOwnDatabase(dir);
    proxy.retarget(portOf(database.url));
    await proxy.setMode('pass');
    await until(async () => (await me()).status === 200, 'the API serving again');
  });
});
