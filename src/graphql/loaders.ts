/**
 * DataLoaders for one GraphQL request: every relation a page of tickets needs is fetched with one
 * query per kind, however many tickets the page has (no N+1). Created with the request context, so
 * nothing is cached across requests or callers.
 */
import DataLoader from 'dataloader';
import type { Principal } from '../auth/tokens.js';
import type { Em } from '../db/orm.js';
import { Attachment, Category, Message, Person, Queue, TicketEvent } from '../entities/index.js';
import { ticketScope, type TicketScope } from './ticket-access.js';

export interface Loaders {
  /** The caller's ticket scope, computed once per request. */
  scope(): Promise<TicketScope>;
  readonly person: DataLoader<number, Person | null>;
  readonly queue: DataLoader<number, Queue | null>;
  readonly category: DataLoader<number, Category | null>;
  /** By ticket row id. */
  readonly ccs: DataLoader<number, Person[]>;
  readonly watchers: DataLoader<number, Person[]>;
  readonly messages: DataLoader<number, Message[]>;
  readonly lastMessage: DataLoader<number, Message | null>;
  readonly events: DataLoader<number, TicketEvent[]>;
  /** By message row id. */
  readonly attachments: DataLoader<number, Attachment[]>;
}

function byId<T extends { id: number }>(rows: readonly T[], keys: readonly number[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

function grouped<T>(rows: readonly T[], keyOf: (row: T) => number, keys: readonly number[]): T[][] {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/** People related to tickets through a pivot table (ticket_cc, ticket_watcher), in one query. */
async function peopleByTicket(em: Em, pivot: 'ticket_cc' | 'ticket_watcher', ticketIds: readonly number[]): Promise<Person[][]> {
  const rows = await em.execute<{ ticket_id: number; person_id: number }[]>(
    `select ticket_id, person_id from ${pivot} where ticket_id in (${ticketIds.map(() => '?').join(', ')}) order by person_id`,
    [...ticketIds],
  );
  const personIds = [...new Set(rows.map((r) => Number(r.person_id)))];
  const people = personIds.length > 0 ? await em.find(Person, { id: { $in: personIds } }) : [];
  const byPerson = new Map(people.map((p) => [p.id, p]));
  return grouped(rows, (r) => Number(r.ticket_id), ticketIds).map((list) => list.map((r) => byPerson.get(Number(r.person_id))!).filter(Boolean));
}

export function createLoaders(em: Em, principal: Principal): Loaders {
  let scope: Promise<TicketScope> | null = null;
  return {
    scope: () => (scope ??= ticketScope(em, principal)),
    person: new DataLoader(async (ids) => byId(await em.find(Person, { id: { $in: [...ids] } }), ids)),
    queue: new DataLoader(async (ids) =>
      byId(await em.find(Queue, { id: { $in: [...ids] } }, { populate: ['agents', 'watchers', 'defaultAssignee'] }), ids),
    ),
    category: new DataLoader(async (ids) => byId(await em.find(Category, { id: { $in: [...ids] } }), ids)),
    ccs: new DataLoader((ids) => peopleByTicket(em, 'ticket_cc', ids)),
    watchers: new DataLoader((ids) => peopleByTicket(em, 'ticket_watcher', ids)),
    messages: new DataLoader(async (ids) => {
      const rows = await em.find(Message, { ticket: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return grouped(rows, (m) => m.ticket.id, ids);
    }),
    lastMessage: new DataLoader(async (ids) => {
      // One row per ticket: its newest message (uses message_ticket_created_idx).
      const rows = await em.execute<{ id: number }[]>(
        `select distinct on (ticket_id) id from message where ticket_id in (${ids.map(() => '?').join(', ')}) order by ticket_id, created_at desc, id desc`,
        [...ids],
      );
      const messages = rows.length > 0 ? await em.find(Message, { id: { $in: rows.map((r) => Number(r.id)) } }) : [];
      const byTicket = new Map(messages.map((m) => [m.ticket.id, m]));
      return ids.map((id) => byTicket.get(id) ?? null);
    }),
    events: new DataLoader(async (ids) => {
      const rows = await em.find(TicketEvent, { ticket: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return grouped(rows, (e) => e.ticket!.id, ids);
    }),
    attachments: new DataLoader(async (ids) => {
      const rows = await em.find(Attachment, { message: { $in: [...ids] } }, { orderBy: { id: 'asc' } });
      return grouped(rows, (a) => a.message.id, ids);
    }),
  };
}
