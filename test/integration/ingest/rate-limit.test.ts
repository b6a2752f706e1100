/**
 * The per-sender rate limit lives in PostgreSQL: it survives a restart (L13) and is shared by
 * instances (L14). A "restart" here is a new ORM and context on the same database — the gateway
 * keeps no rate-limit state of its own to lose.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

const open: IngestHarness[] = [];
afterAll(() => Promise.all(open.map((h) => h.close())));

async function instance(databaseUrl?: string): Promise<IngestHarness> {
  const h = await createIngestHarness({}, databaseUrl);
  open.push(h);
  return h;
}

const kinds = (outcomes: IngestOutcome[]) => outcomes.map((o) => (o.kind === 'quarantined' ? `quarantined:${o.code}` : o.kind));

describe('per-sender rate limit', () => {
  it('survives a restart: 15 before, 15 after, quarantine starts at message 21 (L13)', async () => {
    const first = await instance();
    const from = 'restart@customer.test';
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 15; i++) outcomes.push(await first.ingest(await buildMail({ from, subject: `before restart ${i}` })));
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await instance(first.databaseUrl);
    for (let i = 0; i < 15; i++) outcomes.push(await second.ingest(await buildMail({ from, subject: `after restart ${i}` })));
    expect(kinds(outcomes)).toEqual([...Array<string>(20).fill('ticket'), ...Array<string>(10).fill('quarantined:RATE_LIMITED')]);
  });

  it('is shared by two instances: 200 messages spread over both still give 20 tickets (L14)', async () => {
    const a = await instance();
    const b = await instance(a.databaseUrl);
    const from = 'two-instances@customer.test';
    const mails = await Promise.all(Array.from({ length: 200 }, (_, i) => buildMail({ from, subject: `spread ${i}` })));
    // Both instances work at the same time, each on every other message.
    const run = (h: IngestHarness, parity: number) => (async () => {
      const got: IngestOutcome[] = [];
      for (let i = parity; i < mails.length; i += 2) got.push(await h.ingest(mails[i]!));
      return got;
    })();
    const outcomes = (await Promise.all([run(a, 0), run(b, 1)])).flat();
    expect(outcomes.filter((o) => o.kind === 'ticket')).toHaveLength(20);
    expect(outcomes.filter((o) => o.kind === 'quarantined')).toHaveLength(180);
    const acknowledgements = await queryDatabase<{ n: string }>(a.databaseUrl, `select count(*) as n from outbound_delivery where $1 = any(recipients) and kind like 'acknowledgement%'`, [from]);
    // 20 tickets, but at most 10 automatic mails to one address per hour (the outbound limit).
    expect(Number(acknowledgements[0]!.n)).toBe(10);
    const stored = await queryDatabase<{ n: string }>(a.databaseUrl, `select count(*) as n from inbound_receipt`);
    expect(Number(stored[0]!.n)).toBe(200);
  });
});
