/**
 * TESTPLAN S6 through the real ingest pipeline and a real gateway (PostgreSQL, GraphQL over HTTP),
 * with DNS answered by a fake zone (the test machines have no internet):
 *
 *  - a spoofed requester (DMARC fail, From domain p=reject) answering their closed ticket is stored
 *    and flagged, and changes nothing that needs identity: the ticket stays closed, no CC is added;
 *  - the same reply with DMARC pass (an aligned DKIM signature) reopens it and adds the CC;
 *  - the same from a domain with no DMARC record reopens it too, flagged unauthenticated;
 *  - the verdicts are stored with the messages and readable in GraphQL by admins and agents;
 *  - SENDER_AUTHENTICATION=off asks DNS nothing and stores no verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, Ticket, TicketEvent } from '../../../src/entities/index.js';
import { Door, TicketStatus } from '../../../src/entities/enums.js';
import { ingestMessage, type IngestOutcome, type Provenance } from '../../../src/ingest/ingest-message.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { FakeDns, signDkim, type DkimKey } from '../../harness/fake-dns.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
const dns = new FakeDns();
let bankKey: DkimKey;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  bankKey = dns.dmarc('bank.test', 'reject').dkimKey('bank.test');
  dns.dmarc('lenient.test', 'none');
  // nodmarc.test publishes nothing at all.
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

const PIPE: Provenance = { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null };

function ingest(raw: Buffer): Promise<IngestOutcome> {
  return ingestMessage(h.orm, raw, PIPE, { ...h.context, dnsResolver: dns.resolver });
}

function expectKind<K extends IngestOutcome['kind']>(outcome: IngestOutcome, kind: K): Extract<IngestOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<IngestOutcome, { kind: K }>;
}

interface Scenario {
  ticketNumber: number;
  replyRowId: number;
  ticket: Ticket;
  reply: Message;
  events: string[];
}

/**
 * The requester opens a ticket (authenticated when `signFirst`), an agent closes it, then "the
 * requester" answers with new text and a new CC, signed or not.
 */
async function closedTicketThenReply(from: string, options: { signFirst: boolean; signReply: boolean }): Promise<Scenario> {
  const first = randomMessageId();
  let raw = await buildMail({ from, messageId: first, text: 'My card was charged twice.' });
  if (options.signFirst) raw = await signDkim(raw, bankKey);
  const opened = expectKind(await ingest(raw), 'ticket');
  await h.orm.em.fork().nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.CLOSED, closedAt: new Date(Date.now() - 86_400_000) });

  let reply = await buildMail({
    from,
    to: 'support@example.com',
    cc: 'accomplice@elsewhere.test',
    inReplyTo: first,
    text: 'Please send the refund to my new account DE00 1234 instead.',
  });
  if (options.signReply) reply = await signDkim(reply, bankKey);
  const outcome = expectKind(await ingest(reply), 'comment');
  expect(outcome.ticketNumber).toBe(opened.ticketNumber);

  const em = h.orm.em.fork();
  const ticket = await em.findOneOrFail(Ticket, { number: opened.ticketNumber }, { populate: ['ccs'] });
  const message = await em.findOneOrFail(Message, outcome.messageRowId);
  const events = (await em.find(TicketEvent, { ticket }, { orderBy: { id: 'asc' } })).map((e) => e.kind);
  return { ticketNumber: opened.ticketNumber, replyRowId: outcome.messageRowId, ticket, reply: message, events };
}

describe('spoofed requester (S6)', () => {
  it('DMARC fail under p=reject: stored and flagged, the closed ticket stays closed, no CC added', async () => {
    const s = await closedTicketThenReply('Ceo <ceo@bank.test>', { signFirst: true, signReply: false });
    expect(s.reply.flags).toContain('unauthenticated-sender');
    expect(s.reply.auth).toMatchObject({ dkim: 'none', dmarc: 'fail', policy: 'reject', authenticated: false, enforcingFail: true });
    expect(s.ticket.status).toBe(TicketStatus.CLOSED);
    expect(s.ticket.ccs.getItems().map((p) => p.email)).toEqual([]);
    expect(s.events).not.toContain('reopened');
    expect(s.events).not.toContain('cc-added');
    console.info(`[S6] spoofed reply (dmarc=fail p=reject): stored as comment, flags ${JSON.stringify(s.reply.flags)}, ticket ${s.ticket.status}, CCs ${s.ticket.ccs.length}, events ${JSON.stringify(s.events)}`);
  });

  it('DMARC fail under p=reject on a WAITING_FOR_CUSTOMER ticket: no move to OPEN either', async () => {
    const first = randomMessageId();
    const opened = expectKind(await ingest(await signDkim(await buildMail({ from: 'ceo@bank.test', messageId: first }), bankKey)), 'ticket');
    await h.orm.em.fork().nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.WAITING_FOR_CUSTOMER });
    expectKind(await ingest(await buildMail({ from: 'ceo@bank.test', inReplyTo: first, text: 'Here is the answer.' })), 'comment');
    const ticket = await h.orm.em.fork().findOneOrFail(Ticket, { number: opened.ticketNumber });
    expect(ticket.status).toBe(TicketStatus.WAITING_FOR_CUSTOMER);
  });

  it('DMARC pass (aligned DKIM): the same reply reopens the ticket and adds the CC', async () => {
    const s = await closedTicketThenReply('Ceo <ceo@bank.test>', { signFirst: true, signReply: true });
    expect(s.reply.flags).not.toContain('unauthenticated-sender');
    expect(s.reply.auth).toMatchObject({ dkim: 'pass', dmarc: 'pass', authenticated: true, enforcingFail: false });
    expect(s.ticket.status).toBe(TicketStatus.OPEN);
    expect(s.ticket.ccs.getItems().map((p) => p.email)).toEqual(['accomplice@elsewhere.test']);
    expect(s.events).toEqual(expect.arrayContaining(['reopened', 'cc-added']));
  });

  it('no DMARC record: normal handling (reopens, CC added), flagged unauthenticated', async () => {
    const s = await closedTicketThenReply('Ann <ann@nodmarc.test>', { signFirst: false, signReply: false });
    expect(s.reply.flags).toContain('unauthenticated-sender');
    expect(s.reply.auth).toMatchObject({ dmarc: 'none', policy: null, authenticated: false, enforcingFail: false });
    expect(s.ticket.status).toBe(TicketStatus.OPEN);
    expect(s.ticket.ccs.getItems().map((p) => p.email)).toEqual(['accomplice@elsewhere.test']);
  });

  it('DMARC fail under p=none: normal handling, flagged unauthenticated', async () => {
    const s = await closedTicketThenReply('Lee <lee@lenient.test>', { signFirst: false, signReply: false });
    expect(s.reply.auth).toMatchObject({ dmarc: 'fail', policy: 'none', enforcingFail: false });
    expect(s.reply.flags).toContain('unauthenticated-sender');
    expect(s.ticket.status).toBe(TicketStatus.OPEN);
  });

  it('a DNS failure is a temperror: stored normally, not flagged, not quarantined', async () => {
    dns.broken.add('_dmarc.flaky.test');
    const outcome = expectKind(await ingest(await buildMail({ from: 'kim@flaky.test', subject: 'DNS trouble' })), 'ticket');
    const message = await h.orm.em.fork().findOneOrFail(Message, outcome.messageRowId);
    expect(message.auth).toMatchObject({ dmarc: 'temperror', enforcingFail: false });
    expect(message.flags).not.toContain('unauthenticated-sender');
  });
});

describe('verdicts in GraphQL', () => {
  it('Message.authentication is readable by admins and by agents of the queue', async () => {
    const signed = expectKind(await ingest(await signDkim(await buildMail({ from: 'ceo@bank.test', subject: 'Signed' }), bankKey)), 'ticket');
    const spoofed = expectKind(await ingest(await buildMail({ from: 'ceo@bank.test', subject: 'Spoofed' })), 'ticket');
    const admin = gw.adminToken;
    const created = await gql<{ createApiToken: { secret: string } }>(gw.url, admin, `mutation { createAgent(input: { email: "agent@example.com", name: "Agent", role: AGENT }) { userErrors { message } } }`);
    expect(created.errors).toBeUndefined();
    await gql(gw.url, admin, `mutation { addQueueAgent(queue: "General", email: "agent@example.com") { userErrors { message } } }`);
    const token = await gql<{ createApiToken: { secret: string } }>(gw.url, admin, `mutation { createApiToken(input: { email: "agent@example.com" }) { secret } }`);
    const agent = token.data!.createApiToken.secret;
    const query = `query($n: Int!) { ticket(number: $n) { messages { authentication { dmarc dkim spf authenticated } } } }`;
    for (const who of [admin, agent]) {
      const a = await gql<{ ticket: { messages: { authentication: unknown }[] } }>(gw.url, who, query, { n: signed.ticketNumber });
      expect(a.errors, JSON.stringify(a.errors)).toBeUndefined();
      expect(a.data!.ticket.messages[0]!.authentication).toEqual({ dmarc: 'pass', dkim: 'pass', spf: 'none', authenticated: true });
      const b = await gql<{ ticket: { messages: { authentication: unknown }[] } }>(gw.url, who, query, { n: spoofed.ticketNumber });
      expect(b.data!.ticket.messages[0]!.authentication).toEqual({ dmarc: 'fail', dkim: 'none', spf: 'none', authenticated: false });
    }
  });
});

describe('SENDER_AUTHENTICATION=off', () => {
  it('asks DNS nothing, stores no verdict and no flag, and lets the spoof act as before', async () => {
    const off = await createIngestHarness({ SENDER_AUTHENTICATION: 'off' }, gw.databaseUrl);
    try {
      const counting = new FakeDns();
      const before = counting.queries.length;
      const first = randomMessageId();
      const opened = expectKind(await ingestMessage(off.orm, await buildMail({ from: 'ceo@bank.test', messageId: first }), PIPE, { ...off.context, dnsResolver: counting.resolver }), 'ticket');
      const reply = expectKind(
        await ingestMessage(off.orm, await buildMail({ from: 'ceo@bank.test', inReplyTo: first, text: 'New text' }), PIPE, { ...off.context, dnsResolver: counting.resolver }),
        'comment',
      );
      expect(reply.ticketNumber).toBe(opened.ticketNumber);
      expect(counting.queries.length - before).toBe(0);
      const message = await off.orm.em.fork().findOneOrFail(Message, reply.messageRowId);
      expect(message.auth).toBeNull();
      expect(message.flags).not.toContain('unauthenticated-sender');
    } finally {
      await off.close();
    }
  });
});
