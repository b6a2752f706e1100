/**
 * TESTPLAN F6 as a test: the SMTP sink stops in the middle of a 1,000-mail run and comes back on the
 * same port → all 1,000 delivered, duplicates by Message-ID 0.
 *
 * The outage here is 15 s, not the 60 s of `npm run bench:outbound` (phase "outage"), because the
 * retry schedule is configurable: OUTBOUND_RETRY_DELAY_SECONDS=1 doubling to
 * OUTBOUND_RETRY_MAX_DELAY_SECONDS=5 (production: 10 s doubling to 900 s). 15 s still spans several
 * refused retries of every queued mail (asserted below), which is what the 60 s outage exercises; a
 * longer one would only add waiting. Mails are status-change notifications written by notify() in
 * concurrent transactions, as the mutations write them; the real worker (pg-boss) sends them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase } from '../../harness/eventually.js';
import { startSmtpSink, type CapturedMail, type SmtpSink } from '../../harness/smtp-sink.js';
import { Person, Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { notify } from '../../../src/outbound/notify.js';
import { startOutboundHarness, type OutboundHarness } from './outbound-harness.js';

const MAILS = 1000;
const OUTAGE_MS = 15_000;
const BATCH = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); await sleep(20)) if (Date.now() > end) throw new Error(`${what} not reached within ${timeoutMs / 1000} s`);
}

function messageIdOf(mail: CapturedMail): string {
  return /^Message-ID:\s*<([^>]+)>/im.exec(mail.raw.toString('latin1'))?.[1] ?? '(none)';
}

describe('F6: SMTP sink stopped during a 1,000-mail run', () => {
  let h: OutboundHarness;
  const sinks: SmtpSink[] = [];

  beforeAll(async () => {
    sinks.push(await startSmtpSink());
    h = await startOutboundHarness({ OUTBOUND_RETRY_DELAY_SECONDS: '1', OUTBOUND_RETRY_MAX_DELAY_SECONDS: '5', OUTBOUND_CONCURRENCY: '20' }, {}, sinks[0]);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all(sinks.slice(1).map((s) => s.stop()));
  });

  it(`all ${MAILS} delivered once after a ${OUTAGE_MS / 1000} s outage (duplicates by Message-ID 0)`, async () => {
    const url = h.ingest.config.databaseUrl!;
    const { config, secret } = h.ingest.context;
    const orm = h.ingest.orm;
    // One ticket per requester (the hourly automatic-mail limit is per address and is not under test here).
    await orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < MAILS; i++) em.persist(new Ticket(`Outage ticket ${i}`, new Person(`outage-${i}@customer.test`, `Customer ${i}`)));
    });
    const ids = (await queryDatabase<{ id: number }>(url, `select id from ticket order by id`)).map((r) => r.id);
    expect(ids).toHaveLength(MAILS);

    // Status changes, BATCH per transaction, four transactions at a time.
    const starts = ids.map((_, i) => i).filter((i) => i % BATCH === 0);
    const enqueuing = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
          await orm.em.fork().transactional(async (em) => {
            for (const ticket of await em.find(Ticket, { id: { $in: ids.slice(start, start + BATCH) } }, { populate: ['requester'] })) {
              const from = ticket.status;
              ticket.status = TicketStatus.IN_PROGRESS;
              await notify(em, { kind: 'status-changed', ticket, from, to: TicketStatus.IN_PROGRESS, actor: null }, { config, secret });
            }
          });
        }
      }),
    );

    const first = sinks[0]!;
    await until(() => first.messages.length >= MAILS * 0.3, '30 % delivered', 120_000);
    await first.stop();
    const atStop = first.messages.length;
    await enqueuing;
    await sleep(OUTAGE_MS);
    // Every mail still queued has been refused at least twice while the sink was down.
    const waiting = await queryDatabase<{ queued: string; retried: string }>(
      url,
      `select count(*)::text as queued, count(*) filter (where attempts >= 2 and last_error is not null)::text as retried from outbound_delivery where status = 'QUEUED'`,
    );
    expect(Number(waiting[0]!.queued)).toBe(MAILS - atStop);
    expect(waiting[0]!.retried).toBe(waiting[0]!.queued);

    sinks.push(await startSmtpSink({ port: first.port }));
    const all = () => sinks.flatMap((s) => s.messages);
    await until(() => new Set(all().map(messageIdOf)).size >= MAILS, `all ${MAILS} delivered after the outage`, 120_000);
    await sleep(3000); // a late duplicate would show up here
    const delivered = all();
    const unique = new Set(delivered.map(messageIdOf));
    console.log(`F6: sink stopped after ${atStop} mails for ${OUTAGE_MS / 1000} s; ${unique.size} delivered, ${delivered.length - unique.size} duplicates by Message-ID`);
    expect(unique.size).toBe(MAILS);
    expect(delivered.length - unique.size).toBe(0);
    const rows = await queryDatabase<{ status: string; n: string }>(url, `select status, count(*)::text as n from outbound_delivery group by status`);
    expect(rows).toEqual([{ status: 'SENT', n: String(MAILS) }]);
  }, 180_000);
});
