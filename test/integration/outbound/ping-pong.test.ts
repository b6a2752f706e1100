/**
 * TESTPLAN L3: ping-pong against a naive autoresponder bot, 60 simulated minutes.
 *
 * The bot reads what postdesk sends it at the SMTP sink and answers every mail with "Re: …", with no
 * automatic headers (no Auto-Submitted, no Precedence, no X-Autoreply), so postdesk cannot tell it
 * from a person. It is the hard kind of bot: it keeps no In-Reply-To/References and rewrites the
 * subject each time (drops our [#N] tag, adds its own counter), so every answer looks like a new
 * conversation. (A bot that kept our tag or In-Reply-To would thread onto the ticket as a comment,
 * which postdesk never acknowledges, and the loop would die after one round.) When nothing new has
 * come in it re-sends its last answer, again under a new subject, every simulated 20 s — a stuck
 * retry timer: without it the ping-pong would stop as soon as postdesk stops answering (after K = 10
 * automatic mails), and the per-sender limit (20 new tickets per 10 minutes) would never be reached.
 *
 * The clock: ingest and notify read `now` from the ingest context, so each bot mail is ingested at
 * its simulated instant; the sender limit, the automatic-mail limit and the loop-suspected event are
 * all counted from those instants in PostgreSQL. The simulated hour lies two hours in the past, so the
 * real outbound worker (real pg-boss, real SMTP sink) sends each acknowledgement at once.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { Door } from '../../../src/entities/enums.js';
import { ingestMessage, type IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { mailsTo, outboxSettled, parseCaptured, startOutboundHarness, type OutboundHarness } from './outbound-harness.js';

const BOT = 'bot@robot.test';
const STEP_MS = 20_000;
const MINUTE = 60_000;
const RUN_MS = 60 * MINUTE;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('L3: ping-pong with a naive autoresponder', () => {
  let h: OutboundHarness;
  beforeAll(async () => {
    // The defaults, spelled out: K = 10 automatic mails per address per hour, 20 new tickets per sender per 10 minutes.
    h = await startOutboundHarness({ AUTOMATIC_MAIL_LIMIT: '10', SENDER_RATE_LIMIT: '20/10m' });
  });
  afterAll(async () => h?.close());

  it('60 simulated minutes: ≤ 10 automatic mails to the bot, one loop-suspected event, every bot mail stored, ≤ 20 bot tickets per 10 minutes, the rest quarantined', async () => {
    const url = h.ingest.config.databaseUrl!;
    const start = Date.now() - 2 * RUN_MS;
    let clock = start;
    const ctx = { ...h.ingest.context, now: () => new Date(clock) };

    const sent: { at: number; raw: Buffer; messageId: string; outcome: IngestOutcome }[] = [];
    let counter = 0;
    let lastSubject = 'Hello from the robot';
    const send = async (subject: string) => {
      counter++;
      const messageId = randomMessageId('robot.test');
      const raw = await buildMail({ from: `Robot <${BOT}>`, subject, messageId, text: `Thank you for your message (${counter}).`, date: new Date(clock) });
      const outcome = await ingestMessage(h.ingest.orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, ctx);
      sent.push({ at: clock, raw, messageId, outcome });
      // Let the worker send whatever this caused before the bot looks at its inbox again.
      if (outcome.kind === 'ticket') await outboxSettled(url);
    };

    await send(lastSubject);
    let read = 0;
    for (clock = start + STEP_MS; clock < start + RUN_MS; clock += STEP_MS) {
      const inbox = mailsTo(h.sink, BOT);
      const fresh = inbox.slice(read);
      read = inbox.length;
      if (fresh.length === 0) {
        await send(`Re: ${lastSubject.replace(/ \(\d+\)$/, '')} (${counter + 1})`); // the stuck timer
        continue;
      }
      for (const mail of fresh) {
        const { parsed } = await parseCaptured(mail);
        lastSubject = `Re: ${(parsed.subject ?? '').replace(/\[#\d+\]\s*/g, '')}`;
        await send(`${lastSubject} (${counter + 1})`);
      }
    }
    await outboxSettled(url);

    // Automatic mails to the bot: K at most, and none is the bot's "fault" — postdesk stopped by itself.
    const toBot = mailsTo(h.sink, BOT);
    const ticketsOpened = sent.filter((s) => s.outcome.kind === 'ticket');
    const quarantined = sent.filter((s) => s.outcome.kind === 'quarantined');
    console.log(`L3: ${sent.length} bot mails in 60 simulated minutes → ${ticketsOpened.length} tickets, ${quarantined.length} quarantined; ${toBot.length} automatic mails to the bot (limit 10)`);
    expect(toBot.length).toBeGreaterThan(0);
    expect(toBot.length).toBeLessThanOrEqual(10);
    for (const mail of toBot) expect((await parseCaptured(mail)).header('auto-submitted')).toBe('auto-replied');
    const automaticRows = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from outbound_delivery where automatic and $1 = any(recipients)`, [BOT]);
    expect(Number(automaticRows[0]!.n)).toBe(toBot.length);

    // Exactly one loop-suspected event for the bot's address.
    const loops = await queryDatabase<{ n: string }>(url, `select count(*)::text as n from ticket_event where kind = 'loop-suspected' and to_value = $1`, [BOT]);
    expect(loops[0]!.n).toBe('1');

    // Every bot message stored: as a ticket's message (by Message-ID) or as a quarantined raw source (by hash).
    expect(ticketsOpened.length + quarantined.length).toBe(sent.length);
    const stored = await queryDatabase<{ message_id: string }>(url, `select message_id from message where direction = 'INBOUND'`);
    const storedIds = new Set(stored.map((r) => r.message_id));
    for (const s of ticketsOpened) expect(storedIds.has(s.messageId)).toBe(true);
    const held = await queryDatabase<{ sha256: string; reason_code: string }>(url, `select r.sha256, q.reason_code from quarantined_message q join raw_source r on r.id = q.raw_source_id`);
    expect(held).toHaveLength(quarantined.length);
    const heldHashes = new Set(held.map((r) => r.sha256));
    for (const s of quarantined) expect(heldHashes.has(sha256(s.raw))).toBe(true);
    // ...and the rest is quarantined for the per-sender limit, nothing else.
    expect(quarantined.length).toBeGreaterThan(0);
    expect(new Set(held.map((r) => r.reason_code))).toEqual(new Set(['RATE_LIMITED']));

    // New tickets from the bot: never more than 20 in any 10-minute window (checked at each ticket).
    const created = (
      await queryDatabase<{ created_at: Date }>(url, `select t.created_at from ticket t join person p on p.id = t.requester_id where p.email = $1 order by t.created_at`, [BOT])
    ).map((r) => r.created_at.getTime());
    expect(created).toHaveLength(ticketsOpened.length);
    for (const t of created) expect(created.filter((c) => c > t - 10 * MINUTE && c <= t).length).toBeLessThanOrEqual(20);
    // Over the hour the limit lets through 20 per window, so more than the 10 acknowledged tickets exist.
    expect(ticketsOpened.length).toBeGreaterThan(toBot.length);
  });
});
