/**
 * An address that bounced once is not dead for ever: the person's own mail since then shows it
 * works (their full mailbox was emptied, a forwarding typo fixed), so their acknowledgement goes
 * out again and the flag is cleared. Automatic mail, a forger's (failing an enforcing DMARC
 * policy), archived history and mail the server received before the bounce prove nothing.
 * Real ingest on real PostgreSQL; the mail read from the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Door } from '../../../src/entities/enums.js';
import { ingestMessage, type IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { queryDatabase } from '../../harness/eventually.js';
import { FakeDns } from '../../harness/fake-dns.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { expectKind, outboxOf } from './stored-raw.js';

const ANN = 'ann@customer.test';
const BOUNCED_AT = new Date('2026-12-01T10:00:00Z');
const LATER = new Date('2026-12-01T12:00:00Z');
const PIPE = { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null } as const;

let h: IngestHarness;
/** Her domain asks to reject what fails DMARC, and the test's mail carries no DKIM signature: a forger's mail. */
const rejecting = new FakeDns().dmarc('customer.test', 'reject');
/** Her domain publishes p=none: the mail fails DMARC alignment but is handled as hers (forwarded mail often does). */
const relaxed = new FakeDns().dmarc('customer.test', 'none');

beforeAll(async () => {
  h = await createIngestHarness({ SENDER_AUTHENTICATION: 'on' });
});
afterAll(() => h?.close());

/** Ann's mail, received at `at`, checked against her domain's DMARC policy in `zone`. */
async function ingest(mail: TestMail, at: Date, zone: FakeDns, archive?: { receivedAt: Date }): Promise<IngestOutcome> {
  const raw = await buildMail({ from: `Ann <${ANN}>`, ...mail });
  return ingestMessage(h.orm, raw, { ...PIPE, ...(archive ? { archive } : {}) }, { ...h.context, now: () => at, dnsResolver: zone.resolver });
}

async function markUndeliverable(): Promise<void> {
  await queryDatabase(h.databaseUrl, `insert into person (email, created_at, active, watch_opt_out) values ($1, now(), true, false) on conflict (email) do nothing`, [ANN]);
  await queryDatabase(h.databaseUrl, `update person set undeliverable_since = $2 where email = $1`, [ANN, BOUNCED_AT]);
}

async function undeliverableSince(): Promise<Date | null> {
  const [row] = await queryDatabase<{ undeliverable_since: Date | null }>(h.databaseUrl, `select undeliverable_since from person where email = $1`, [ANN]);
  return row!.undeliverable_since;
}

async function acknowledged(number: number): Promise<boolean> {
  return (await outboxOf(h.databaseUrl, number)).some((row) => row.kind === 'acknowledgement');
}

async function flagsOf(messageRowId: number): Promise<string[]> {
  const [row] = await queryDatabase<{ flags: string[] }>(h.databaseUrl, `select flags from message where id = $1`, [messageRowId]);
  return row!.flags;
}

describe('an address that bounced works again once its owner writes', () => {
  it("her own new mail is acknowledged again, flagged deliverable-again, and the mark is gone", async () => {
    await markUndeliverable();
    const forged = expectKind(await ingest({ subject: 'Forged' }, LATER, rejecting), 'ticket');
    expect(await acknowledged(forged.ticketNumber)).toBe(false);
    expect(await undeliverableSince()).toEqual(BOUNCED_AT);

    const opened = expectKind(await ingest({ subject: 'Printer' }, LATER, relaxed), 'ticket');
    expect(await acknowledged(opened.ticketNumber)).toBe(true);
    expect(await flagsOf(opened.messageRowId)).toContain('deliverable-again');
    expect(await undeliverableSince()).toBeNull();
  });

  it('automatic mail, archived history and mail received before the bounce leave the mark', async () => {
    await markUndeliverable();
    const cases: { mail: TestMail; at: Date; archive?: { receivedAt: Date } }[] = [
      { mail: { subject: 'Weekly digest', headers: { Precedence: 'bulk' } }, at: LATER },
      { mail: { subject: 'Old question' }, at: LATER, archive: { receivedAt: new Date('2026-06-01T09:00:00Z') } },
      { mail: { subject: 'Queued before the bounce' }, at: new Date('2026-12-01T09:00:00Z') },
    ];
    for (const { mail, at, archive } of cases) {
      const outcome = expectKind(await ingest(mail, at, relaxed, archive), 'ticket');
      expect(await flagsOf(outcome.messageRowId), mail.subject).not.toContain('deliverable-again');
      expect(await undeliverableSince(), mail.subject).toEqual(BOUNCED_AT);
    }
  });
});
