/** How the outbound worker's failures are logged (worker.ts): an outage is a warning, anything else an error. */
import { describe, expect, it } from 'vitest';
import { isJobQueueOutage, logDeliveryFailure } from '../../../src/outbound/worker.js';
import { captureLog } from '../../harness/log-capture.js';

describe('a delivery job that threw', () => {
  it('is a warning without a stack when the database went away mid-job', () => {
    const { log, entries } = captureLog();
    logDeliveryFailure(log, Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 7);
    logDeliveryFailure(log, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 8);
    expect(entries().map((e) => [e.level, e.msg, e.delivery, typeof e.err])).toEqual([
      ['warn', 'delivery job interrupted: database unavailable; retrying', 7, 'string'],
      ['warn', 'delivery job interrupted: database unavailable; retrying', 8, 'string'],
    ]);
  });

  it('is an error with its stack otherwise', () => {
    const { log, entries } = captureLog();
    logDeliveryFailure(log, new TypeError("Cannot read properties of undefined (reading 'email')"), 9);
    const [entry] = entries();
    expect([entry?.level, entry?.msg, entry?.delivery]).toEqual(['error', 'delivery job crashed; retrying', 9]);
    expect(JSON.stringify(entry?.err)).toContain('TypeError');
  });
});

describe("the job queue's errors", () => {
  it('are an outage when the database or the queue\'s LISTEN connection went away', () => {
    for (const message of ['LISTEN/NOTIFY connection ended', 'LISTEN/NOTIFY heartbeat timed out', 'Connection terminated unexpectedly']) {
      expect(isJobQueueOutage(new Error(message)), message).toBe(true);
    }
    expect(isJobQueueOutage(Object.assign(new Error('the database system is shutting down'), { code: '57P03' }))).toBe(true);
  });

  it('are not otherwise', () => {
    expect(isJobQueueOutage(Object.assign(new Error('relation "pgboss.job" does not exist'), { code: '42P01' }))).toBe(false);
    expect(isJobQueueOutage(new Error('queue mail not found'))).toBe(false);
  });
});
