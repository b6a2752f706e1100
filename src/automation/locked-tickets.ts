/**
 * The loop both scheduled runs (auto-close, reply reminders) share: read a batch of candidate
 * tickets, act on each in its own transaction with the ticket's row locked (NOWAIT), read the next
 * batch. The caller's `act` re-checks the ticket under the lock, so a ticket changed since the
 * batch was read, or one that an overlapping run (another instance) already holds, is left alone:
 * nothing is done twice.
 */
import { LockMode } from '@mikro-orm/core';
import type { Config } from '../config/env.js';
import type { Orm, Em } from '../db/orm.js';
import { Ticket } from '../entities/index.js';

/** What a scheduled run needs besides the database: settings and the Message-ID key for its mail. */
export interface AutomationContext {
  readonly config: Config;
  readonly secret: string;
}

/** Candidates per batch: the batch query stays cheap, and a long run still commits as it goes. */
export const TICKET_BATCH = 500;

/** PostgreSQL's "lock not available" (NOWAIT): another transaction holds the row. */
function lockBusy(error: unknown): boolean {
  return (error as { code?: string }).code === '55P03' || /could not obtain lock/i.test((error as Error).message);
}

/**
 * @param batch the next candidates (at most TICKET_BATCH), by ticket id
 * @param act the work on one locked ticket; null when it turns out there is nothing to do
 * @returns what `act` returned for the tickets it acted on
 */
export async function forEachLockedTicket<C extends { id: number }, R>(
  orm: Orm,
  batch: () => Promise<C[]>,
  act: (em: Em, ticket: Ticket, candidate: C) => Promise<R | null>,
): Promise<R[]> {
  const done: R[] = [];
  for (;;) {
    const candidates = await batch();
    let progressed = false;
    for (const candidate of candidates) {
      const result = await orm.em
        .fork()
        .transactional(async (em) => {
          const ticket = await em.findOne(Ticket, candidate.id, { lockMode: LockMode.PESSIMISTIC_WRITE_OR_FAIL });
          return ticket ? act(em, ticket, candidate) : null;
        })
        .catch((error: unknown) => {
          if (lockBusy(error)) return null; // that run's to do
          throw error;
        });
      if (result !== null) {
        done.push(result);
        progressed = true;
      }
    }
    // A short batch was the last; a batch where nothing happened would come back the same.
    if (!progressed || candidates.length < TICKET_BATCH) return done;
  }
}
