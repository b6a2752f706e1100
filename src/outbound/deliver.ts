/**
 * The job handler: sends one outbox row and records the result.
 *
 *  1. Claim: `attempts + 1` on a QUEUED row (a SENT or FAILED row ends here: a duplicate job is a no-op).
 *  2. Send the frozen bytes (mail) or body (webhook).
 *  3. SENT; or FAILED with a `delivery-failed` event on the ticket (permanent 5xx / 4xx webhook, or
 *     temporary failures beyond OUTBOUND_RETRY_LIMIT); or, for a temporary failure, `retry`: the
 *     job fails and pg-boss runs it again after an exponential backoff.
 *
 * A crash between 2 and 3 leaves the job active; pg-boss retries it once it expires, so that one
 * mail may go twice, always with the same bytes and Message-ID (TESTPLAN D13).
 */
import type { Config } from '../config/env.js';
import { readBlob } from '../db/blobs.js';
import { LARGE_MESSAGE_BYTES, reclaimMemorySoon } from '../memory.js';
import type { Orm } from '../db/orm.js';
import { Person, Ticket } from '../entities/index.js';
import { DeliveryStatus } from '../entities/enums.js';
import type { Logger } from '../log.js';
import { recordEvent } from '../tickets/record-event.js';
import { webhookKey } from './mailer.js';
import { WEBHOOK_PREFIX } from './outbox.js';
import { DeliveryError, type MailTransport, type SendResult } from './transport.js';
import { postWebhook } from './webhook.js';

/** Mail up to this size comes with the claim; a larger one (an agent's files) is streamed in slices. */
const RAW_INLINE_BYTES = 1024 * 1024;

export type DeliveryOutcome = 'sent' | 'failed' | 'retry' | 'skipped';

export interface DeliverDeps {
  readonly orm: Orm;
  readonly config: Config;
  readonly secret: string;
  readonly transport: MailTransport;
  readonly log: Logger;
}

interface ClaimedRow {
  id: number;
  kind: string;
  recipients: string[];
  from_address: string | null;
  /** Null for a mail above RAW_INLINE_BYTES: read in slices when sent. A webhook's body always comes. */
  raw: Buffer | null;
  size: number;
  message_id: string;
  ticket_id: number | null;
  attempts: number;
}

export async function deliver(deps: DeliverDeps, id: number): Promise<DeliveryOutcome> {
  const em = deps.orm.em.fork();
  const rows = await em.execute<ClaimedRow[]>(
    `update outbound_delivery set attempts = attempts + 1 where id = ? and status = 'QUEUED'
     returning id, kind, recipients, from_address, case when octet_length(raw) <= ? or kind like ? then raw end as raw, octet_length(raw) as size, message_id, ticket_id, attempts`,
    [id, RAW_INLINE_BYTES, `${WEBHOOK_PREFIX}%`],
  );
  const row = rows[0];
  if (!row) return 'skipped';
  try {
    const { rejected, relayMessageId } = await send(deps, row);
    await em.execute(`update outbound_delivery set status = 'SENT', sent_at = ?, last_error = null, relay_message_id = ? where id = ?`, [new Date(), relayMessageId, id]);
    if (rejected.length > 0) await recordFailure(deps, row, `refused by the SMTP server: ${rejected.join(', ')}`, rejected, false);
    return 'sent';
  } catch (error) {
    const failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message, false);
    const giveUp = !failure.permanent && row.attempts > deps.config.outbound.retryLimit;
    if (failure.permanent || giveUp) {
      const reason = giveUp ? `gave up after ${row.attempts} attempts; last error ${failure.message}` : failure.message;
      await recordFailure(deps, row, reason, failure.rejectedRecipients, true);
      deps.log.warn({ component: 'outbound', delivery: id, kind: row.kind, attempts: row.attempts, error: failure.message }, 'delivery failed permanently');
      return 'failed';
    }
    const { retryDelaySeconds, retryMaxDelaySeconds } = deps.config.outbound;
    const delay = Math.min(retryMaxDelaySeconds, retryDelaySeconds * 2 ** Math.min(16, row.attempts - 1));
    await em.execute(`update outbound_delivery set last_error = ?, next_attempt_at = ? where id = ?`, [failure.message, new Date(Date.now() + delay * 1000), id]);
    deps.log.info({ component: 'outbound', delivery: id, kind: row.kind, attempts: row.attempts, error: failure.message }, 'delivery failed; will retry');
    return 'retry';
  }
}

async function send(deps: DeliverDeps, row: ClaimedRow): Promise<Pick<SendResult, 'rejected' | 'relayMessageId'>> {
  if (row.kind.startsWith(WEBHOOK_PREFIX)) {
    await postWebhook(row.recipients[0]!, row.raw!, {
      key: webhookKey(deps.config.outbound.webhookSecret, deps.secret),
      event: row.kind.slice(WEBHOOK_PREFIX.length),
      deliveryId: row.message_id,
    });
    return { rejected: [], relayMessageId: null };
  }
  const fileName = `${row.id}-${row.message_id.replace(/[^A-Za-z0-9.@_-]/g, '_')}`;
  const raw = row.raw ?? readBlob(deps.orm.em.fork(), 'outbound_delivery.raw', row.id, Number(row.size));
  const result = await deps.transport.send(raw, { from: deps.config.supportAddress, to: row.recipients }, fileName, row.from_address);
  if (Number(row.size) >= LARGE_MESSAGE_BYTES) reclaimMemorySoon(); // a mail with an agent's files
  return result;
}

/**
 * Marks the row FAILED (unless only some recipients were refused) and shows the failure on the
 * ticket; recipients refused with a 5xx become undeliverable, so no more automatic mail goes there (L7).
 */
async function recordFailure(deps: DeliverDeps, row: ClaimedRow, reason: string, refused: string[], failRow: boolean): Promise<void> {
  await deps.orm.em.fork().transactional(async (em) => {
    if (failRow) await em.execute(`update outbound_delivery set status = ?, last_error = ? where id = ?`, [DeliveryStatus.FAILED, reason, row.id]);
    const now = new Date();
    for (const email of refused) {
      const person = await em.findOne(Person, { email: email.toLowerCase() });
      if (person && !person.undeliverableSince) person.undeliverableSince = now;
    }
    const ticket = row.ticket_id !== null ? await em.findOne(Ticket, row.ticket_id) : null;
    if (ticket) {
      recordEvent(em, ticket, {
        kind: 'delivery-failed',
        actorLabel: 'system',
        to: (refused.length > 0 ? refused : row.recipients).join(', '),
        detail: { delivery: row.id, kind: row.kind, messageId: row.message_id, reason },
      });
    }
  });
}
