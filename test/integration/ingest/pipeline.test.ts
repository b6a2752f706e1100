/**
 * The ingest command end to end on real PostgreSQL: threading, people, state on reply,
 * de-duplication, automatic mail, bounces, quarantine. (Doors and IMAP have their own files.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, Person, QuarantinedMessage, Ticket, TicketEvent } from '../../../src/entities/index.js';
import { MessageDirection, Priority, TicketStatus, TicketType } from '../../../src/entities/enums.js';
import type { IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { ANSWER_BEFORE_ORIGINAL_DAYS } from '../../../src/ingest/lookup-thread.js';
import { ourMessageId, messageIdDomain } from '../../../src/mail/headers.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness();
});
afterAll(() => h.close());

function expectKind<K extends IngestOutcome['kind']>(outcome: IngestOutcome, kind: K): Extract<IngestOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<IngestOutcome, { kind: K }>;
}

async function ticket(number: number) {
  return h.orm.em.fork().findOneOrFail(Ticket, { number }, { populate: ['messages', 'ccs', 'requester', 'queue', 'linkedTo'] });
}

async function events(number: number): Promise<TicketEvent[]> {
  return h.orm.em.fork().find(TicketEvent, { ticket: { number } }, { orderBy: { id: 'asc' } });
}

/** A unique sender per test, so the per-sender rate limit of one test never touches another. */
let senders = 0;
const sender = () => `customer${++senders}@customer.test`;

describe('new tickets', () => {
  it('stores attachment files and the raw source byte-identical', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 7), Buffer.from('\n%%EOF\n')]);
    const raw = await buildMail({ from: sender(), subject: 'Report attached', attachments: [{ filename: 'report.pdf', content: pdf, contentType: 'application/pdf' }] });
    const outcome = expectKind(await h.ingest(raw), 'ticket');
    const em = h.orm.em.fork();
    const [row] = await em.execute<{ content: Buffer; size: number; raw: Buffer }[]>(
      `select a.content, a.size, r.content as raw from attachment a join message m on m.id = a.message_id join raw_source r on r.id = m.raw_source_id join ticket t on t.id = m.ticket_id where t.number = ?`,
      [outcome.ticketNumber],
    );
    expect(row?.size).toBe(pdf.length);
    expect(Buffer.compare(row!.content, pdf)).toBe(0);
    expect(Buffer.compare(row!.raw, raw)).toBe(0);
  });

  it('turns a first message into an OPEN ticket in the default queue with requester and CCs', async () => {
    const from = sender();
    const outcome = expectKind(
      await h.ingest(await buildMail({ from: `Zoë Müller <${from.toUpperCase()}>`, to: ['support@example.com', 'colleague@customer.test'], cc: 'boss@customer.test', subject: 'Printer on fire' })),
      'ticket',
    );
    expect(outcome.acknowledge).toBe(true);
    const t = await ticket(outcome.ticketNumber);
    expect(t).toMatchObject({ subject: 'Printer on fire', status: TicketStatus.OPEN, priority: Priority.NORMAL });
    expect(t.queue?.name).toBe('General');
    expect(t.requester).toMatchObject({ email: from, name: 'Zoë Müller' });
    expect(t.ccs.getItems().map((p) => p.email).sort()).toEqual(['boss@customer.test', 'colleague@customer.test']);
    expect(t.messages.getItems()).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({ direction: MessageDirection.INBOUND, bodyText: expect.stringContaining('something is broken') });
  });

  it('makes mail to the emergency address an URGENT INCIDENT with an emergency event', async () => {
    const outcome = expectKind(await h.ingest(await buildMail({ from: sender(), to: 'emergency@example.com', subject: 'Site down' })), 'ticket');
    const t = await ticket(outcome.ticketNumber);
    expect(t).toMatchObject({ priority: Priority.URGENT, type: TicketType.INCIDENT });
    expect((await events(outcome.ticketNumber)).map((e) => e.kind)).toContain('emergency');
  });
});

describe('threading', () => {
  it('threads a reply by In-Reply-To even when the subject changed', async () => {
    const from = sender();
    const first = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId: first, subject: 'VPN broken' })), 'ticket');
    const reply = expectKind(await h.ingest(await buildMail({ from, inReplyTo: first, subject: 'totally different' })), 'comment');
    expect(reply.ticketNumber).toBe(opened.ticketNumber);
  });

  it('threads by References alone, newest first', async () => {
    const from = sender();
    const first = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId: first })), 'ticket');
    const reply = expectKind(await h.ingest(await buildMail({ from, references: ['unknown@elsewhere.test', first, 'also-unknown@x.test'] })), 'comment');
    expect(reply.ticketNumber).toBe(opened.ticketNumber);
  });

  it('threads a [#N] tag from the requester, and opens a linked ticket for a stranger (S3)', async () => {
    const from = sender();
    const opened = expectKind(await h.ingest(await buildMail({ from, subject: 'Laptop' })), 'ticket');
    const tagged = expectKind(await h.ingest(await buildMail({ from, subject: `AW: Re: [#${opened.ticketNumber}] Laptop` })), 'comment');
    expect(tagged.ticketNumber).toBe(opened.ticketNumber);
    const stranger = expectKind(await h.ingest(await buildMail({ from: 'mallory@evil.test', cc: 'mallory2@evil.test', subject: `Re: [#${opened.ticketNumber}] Laptop` })), 'ticket');
    expect(stranger.ticketNumber).not.toBe(opened.ticketNumber);
    const linked = await ticket(stranger.ticketNumber);
    expect(linked.linkedTo?.number).toBe(opened.ticketNumber);
    expect(linked.messages[0]?.flags).toContain('unverified-follow-up');
    const original = await ticket(opened.ticketNumber);
    expect(original.messages).toHaveLength(2);
    expect(original.ccs.getItems().map((p) => p.email)).not.toContain('mallory2@evil.test');
  });

  it('ignores a [#N] tag for a ticket that does not exist', async () => {
    const outcome = expectKind(await h.ingest(await buildMail({ from: sender(), subject: 'Re: [#987654] ghost' })), 'ticket');
    expect((await ticket(outcome.ticketNumber)).linkedTo).toBeNull();
  });

  it('never matches a forged postdesk Message-ID (S4)', async () => {
    const from = sender();
    const opened = expectKind(await h.ingest(await buildMail({ from })), 'ticket');
    const t = await ticket(opened.ticketNumber);
    const domain = messageIdDomain(h.config.supportAddress);
    const genuine = ourMessageId(h.context.secret, domain, t.id, t.messages[0]!.id);
    const forged = genuine.replace(/\.([0-9a-f]{24})@/, (_m, mac: string) => `.${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}@`);
    const attack = expectKind(await h.ingest(await buildMail({ from: 'mallory@evil.test', inReplyTo: forged })), 'ticket');
    expect(attack.ticketNumber).not.toBe(opened.ticketNumber);
    expect((await ticket(attack.ticketNumber)).messages[0]?.flags).toContain('forged-reference');
    const real = expectKind(await h.ingest(await buildMail({ from, inReplyTo: genuine })), 'comment');
    expect(real.ticketNumber).toBe(opened.ticketNumber);
  });

  it('threads a message that arrives after the reply-all answering it onto the reply\'s ticket', async () => {
    // The customer writes to support and a colleague; the colleague's reply-all gets here first
    // (the original was greylisted or queued on the way) and opens the ticket, with the customer as a CC.
    const customer = sender();
    const colleague = sender();
    const original = randomMessageId();
    const answer = expectKind(
      await h.ingest(await buildMail({ from: colleague, to: ['support@example.com', customer], inReplyTo: original, references: [original], subject: 'Re: Printer jammed' })),
      'ticket',
    );
    expect((await ticket(answer.ticketNumber)).ccs.getItems().map((p) => p.email)).toContain(customer);
    const late = expectKind(await h.ingest(await buildMail({ from: customer, to: 'support@example.com', cc: colleague, messageId: original, subject: 'Printer jammed' })), 'comment');
    expect(late.ticketNumber).toBe(answer.ticketNumber);
    const t = await ticket(answer.ticketNumber);
    expect(t.messages.getItems()).toHaveLength(2);
    expect(t.messages.getItems().find((m) => m.messageId === original)?.flags).toContain('arrived-after-answer');
    // By References alone, too.
    const parent = randomMessageId();
    const byReferences = expectKind(await h.ingest(await buildMail({ from: colleague, cc: customer, references: ['older@elsewhere.test', parent] })), 'ticket');
    expect(expectKind(await h.ingest(await buildMail({ from: customer, messageId: parent })), 'comment').ticketNumber).toBe(byReferences.ticketNumber);
  });

  it('puts a reply and its original that arrive at the same moment on one ticket, whichever commits first', async () => {
    // Both are held at the same point, after their threading look-ups: each needs the customer's
    // person row (the original's requester, the reply's CC), which another session has locked.
    // Without a lock between them, both look, find nothing, and open a ticket each.
    const customer = sender();
    expectKind(await h.ingest(await buildMail({ from: customer, subject: 'An earlier question' })), 'ticket');
    const original = randomMessageId();
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from person where email = $1 for update', [customer]);
      const reply = h.ingest(await buildMail({ from: sender(), to: ['support@example.com', customer], inReplyTo: original }));
      const first = h.ingest(await buildMail({ from: customer, messageId: original }));
      const waiting = `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      await eventually(async () => Number((await queryDatabase<{ n: string }>(h.databaseUrl, waiting))[0]!.n) === 2, 'both commits waiting');
      await blocker.query('commit');
      const [answer, late] = await Promise.all([reply, first]);
      expect(['ticket', 'comment']).toContain(answer.kind);
      expect('ticketNumber' in answer && answer.ticketNumber).toBe('ticketNumber' in late && late.ticketNumber);
    } finally {
      await blocker.end();
    }
  });

  it('opens a ticket of its own for a late original from someone who is not on the answer\'s ticket', async () => {
    // Someone who knows (or guesses) a Message-ID cannot make another person's later mail land on their ticket.
    const planted = randomMessageId();
    const trap = expectKind(await h.ingest(await buildMail({ from: 'mallory@evil.test', inReplyTo: planted })), 'ticket');
    const victim = expectKind(await h.ingest(await buildMail({ from: sender(), messageId: planted, subject: 'My password reset' })), 'ticket');
    expect(victim.ticketNumber).not.toBe(trap.ticketNumber);
    expect((await ticket(trap.ticketNumber)).messages.getItems()).toHaveLength(1);
    expect((await ticket(victim.ticketNumber)).messages[0]?.flags).not.toContain('arrived-after-answer');
  });

  it(`opens a ticket of its own for an original that arrives more than ${ANSWER_BEFORE_ORIGINAL_DAYS} days after its answer`, async () => {
    const customer = sender();
    const original = randomMessageId();
    const answer = expectKind(await h.ingest(await buildMail({ from: sender(), cc: customer, inReplyTo: original })), 'ticket');
    await h.orm.em.fork().execute(`update message set created_at = now() - interval '${ANSWER_BEFORE_ORIGINAL_DAYS + 1} days' where id = ?`, [answer.messageRowId]);
    const late = expectKind(await h.ingest(await buildMail({ from: customer, messageId: original })), 'ticket');
    expect(late.ticketNumber).not.toBe(answer.ticketNumber);
  });

  it('starts a new ticket for a forward without known references', async () => {
    const from = sender();
    const opened = expectKind(await h.ingest(await buildMail({ from, subject: 'Invoice' })), 'ticket');
    const forward = expectKind(await h.ingest(await buildMail({ from, subject: `Fwd: [#${opened.ticketNumber}] Invoice` })), 'ticket');
    expect(forward.ticketNumber).not.toBe(opened.ticketNumber);
  });
});

describe('state on reply', () => {
  async function closedTicket(from: string, closedDaysAgo: number): Promise<{ number: number; messageId: string }> {
    const messageId = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId, text: 'My screen flickers.' })), 'ticket');
    const em = h.orm.em.fork();
    await em.nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.CLOSED, closedAt: new Date(Date.now() - closedDaysAgo * 86_400_000) });
    return { number: opened.ticketNumber, messageId };
  }

  it('moves WAITING_FOR_CUSTOMER back to OPEN when the customer answers', async () => {
    const from = sender();
    const messageId = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId })), 'ticket');
    await h.orm.em.fork().nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.WAITING_FOR_CUSTOMER });
    expectKind(await h.ingest(await buildMail({ from, inReplyTo: messageId, text: 'Here is the serial number: 42' })), 'comment');
    expect((await ticket(opened.ticketNumber)).status).toBe(TicketStatus.OPEN);
  });

  it('does not reopen a closed ticket for a bare quote', async () => {
    const from = sender();
    const closed = await closedTicket(from, 1);
    const quoteOnly = 'On Mon, 1 Jan 2026 at 10:00, Support <support@example.com> wrote:\n> My screen flickers.\n> Anything else?\n';
    const reply = expectKind(await h.ingest(await buildMail({ from, inReplyTo: closed.messageId, text: quoteOnly })), 'comment');
    const t = await ticket(closed.number);
    expect(t.status).toBe(TicketStatus.CLOSED);
    expect(t.messages.getItems().find((m) => m.id === reply.messageRowId)?.flags).toContain('quoted-only');
  });

  it('reopens a closed ticket for new text, recording the event', async () => {
    const from = sender();
    const closed = await closedTicket(from, 1);
    const text = 'It is flickering again since this morning.\n\nOn Mon, Support wrote:\n> closed\n';
    expectKind(await h.ingest(await buildMail({ from, inReplyTo: closed.messageId, text })), 'comment');
    expect((await ticket(closed.number)).status).toBe(TicketStatus.OPEN);
    expect((await events(closed.number)).map((e) => [e.kind, e.fromValue, e.toValue])).toContainEqual(['reopened', 'CLOSED', 'OPEN']);
  });

  it('opens a new linked ticket for a reply long after closing', async () => {
    const from = sender();
    const closed = await closedTicket(from, 400);
    const outcome = expectKind(await h.ingest(await buildMail({ from, inReplyTo: closed.messageId, text: 'Same problem a year later.' })), 'ticket');
    expect((await ticket(outcome.ticketNumber)).linkedTo?.number).toBe(closed.number);
  });

  it('adds CCs the requester adds, never those a stranger adds (S8)', async () => {
    const from = sender();
    const messageId = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId })), 'ticket');
    await h.ingest(await buildMail({ from, inReplyTo: messageId, cc: 'newcc@customer.test', text: 'adding my colleague' }));
    await h.ingest(await buildMail({ from: 'outsider@other.test', inReplyTo: messageId, cc: 'outsider2@other.test', text: 'me too' }));
    const ccs = (await ticket(opened.ticketNumber)).ccs.getItems().map((p) => p.email);
    expect(ccs).toContain('newcc@customer.test');
    expect(ccs).not.toContain('outsider@other.test');
    expect(ccs).not.toContain('outsider2@other.test');
  });
});

describe('duplicates', () => {
  it('stores a message delivered twice once, and the emergency copy wins (D5)', async () => {
    const raw = await buildMail({ from: sender(), to: 'support@example.com', cc: 'ops@customer.test' });
    const first = expectKind(await h.ingest(raw, { mailbox: { name: 'support', role: 'SUPPORT', address: 'support@example.com' }, uidValidity: 1, uid: 1 }), 'ticket');
    const again = expectKind(await h.ingest(raw, { mailbox: { name: 'support', role: 'SUPPORT', address: 'support@example.com' }, uidValidity: 1, uid: 2 }), 'duplicate');
    expect(again.ticketNumber).toBe(first.ticketNumber);
    const emergencyCopy = Buffer.concat([Buffer.from('Delivered-To: emergency@example.com\r\n'), raw]);
    expectKind(await h.ingest(emergencyCopy, { mailbox: { name: 'emergency', role: 'EMERGENCY', address: 'emergency@example.com' }, uidValidity: 7, uid: 1 }), 'duplicate');
    const t = await ticket(first.ticketNumber);
    expect(t.messages).toHaveLength(1);
    expect(t).toMatchObject({ priority: Priority.URGENT, type: TicketType.INCIDENT });
    expect((await events(first.ticketNumber)).filter((e) => e.kind === 'emergency')).toHaveLength(1);
    expectKind(await h.ingest(emergencyCopy, { mailbox: { name: 'emergency', role: 'EMERGENCY', address: 'emergency@example.com' }, uidValidity: 7, uid: 1 }), 'already-ingested');
  });

  it('de-duplicates messages without a Message-ID by their bytes, never threading by them (D6)', async () => {
    const from = sender();
    const raw = await buildMail({ from, messageId: null, subject: 'no id' });
    expect(raw.toString()).not.toMatch(/^Message-ID:/im);
    const first = expectKind(await h.ingest(raw), 'ticket');
    expectKind(await h.ingest(raw), 'duplicate');
    const m = (await ticket(first.ticketNumber)).messages[0]!;
    expect(m.messageIdSynthetic).toBe(true);
    const replyToSynthetic = expectKind(await h.ingest(await buildMail({ from, inReplyTo: m.messageId! })), 'ticket');
    expect(replyToSynthetic.ticketNumber).not.toBe(first.ticketNumber);
  });

  it('keeps two different messages that share one Message-ID, flagged (D7)', async () => {
    const shared = randomMessageId('broken-sender.test');
    const a = expectKind(await h.ingest(await buildMail({ from: sender(), messageId: shared, text: 'first text' })), 'ticket');
    const b = await h.ingest(await buildMail({ from: sender(), messageId: shared, text: 'completely different text' }));
    expect(['ticket', 'comment']).toContain(b.kind);
    const stored = await h.orm.em.fork().find(Message, { messageId: shared });
    expect(stored).toHaveLength(2);
    for (const m of stored) expect(m.flags).toContain('shared-message-id');
    expect(a.kind).toBe('ticket');
  });
});

describe('automatic mail, bounces and loops', () => {
  it('files an auto-reply to a ticket without acknowledging or reopening it (L1)', async () => {
    const from = sender();
    const messageId = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId })), 'ticket');
    const outcome = expectKind(await h.ingest(await buildMail({ from, inReplyTo: messageId, subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } })), 'comment');
    expect(outcome.ticketNumber).toBe(opened.ticketNumber);
    const unthreaded = expectKind(await h.ingest(await buildMail({ from, subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } })), 'quarantined');
    expect(unthreaded.code).toBe('AUTOMATIC_UNTHREADED');
  });

  it.each([
    ['Precedence: bulk', { Precedence: 'bulk' }],
    ['Precedence: junk', { Precedence: 'junk' }],
    ['Precedence: list', { Precedence: 'list' }],
    ['List-Id', { 'List-Id': 'Product news <news.vendor.example>' }],
    ['List-Unsubscribe', { 'List-Unsubscribe': '<mailto:leave@vendor.example>' }],
    ['an empty Return-Path', { 'Return-Path': '<>' }],
    ['Auto-Submitted: auto-generated', { 'Auto-Submitted': 'auto-generated' }],
  ])('stores list and system mail with %s as a flagged ticket, never acknowledged (L9)', async (_what, headers) => {
    const outcome = expectKind(await h.ingest(await buildMail({ from: sender(), subject: 'Newsletter', headers })), 'ticket');
    expect(outcome.acknowledge).toBe(false);
    const t = await ticket(outcome.ticketNumber);
    expect(t.messages[0]!.flags).toContain('automatic');
  });

  it('creates a ticket for human mail carrying X-Auto-Response-Suppress, without acknowledging it (L10)', async () => {
    const outcome = expectKind(await h.ingest(await buildMail({ from: sender(), headers: { 'X-Auto-Response-Suppress': 'All' } })), 'ticket');
    expect(outcome.acknowledge).toBe(false);
  });

  it('attaches a bounce of a message we stored to its ticket as a note and marks the recipient (L5)', async () => {
    const from = sender();
    const messageId = randomMessageId('example.com');
    const opened = expectKind(await h.ingest(await buildMail({ from, messageId })), 'ticket');
    const dsn = Buffer.from(
      [
        'From: MAILER-DAEMON@mx.customer.test',
        `To: support@example.com`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <${randomMessageId('mx.customer.test')}>`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        'I could not deliver your message.',
        '--b1',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.customer.test',
        '',
        `Final-Recipient: rfc822; ${from}`,
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--b1',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: <${messageId}>`,
        'Subject: whatever',
        '',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const note = expectKind(await h.ingest(dsn), 'note');
    expect(note.ticketNumber).toBe(opened.ticketNumber);
    const t = await ticket(opened.ticketNumber);
    expect(t.messages.getItems().find((m) => m.id === note.messageRowId)?.direction).toBe(MessageDirection.NOTE);
    expect((await h.orm.em.fork().findOneOrFail(Person, { email: from })).undeliverableSince).toBeInstanceOf(Date);
  });

  it('records our own mail coming back without making a ticket (L8)', async () => {
    const outcome = expectKind(await h.ingest(await buildMail({ from: 'Support <support@example.com>', to: 'customer@customer.test' })), 'quarantined');
    expect(outcome.code).toBe('OWN_MAIL');
  });

  it('quarantines a message with more than 50 Received headers as a probable loop (L12)', async () => {
    const received = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.test by hop${i + 1}.test; Mon, 1 Jan 2026 00:00:00 +0000`).join('\r\n');
    const raw = Buffer.concat([Buffer.from(`${received}\r\n`), await buildMail({ from: sender() })]);
    expect(expectKind(await h.ingest(raw), 'quarantined').code).toBe('PROBABLE_LOOP');
  });

  it('quarantines a sender past 20 new tickets in 10 minutes, storing every message (L2)', async () => {
    const from = sender();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 25; i++) outcomes.push(await h.ingest(await buildMail({ from, subject: `Question ${i}` })));
    expect(outcomes.filter((o) => o.kind === 'ticket')).toHaveLength(20);
    const limited = outcomes.filter((o): o is Extract<IngestOutcome, { kind: 'quarantined' }> => o.kind === 'quarantined');
    expect(limited).toHaveLength(5);
    expect(new Set(limited.map((o) => o.code))).toEqual(new Set(['RATE_LIMITED']));
    const kept = await h.orm.em.fork().count(QuarantinedMessage, { id: { $in: limited.map((o) => o.quarantineId) }, rawSource: { $ne: null } });
    expect(kept).toBe(5);
  });

  it('never rate-limits the emergency path', async () => {
    const from = sender();
    for (let i = 0; i < 22; i++) await h.ingest(await buildMail({ from, subject: `Question ${i}` }));
    expectKind(await h.ingest(await buildMail({ from, to: 'emergency@example.com', subject: 'Everything is down' })), 'ticket');
  });
});
