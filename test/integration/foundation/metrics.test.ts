/**
 * GET /metrics, Prometheus' text format: only with a valid token (an agent's will do), counters
 * that move with real mail through the SMTP door and with the deliveries that follow, and the
 * shared gauges read from PostgreSQL (quarantine pending by reason, outbox). The mailbox gauges
 * are checked where a real mailbox runs: backlog-alarm.test.ts (F16).
 */
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { Role } from '../../../src/entities/enums.js';
import { issueToken } from '../../../src/auth/tokens.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { eventually } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { buildMail } from '../../harness/mail.js';
import { parseMetrics, sample } from '../../harness/metrics.js';

const METRICS_TOKEN = 'prometheus-scrape-token-0123456789abcdef';
let gw: TestApp;
let smtpPort: number;
let agentToken: string;

beforeAll(async () => {
  smtpPort = await freePort();
  gw = await startTestApp({ SMTP_INBOUND_PORT: String(smtpPort), SUPPORT_ADDRESS: 'support@example.com', METRICS_TOKEN });
  const em = gw.app.state.orm!.em.fork();
  agentToken = (await issueToken(em, { email: 'scraper@example.com', role: Role.AGENT })).secret;
  await em.flush();
});
afterAll(async () => {
  await gw?.stop();
});

async function scrape(token: string | null = agentToken): Promise<Response> {
  return fetch(`${gw.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}
async function metrics(): Promise<Map<string, number>> {
  const response = await scrape();
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

async function send(raw: Buffer): Promise<void> {
  const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  await transport.sendMail({ envelope: { from: 'customer@customer.test', to: ['support@example.com'] }, raw });
  transport.close();
}

describe('GET /metrics', () => {
  it('answers only a valid token, in the Prometheus text format', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('pd_not-a-real-token')).status).toBe(401);
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body).toContain('# TYPE postdesk_ingested_messages_total counter');
    const figures = parseMetrics(body);
    expect(sample(figures, 'postdesk_ready')).toBe(1);
    expect(sample(figures, 'postdesk_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(sample(figures, 'postdesk_outbox_messages', { status: 'FAILED' })).toBe(0);
    // METRICS_TOKEN reads the metrics (without the database: database-down.test.ts) and nothing else.
    expect((await scrape(METRICS_TOKEN)).status).toBe(200);
    const graphql = await gql(gw.url, METRICS_TOKEN, '{ me { email } }');
    expect(graphql.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('counts ingested mail by door and outcome, and the deliveries that follow', async () => {
    const before = await metrics();
    const ticketsBefore = sample(before, 'postdesk_ingested_messages_total', { door: 'SMTP', outcome: 'ticket' }) ?? 0;
    const quarantinedBefore = sample(before, 'postdesk_ingested_messages_total', { door: 'SMTP', outcome: 'quarantined' }) ?? 0;
    const sentBefore = sample(before, 'postdesk_delivery_attempts_total', { outcome: 'sent' }) ?? 0;

    await send(await buildMail({ subject: 'Printer on fire', from: 'customer@customer.test' }));
    await send(await buildMail({ subject: 'Out of office', from: 'away@customer.test', headers: { 'Auto-Submitted': 'auto-replied' } }));

    const after = await metrics();
    expect(sample(after, 'postdesk_ingested_messages_total', { door: 'SMTP', outcome: 'ticket' })).toBe(ticketsBefore + 1);
    expect(sample(after, 'postdesk_ingested_messages_total', { door: 'SMTP', outcome: 'quarantined' })).toBe(quarantinedBefore + 1);
    expect(sample(after, 'postdesk_quarantine_pending_messages', { reason_code: 'AUTOMATIC_UNTHREADED' })).toBe(1);
    // The new ticket's acknowledgement goes out (captured to the outbox folder): one attempt sent, none waiting.
    const delivered = await eventually(async () => {
      const now = await metrics();
      return (sample(now, 'postdesk_delivery_attempts_total', { outcome: 'sent' }) ?? 0) > sentBefore && sample(now, 'postdesk_outbox_messages', { status: 'QUEUED' }) === 0 ? now : null;
    }, 'the acknowledgement sent');
    expect(sample(delivered, 'postdesk_outbox_messages', { status: 'FAILED' })).toBe(0);
  });

  it('drops a dismissed message from the pending quarantine gauge', async () => {
    const list = await gql<{ quarantinedMessages: { edges: { node: { id: string } }[] } }>(gw.url, gw.adminToken, `{ quarantinedMessages(filter: { status: [PENDING] }) { edges { node { id } } } }`);
    const ids = list.data!.quarantinedMessages.edges.map((e) => e.node.id);
    expect(ids).toHaveLength(1);
    const dismissed = await gql(gw.url, gw.adminToken, `mutation($ids: [ID!]!) { dismissQuarantinedMessages(ids: $ids) { userErrors { message } } }`, { ids });
    expect(dismissed.errors).toBeUndefined();
    expect(sample(await metrics(), 'postdesk_quarantine_pending_messages', { reason_code: 'AUTOMATIC_UNTHREADED' })).toBeUndefined();
  });
});
