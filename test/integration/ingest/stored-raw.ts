/**
 * Reading back what one ingest outcome stored, straight from PostgreSQL: the raw source's hash and
 * size (hashed by the server, so a multi-megabyte source never comes back to the test), outbox rows
 * and ticket events. Shared by the malformed-input, attachment-policy and scale tests of this folder.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { IngestOutcome } from '../../../src/ingest/ingest-message.js';
import { queryDatabase } from '../../harness/eventually.js';

export const sha256hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export function expectKind<K extends IngestOutcome['kind']>(outcome: IngestOutcome, kind: K): Extract<IngestOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<IngestOutcome, { kind: K }>;
}

/** sha256 and size of the raw source an outcome points at (message row or quarantine record). */
export async function storedRaw(databaseUrl: string, outcome: IngestOutcome): Promise<{ sha256: string; size: number }> {
  let sql: string;
  let id: number;
  if (outcome.kind === 'quarantined') {
    sql = 'select encode(sha256(r.content), $2) as sha256, r.size from raw_source r join quarantined_message q on q.raw_source_id = r.id where q.id = $1';
    id = outcome.quarantineId;
  } else if ('messageRowId' in outcome) {
    sql = 'select encode(sha256(r.content), $2) as sha256, r.size from raw_source r join message m on m.raw_source_id = r.id where m.id = $1';
    id = outcome.messageRowId;
  } else {
    throw new Error(`outcome ${outcome.kind} points at no raw source`);
  }
  const rows = await queryDatabase<{ sha256: string; size: number }>(databaseUrl, sql, [id, 'hex']);
  expect(rows, `raw source of ${JSON.stringify(outcome)}`).toHaveLength(1);
  return rows[0]!;
}

/** Asserts the raw source of `outcome` is byte-identical to `raw` (sha256 and length). */
export async function expectRawStored(databaseUrl: string, outcome: IngestOutcome, raw: Buffer): Promise<void> {
  expect(await storedRaw(databaseUrl, outcome)).toEqual({ sha256: sha256hex(raw), size: raw.length });
}

export interface OutboxRow {
  kind: string;
  recipients: string[];
  automatic: boolean;
  raw: Buffer;
}

/** Outbox rows (mail, not webhooks) of a ticket, oldest first, with their frozen bytes. */
export async function outboxOf(databaseUrl: string, ticketNumber: number): Promise<OutboxRow[]> {
  return queryDatabase<OutboxRow>(
    databaseUrl,
    `select d.kind, d.recipients, d.automatic, d.raw from outbound_delivery d join ticket t on t.id = d.ticket_id
      where t.number = $1 and d.kind not like 'webhook%' order by d.id`,
    [ticketNumber],
  );
}

/** Outbox rows (mail) that name `address` among their recipients. */
export async function outboxTo(databaseUrl: string, address: string): Promise<OutboxRow[]> {
  return queryDatabase<OutboxRow>(databaseUrl, `select kind, recipients, automatic, raw from outbound_delivery where $1 = any(recipients) and kind not like 'webhook%' order by id`, [address]);
}

/** Ticket events of one kind, with their JSON detail. */
export async function eventsOf(databaseUrl: string, ticketNumber: number, kind: string): Promise<{ to_value: string | null; detail: Record<string, unknown> | null }[]> {
  return queryDatabase(databaseUrl, `select e.to_value, e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = $2 order by e.id`, [ticketNumber, kind]);
}

/** The raw header block of a captured or queued mail, unfolded, for header checks. */
export function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/)[0]!;
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return match ? match[1]!.replace(/\r?\n[ \t]/g, ' ') : undefined;
}
