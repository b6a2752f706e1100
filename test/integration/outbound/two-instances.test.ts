/**
 * TESTPLAN L4: two postdesk instances, each the other's customer, both acknowledging. Instance A
 * (support@a.test) and B (support@b.test) have their own database and SMTP sink; the test is the
 * Internet between them: whatever one sends to the other's address is ingested by the other.
 * Seed: one agent reply from A to B's support address.
 *
 *  - as sent: B opens a ticket; A's reply carries X-Auto-Response-Suppress: All, which B honours
 *    (L10), so B does not acknowledge: 1 message crosses (TESTPLAN's bound is 2: were B to
 *    acknowledge, its Auto-Submitted mail would be stored by A and answered by nothing);
 *  - through a forwarder that strips Auto-Submitted, X-Auto-Response-Suppress and our loop header:
 *    still at most 10 per hour each way (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import type { CapturedMail } from '../../harness/smtp-sink.js';
import { Message, Person, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, Role } from '../../../src/entities/enums.js';
import { notify } from '../../../src/outbound/notify.js';
import { outboxSettled, startOutboundHarness, type OutboundHarness } from './outbound-harness.js';

const A = 'support@a.test';
const B = 'support@b.test';
const STRIPPED = /^(?:auto-submitted|x-auto-response-suppress|x-postdesk-loop):.*\r\n(?:[ \t].*\r\n)*/gim;

async function instance(address: string): Promise<OutboundHarness> {
  return startOutboundHarness({ SUPPORT_ADDRESS: address, EMERGENCY_ADDRESS: address.replace('support', 'emergency') });
}

/** The agent reply that starts it all: A's agent writes to B's support address. */
async function seed(a: OutboundHarness, subject: string): Promise<void> {
  await a.ingest.orm.em.fork().transactional(async (em) => {
    const customer = (await em.findOne(Person, { email: B })) ?? new Person(B, 'Support B');
    em.persist(customer);
    const ticket = new Ticket(subject, customer);
    em.persist(ticket);
    let agent = await em.findOne(Person, { email: 'agent@a.test' });
    if (!agent) {
      agent = new Person('agent@a.test', 'Agent A');
      agent.role = Role.AGENT;
      em.persist(agent);
    }
    const reply = new Message(ticket, MessageDirection.OUTBOUND);
    reply.author = agent;
    reply.bodyText = 'Hello B, please check your side.';
    em.persist(reply);
    await notify(em, { kind: 'public-reply', ticket, message: reply, actor: agent }, { config: a.ingest.config, secret: a.ingest.context.secret });
  });
}

/**
 * Relays mail not relayed before between the instances until nothing moves (at most `rounds`
 * rounds); returns the number of messages each way.
 */
const done = new Set<CapturedMail>();

async function relay(a: OutboundHarness, b: OutboundHarness, strip: boolean, rounds = 40): Promise<{ aToB: number; bToA: number }> {
  const counts = { aToB: 0, bToA: 0 };
  for (let round = 0; round < rounds; round++) {
    await outboxSettled(a.ingest.config.databaseUrl!);
    await outboxSettled(b.ingest.config.databaseUrl!);
    const pending = [
      ...a.sink.messages.filter((m) => !done.has(m) && m.to.includes(B)).map((m) => [m, b, 'aToB'] as const),
      ...b.sink.messages.filter((m) => !done.has(m) && m.to.includes(A)).map((m) => [m, a, 'bToA'] as const),
    ];
    if (pending.length === 0) return counts;
    for (const [mail, to, way] of pending) {
      done.add(mail);
      counts[way]++;
      const raw = strip ? Buffer.from(mail.raw.toString('latin1').replace(STRIPPED, ''), 'latin1') : mail.raw;
      await to.ingest.ingest(raw);
    }
  }
  return counts;
}

describe('two postdesk instances answering each other (L4)', () => {
  let a: OutboundHarness;
  let b: OutboundHarness;
  beforeAll(async () => {
    a = await instance(A);
    b = await instance(B);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('as sent: at most 2 messages cross; B opens a ticket; A stays silent', async () => {
    await seed(a, 'Your API returns 500');
    const counts = await relay(a, b, false);
    console.log(`L4 as sent: A→B ${counts.aToB}, B→A ${counts.bToA}`);
    // A's agent reply is a customer's mail to B (another desk's loop header is not B's own): a ticket.
    expect(counts.aToB).toBe(1);
    const bTickets = await queryDatabase<{ n: string }>(b.ingest.config.databaseUrl!, `select count(*)::text as n from ticket`);
    expect(bTickets[0]!.n).toBe('1');
    // Every postdesk mail carries X-Auto-Response-Suppress: All, which B honours (L10): B may stay
    // silent; if it acknowledges, that mail is automatic and A answers nothing.
    expect(counts.bToA).toBeLessThanOrEqual(1);
    expect(counts.aToB + counts.bToA).toBeLessThanOrEqual(2);
    const kept = await queryDatabase<{ n: string }>(
      a.ingest.config.databaseUrl!,
      `select ((select count(*) from message where direction = 'INBOUND') + (select count(*) from quarantined_message))::text as n`,
    );
    expect(kept[0]!.n).toBe(String(counts.bToA)); // whatever B sent, A kept
  });

  it('through a forwarder that strips Auto-Submitted and our loop header: at most 10 per hour each way', async () => {
    const before = { a: a.sink.messages.length, b: b.sink.messages.length };
    await seed(a, 'Second problem');
    const counts = await relay(a, b, true);
    console.log(`L4 stripped: A→B ${counts.aToB}, B→A ${counts.bToA} (after the first run's ${before.a} + ${before.b})`);
    expect(counts.aToB).toBeLessThanOrEqual(10);
    expect(counts.bToA).toBeLessThanOrEqual(10);
    expect(counts.aToB).toBeGreaterThanOrEqual(1);
  });
});
