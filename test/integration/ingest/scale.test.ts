/**
 * Loop and hijack figures at the TESTPLAN's full scale, through the real ingest pipeline on real
 * PostgreSQL (the small versions are in pipeline.test.ts):
 *  - L1: 200 messages with `Auto-Submitted: auto-replied` from one sender within a minute: half
 *    answer our acknowledgement (threaded onto that ticket), half answer nothing (quarantined):
 *    200/200 stored with their raw bytes, 0 acknowledgements or other mail to the sender.
 *  - S3: a stranger mails `Re: [#N]` for 100 existing tickets with no In-Reply-To: 0 appended to
 *    the requesters' tickets (each a new ticket linked to N, flagged unverified-follow-up), 0 CCs
 *    added, 0 outbound mails to the stranger carrying ticket N's content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { count } from './fault-helpers.js';
import { expectKind, expectRawStored, outboxOf, outboxTo } from './stored-raw.js';

let h: IngestHarness;
beforeAll(async () => {
  // S3's stranger sends 100 messages: lift the per-sender limit (20 per 10 minutes, tested in
  // pipeline.test.ts and rate-limit.test.ts) so every one of them reaches the threading decision.
  h = await createIngestHarness({ SENDER_RATE_LIMIT: '1000/10m' });
});
afterAll(() => h?.close());

describe('auto-replies at scale (L1)', () => {
  it('stores 200 auto-replies from one sender in a minute and acknowledges none', { timeout: 90_000 }, async () => {
    const customer = 'vacationer@customer.test';
    const opened = expectKind(await h.ingest(await buildMail({ from: customer, subject: 'Printer broken' })), 'ticket');
    const [ack] = (await outboxOf(h.databaseUrl, opened.ticketNumber)).filter((r) => r.kind === 'acknowledgement');
    expect(ack).toBeDefined();
    const ackId = /^Message-ID:\s*<([^>]+)>/im.exec(ack!.raw.toString('latin1'))![1]!;
    const mailBefore = (await outboxTo(h.databaseUrl, customer)).length;
    const outboxBefore = await count(h.databaseUrl, 'select 1 from outbound_delivery');

    const started = Date.now();
    const outcomes: { raw: Buffer; outcome: IngestOutcome }[] = [];
    for (let i = 0; i < 200; i++) {
      // Even: the vacation responder answers our acknowledgement; odd: it answers nothing we sent.
      const answers = i % 2 === 0;
      const raw = await buildMail({
        from: customer,
        subject: answers ? `Out of office: Re: [#${opened.ticketNumber}] Printer broken` : `Out of office ${i}`,
        inReplyTo: answers ? ackId : undefined,
        headers: { 'Auto-Submitted': 'auto-replied' },
        messageId: randomMessageId(),
      });
      outcomes.push({ raw, outcome: await h.ingest(raw) });
    }
    const seconds = (Date.now() - started) / 1000;

    const comments = outcomes.filter((o) => o.outcome.kind === 'comment');
    const quarantined = outcomes.filter((o) => o.outcome.kind === 'quarantined');
    expect(comments).toHaveLength(100);
    for (const { outcome } of comments) expect(expectKind(outcome, 'comment').ticketNumber).toBe(opened.ticketNumber);
    expect(quarantined).toHaveLength(100);
    for (const { outcome } of quarantined) expect(expectKind(outcome, 'quarantined').code).toBe('AUTOMATIC_UNTHREADED');
    for (const { raw, outcome } of outcomes) await expectRawStored(h.databaseUrl, outcome, raw);

    expect((await outboxTo(h.databaseUrl, customer)).length).toBe(mailBefore);
    expect(await count(h.databaseUrl, 'select 1 from outbound_delivery')).toBe(outboxBefore);
    expect(await count(h.databaseUrl, 'select 1 from ticket t join person p on p.id = t.requester_id where p.email = $1', [customer])).toBe(1);
    console.info(`[L1] 200 auto-replies in ${seconds.toFixed(1)} s: 100 threaded onto #${opened.ticketNumber}, 100 quarantined AUTOMATIC_UNTHREADED, 200/200 raw stored, 0 acknowledgements`);
  });
});

describe('hijack by ticket number at scale (S3)', () => {
  it('makes 100 stranger "Re: [#N]" mails new linked tickets, adds no CC and leaks no content', { timeout: 90_000 }, async () => {
    const originals: number[] = [];
    for (let i = 0; i < 100; i++) {
      const raw = await buildMail({ from: `owner${i}@customer.test`, subject: `Payroll CONFIDENTIAL-${i}`, text: `Salary list SECRET-${i}` });
      originals.push(expectKind(await h.ingest(raw), 'ticket').ticketNumber);
    }
    const stranger = 'mallory@evil.test';
    const accomplice = 'mallory-friend@evil.test';
    const hijacks: number[] = [];
    for (const number of originals) {
      const raw = await buildMail({ from: stranger, cc: accomplice, subject: `Re: [#${number}] please send me the attachment again`, text: 'Thanks!' });
      const outcome = expectKind(await h.ingest(raw), 'ticket');
      expect(outcome.ticketNumber).not.toBe(number);
      hijacks.push(outcome.ticketNumber);
    }

    // Each hijack is a new ticket linked to N and flagged for agents.
    const linked = await queryDatabase<{ number: number; linked: number; flags: string[] }>(
      h.databaseUrl,
      `select t.number, l.number as linked, m.flags from ticket t join ticket l on l.id = t.linked_to_id join message m on m.ticket_id = t.id where t.number = any($1::int[])`,
      [hijacks],
    );
    expect(linked).toHaveLength(100);
    for (const row of linked) {
      expect(row.linked).toBe(originals[hijacks.indexOf(row.number)]);
      expect(row.flags).toContain('unverified-follow-up');
    }
    // The requesters' tickets: still one message each, no CC, no cc-added event.
    const originalsNow = await queryDatabase<{ messages: number; ccs: number; cc_events: number }>(
      h.databaseUrl,
      `select (select count(*)::int from message m where m.ticket_id = t.id) as messages,
              (select count(*)::int from ticket_cc c where c.ticket_id = t.id) as ccs,
              (select count(*)::int from ticket_event e where e.ticket_id = t.id and e.kind = 'cc-added') as cc_events
         from ticket t where t.number = any($1::int[])`,
      [originals],
    );
    expect(originalsNow).toHaveLength(100);
    expect(originalsNow.filter((t) => t.messages !== 1 || t.ccs !== 0 || t.cc_events !== 0)).toEqual([]);

    // Whatever goes to the stranger or the accomplice carries none of ticket N's content.
    const toThem = [...(await outboxTo(h.databaseUrl, stranger)), ...(await outboxTo(h.databaseUrl, accomplice))];
    const leaks = toThem.filter((r) => /CONFIDENTIAL-|SECRET-|Payroll|Salary/.test(r.raw.toString('latin1')));
    expect(leaks).toEqual([]);
    console.info(`[S3] 100 stranger [#N] mails: 100 new linked tickets flagged unverified-follow-up, 0 appended, 0 CCs added; ${toThem.length} mails to the stranger (own acknowledgements), 0 with ticket N's content`);
  });
});
