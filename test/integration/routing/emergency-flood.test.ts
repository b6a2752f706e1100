/**
 * TESTPLAN L15, emergency flood: 500 messages to the emergency address from one sender within one
 * minute, a third of them `Auto-Submitted: auto-generated` (a monitoring system). Pass: the first
 * pages at once (never rate-limited or quarantined); one incident and one page per open incident
 * per 10 minutes; no acknowledgement to automatic mail; 500/500 stored, all on the incident.
 *
 * Through the real ingest command on real PostgreSQL; outbound is asserted on the outbox rows the
 * same transactions write (what the worker would send). The clock is the ingest context's `now`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage, type IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { Door, Priority, TicketStatus, TicketType } from '../../../src/entities/enums.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';

const FLOOD = 500;
const ONCALL = ['oncall1@ops.test', 'oncall2@ops.test'];

let h: IngestHarness;
let clock = new Date('2026-11-28T04:00:00Z');

beforeAll(async () => {
  h = await createIngestHarness({
    ONCALL_ADDRESSES: ONCALL.join(','),
    ONCALL_WEBHOOK_URL: 'http://127.0.0.1:9/page',
    // Far below the flood: emergencies must not be rate-limited.
    SENDER_RATE_LIMIT: '20/10m',
  });
});
afterAll(() => h?.close());

function ingestAt(raw: Buffer, at: Date): Promise<IngestOutcome> {
  return ingestMessage(h.orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, { ...h.context, now: () => at });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await queryDatabase<{ n: string }>(h.databaseUrl, sql, params);
  return Number(rows[0]!.n);
}

const pages = () => count(`select count(*) as n from outbound_delivery where kind = 'page'`);
const webhookPages = () => count(`select count(*) as n from outbound_delivery where kind = 'webhook:emergency'`);

describe('an emergency flood from one sender (L15)', () => {
  const monitor = 'Nagios <nagios@monitoring.test>';
  let incident: number;

  it('gives one incident with all 500 messages, one page (per on-call address), no acknowledgement', async () => {
    const start = clock.getTime();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const automatic = i % 3 === 0; // the first one too: monitoring systems mark their mail
      const raw = await buildMail({
        from: monitor,
        to: 'emergency@example.com',
        subject: `PROBLEM: db${i % 7} is DOWN`,
        text: `Host db${i % 7} check ${i} failed.`,
        headers: automatic ? { 'Auto-Submitted': 'auto-generated' } : {},
      });
      outcomes.push(await ingestAt(raw, new Date(start + Math.floor((i * 59_000) / FLOOD)))); // within one minute
    }
    const kinds = outcomes.map((o) => o.kind);
    expect(kinds.filter((k) => k === 'ticket')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'comment')).toHaveLength(FLOOD - 1);
    expect(outcomes[0]!.kind).toBe('ticket'); // the first is never rate-limited or quarantined
    incident = (outcomes[0] as Extract<IngestOutcome, { kind: 'ticket' }>).ticketNumber;
    expect(new Set(outcomes.map((o) => ('ticketNumber' in o ? o.ticketNumber : null)))).toEqual(new Set([incident]));

    // 500/500 stored, all on the incident, nothing quarantined.
    expect(await count(`select count(*) as n from message m join ticket t on t.id = m.ticket_id where t.number = $1 and m.direction = 'INBOUND'`, [incident])).toBe(FLOOD);
    expect(await count(`select count(*) as n from inbound_receipt`)).toBe(FLOOD);
    expect(await count(`select count(*) as n from quarantined_message`)).toBe(0);
    const [t] = await queryDatabase<{ priority: string; type: string; status: string }>(h.databaseUrl, `select priority, type, status from ticket where number = $1`, [incident]);
    expect(t).toEqual({ priority: Priority.URGENT, type: TicketType.INCIDENT, status: TicketStatus.OPEN });

    // One page per on-call address and one on-call webhook; no acknowledgement at all (the
    // incident's first message was automatic; threaded messages are never acknowledged).
    expect(await pages()).toBe(ONCALL.length);
    expect(await count(`select count(*) as n from outbound_delivery where kind = 'page' and recipients = $1`, [[ONCALL[0]]])).toBe(1);
    expect(await webhookPages()).toBe(1);
    expect(await count(`select count(*) as n from outbound_delivery where kind like 'acknowledgement%'`)).toBe(0);

    // Each threaded message says why in the incident's history.
    expect(await count(`select count(*) as n from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'emergency-threaded'`, [incident])).toBe(FLOOD - 1);
    clock = new Date(start + 60_000);
  });

  it('keeps another sender out of the flood: their emergency is its own incident and pages', async () => {
    const outcome = await ingestAt(await buildMail({ from: 'ops@customer.test', to: 'emergency@example.com', subject: 'Payments failing' }), clock);
    expect(outcome.kind).toBe('ticket');
    expect((outcome as Extract<IngestOutcome, { kind: 'ticket' }>).ticketNumber).not.toBe(incident);
    expect(await pages()).toBe(2 * ONCALL.length);
    // A person (not automatic) gets the emergency acknowledgement.
    expect(await count(`select count(*) as n from outbound_delivery where kind = 'acknowledgement-emergency'`)).toBe(1);
  });

  it('opens a new incident and pages again once the 10 minutes have passed', async () => {
    const later = new Date(clock.getTime() + 10 * 60_000);
    const outcome = await ingestAt(await buildMail({ from: monitor, to: 'emergency@example.com', subject: 'PROBLEM: db1 is DOWN', headers: { 'Auto-Submitted': 'auto-generated' } }), later);
    expect(outcome.kind).toBe('ticket');
    expect((outcome as Extract<IngestOutcome, { kind: 'ticket' }>).ticketNumber).not.toBe(incident);
    expect(await pages()).toBe(3 * ONCALL.length);
    expect(await webhookPages()).toBe(3);
  });

  it('opens a new incident (and pages) when the flooded incident was closed within the window', async () => {
    const at = new Date(clock.getTime() + 11 * 60_000);
    const first = await ingestAt(await buildMail({ from: 'alerts@grafana.test', to: 'emergency@example.com', subject: 'CPU high' }), at);
    expect(first.kind).toBe('ticket');
    const number = (first as Extract<IngestOutcome, { kind: 'ticket' }>).ticketNumber;
    await queryDatabase(h.databaseUrl, `update ticket set status = 'CLOSED', closed_at = now() where number = $1`, [number]);
    const second = await ingestAt(await buildMail({ from: 'alerts@grafana.test', to: 'emergency@example.com', subject: 'CPU high again' }), new Date(at.getTime() + 1000));
    expect(second.kind).toBe('ticket');
    expect(await pages()).toBe(5 * ONCALL.length);
    // Support mail from the same sender is not an emergency and never threads onto an incident.
    const support = await ingestAt(await buildMail({ from: 'alerts@grafana.test', to: 'support@example.com', subject: 'Weekly report' }), new Date(at.getTime() + 2000));
    expect(support.kind).toBe('ticket');
    expect(await pages()).toBe(5 * ONCALL.length);
  });
});
