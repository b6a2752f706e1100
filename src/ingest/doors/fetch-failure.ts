/**
 * Which message a failed batch FETCH is blamed on (TESTPLAN D10).
 *
 * A batch FETCH streams messages in UID order; when the connection breaks while one of them is on
 * the wire, the ones before it have already been handed over intact. Blaming the batch's first
 * UID would record an innocent message as FETCH_FAILED (with no raw source: lost) and keep the
 * failing one blocking the batches after it. Instead the messages handed over are ingested, and
 * the first missing one heads the next batch, where a repeated failure counts against it alone;
 * after its first failure it is fetched by itself (imap-poller.ts), so an outage that cuts a large
 * batch is not mistaken for a fault of this message.
 */
import type { Logger } from '../../log.js';

/**
 * @returns true when the batch's first messages arrived before the failure: ingest those, fetch
 *   the rest again; false when nothing of the batch arrived (the failure is the first UID's)
 */
export function handedOverBeforeFailure(wanted: readonly { uid: number }[], sources: ReadonlyMap<number, Buffer>, error: unknown, log: Logger): boolean {
  if (!wanted[0] || !sources.has(wanted[0].uid)) return false;
  const missing = wanted.find((m) => !sources.has(m.uid));
  log.warn({ err: (error as Error).message, handedOver: sources.size, nextUid: missing?.uid }, 'fetch cut short; ingesting the messages handed over, fetching the rest again');
  return true;
}
