/**
 * The transactional outbox: an OutboundDelivery row holding the frozen bytes, plus a pg-boss job
 * naming it, both written in the caller's transaction (pg-boss `fromKysely` over MikroORM's
 * transaction-bound Kysely). Either both commit with the change that caused the mail, or neither.
 *
 * Jobs use singletonKey `d<id>` on queues with the `exclusive` policy, so at most one job per
 * delivery is queued or active at any time: the sweeper (worker.ts) may re-enqueue any QUEUED row
 * without risk of two instances sending it at once.
 *
 * A process without a running worker (e.g. `postdesk ingest` from an MTA) still writes the rows;
 * the sweeper of any running instance enqueues them.
 */
import { fromKysely, type PgBoss } from 'pg-boss';
import { INLINE_MAX_BYTES, writeBlob } from '../db/blobs.js';
import type { Em } from '../db/orm.js';
import { OutboundDelivery, type Message, type Ticket } from '../entities/index.js';

/** Bulk mail and webhooks for new tickets. */
export const MAIL_QUEUE = 'postdesk-outbound';
/** Emergency pages (mail and webhook): a queue of their own, so a backlog never delays them (L16). */
export const URGENT_QUEUE = 'postdesk-outbound-urgent';

/** Kinds of deliveries that are HTTP POSTs rather than mail. */
export const WEBHOOK_PREFIX = 'webhook:';

let boss: PgBoss | null = null;

/** Set by the worker once pg-boss runs in this process (null when it stops). */
export function registerOutboxQueue(instance: PgBoss | null): void {
  boss = instance;
}

export async function enqueueJob(em: Em | null, id: number, urgent: boolean, instance: PgBoss | null = boss): Promise<boolean> {
  if (!instance) return false;
  const options = { singletonKey: `d${id}`, ...(em ? { db: fromKysely(em.getKysely()) } : {}) };
  await instance.send(urgent ? URGENT_QUEUE : MAIL_QUEUE, { id }, options);
  return true;
}

/** Delivery ids taken from the sequence at once: one round trip per this many mails, not per mail. */
const ID_BLOCK = 32;
/** Ids taken and not yet used, per ORM instance (tests and benchmarks run several databases in one process). */
const reservedIds = new WeakMap<object, number[]>();

/**
 * The next delivery id, taken before the row is written: our Message-IDs embed it. A process takes
 * them from the sequence in blocks, so ids stay unique but are in creation order only within one
 * instance, and a stopped instance leaves gaps (as a rolled-back transaction always did).
 */
export async function nextDeliveryId(em: Em): Promise<number> {
  let ids = reservedIds.get(em.config);
  if (!ids || ids.length === 0) {
    const rows = await em.execute<{ id: string }[]>(`select nextval('outbound_delivery_id_seq')::text as id from generate_series(1, ${ID_BLOCK})`);
    ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    reservedIds.set(em.config, ids);
  }
  return ids.shift()!;
}

export interface DeliveryInput {
  id: number;
  ticket: Ticket | null;
  thread: Message | null;
  kind: string;
  recipients: string[];
  /** The From address of a mail; null for a webhook. */
  fromAddress: string | null;
  messageId: string;
  automatic: boolean;
  raw: Buffer;
  urgent: boolean;
  now: Date;
}

/** Persists the row (flushed by the caller's commit or notify's flush) and enqueues its job in the same transaction. */
export async function enqueueDelivery(em: Em, input: DeliveryInput): Promise<OutboundDelivery> {
  // A mail carrying an agent's files may be 30 MB: written as a binary parameter, not inlined (blobs.ts).
  const large = input.raw.length > INLINE_MAX_BYTES;
  const delivery = new OutboundDelivery(input.kind, input.recipients, input.messageId, large ? Buffer.alloc(0) : input.raw);
  delivery.id = input.id;
  delivery.ticket = input.ticket;
  delivery.fromAddress = input.fromAddress;
  delivery.thread = input.thread;
  delivery.automatic = input.automatic;
  delivery.createdAt = input.now;
  delivery.nextAttemptAt = input.now;
  em.persist(delivery);
  if (large) {
    await em.flush();
    await writeBlob(em, 'outbound_delivery.raw', input.id, input.raw);
  }
  await enqueueJob(em, input.id, input.urgent);
  return delivery;
}
