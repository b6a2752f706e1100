/**
 * DataLoaders for one GraphQL request: every relation a page of tickets needs is fetched with one
 * query per kind, however many tickets the page has (no N+1). Created with the request context, so
 * nothing is cached across requests or callers.
 *
 * Reads are plain SQL rows, not ORM entities: a page of 50 tickets with their messages would
 * otherwise hydrate and track thousands of entities per request (measured with bench:api: the
 * identity maps cost more CPU and memory than the queries).
 */
import DataLoader from 'dataloader';
import type { Principal } from '../auth/tokens.js';
import type { Em } from '../db/orm.js';
import type { Address } from '../entities/message.entity.js';
import type { MessageDirection } from '../entities/enums.js';
import { ticketScope, type TicketScope } from './ticket-access.js';

export interface PersonRow {
  id: number;
  email: string;
  name: string | null;
}

export interface QueueRow {
  id: number;
  name: string;
  email_address: string | null;
  keywords: string[];
  default_assignee: PersonRow | null;
  approver: PersonRow | null;
  agents: PersonRow[];
  watchers: PersonRow[];
}

export interface MessageRow {
  id: number;
  ticket_id: number;
  direction: MessageDirection;
  author_id: number | null;
  to: Address[];
  cc: Address[];
  subject: string | null;
  body_text: string;
  body_html: string | null;
  message_id: string | null;
  message_id_synthetic: boolean;
  created_at: Date | string;
  /** Sender authentication verdict (jsonb); null when not checked. */
  auth: { dmarc: string; dkim: string; spf: string; authenticated: boolean } | null;
}

export interface AttachmentRow {
  id: number;
  message_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
}

export interface EventRow {
  id: number;
  ticket_id: number;
  kind: string;
  actor_id: number | null;
  actor_label: string | null;
  from_value: string | null;
  to_value: string | null;
  detail: Record<string, unknown> | string | null;
  created_at: Date | string;
}

export interface Loaders {
  /** The caller's ticket scope, computed once per request. */
  scope(): Promise<TicketScope>;
  readonly person: DataLoader<number, PersonRow | null>;
  readonly queue: DataLoader<number, QueueRow | null>;
  /** Category name by id. */
  readonly category: DataLoader<number, string | null>;
  /** By ticket row id. */
  readonly ccs: DataLoader<number, PersonRow[]>;
  readonly watchers: DataLoader<number, PersonRow[]>;
  readonly messages: DataLoader<number, MessageRow[]>;
  readonly lastMessage: DataLoader<number, MessageRow | null>;
  readonly events: DataLoader<number, EventRow[]>;
  /** By message row id. */
  readonly attachments: DataLoader<number, AttachmentRow[]>;
}

const placeholders = (keys: readonly unknown[]): string => keys.map(() => '?').join(', ');

function byKey<T>(rows: readonly T[], keyOf: (row: T) => number, keys: readonly number[]): (T | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
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

/** People linked through a pivot table (ticket_cc, ticket_watcher, queue_agent, queue_watcher), one query. */
async function peopleVia(em: Em, pivot: string, ownerColumn: string, ids: readonly number[]): Promise<PersonRow[][]> {
  const rows = await em.execute<(PersonRow & { owner: number })[]>(
    `select x.${ownerColumn} as owner, p.id, p.email, p.name from ${pivot} x join person p on p.id = x.person_id
      where x.${ownerColumn} in (${placeholders(ids)}) order by p.email`,
    [...ids],
  );
  return grouped(rows, (r) => Number(r.owner), ids).map((list) => list.map(({ id, email, name }) => ({ id: Number(id), email, name })));
}

const MESSAGE_COLUMNS = `id, ticket_id, direction, author_id, "to", cc, subject, body_text, body_html, message_id, message_id_synthetic, created_at, auth`;

export function createLoaders(em: Em, principal: Principal): Loaders {
  let scope: Promise<TicketScope> | null = null;
  return {
    scope: () => (scope ??= ticketScope(em, principal)),
    person: new DataLoader(async (ids) =>
      byKey(await em.execute<PersonRow[]>(`select id, email, name from person where id in (${placeholders(ids)})`, [...ids]), (r) => Number(r.id), ids),
    ),
    queue: new DataLoader(async (ids) => {
      type Row = Omit<QueueRow, 'default_assignee' | 'approver' | 'agents' | 'watchers'> & { da_id: number | null; da_email: string | null; da_name: string | null };
      const rows = await em.execute<(Row & { ap_id: number | null; ap_email: string | null; ap_name: string | null })[]>(
        `select q.id, q.name, q.email_address, q.keywords, p.id as da_id, p.email as da_email, p.name as da_name, a.id as ap_id, a.email as ap_email, a.name as ap_name
           from queue q left join person p on p.id = q.default_assignee_id left join person a on a.id = q.approver_id where q.id in (${placeholders(ids)})`,
        [...ids],
      );
      const [agents, watchers] = await Promise.all([peopleVia(em, 'queue_agent', 'queue_id', ids), peopleVia(em, 'queue_watcher', 'queue_id', ids)]);
      const index = new Map(ids.map((id, i) => [id, i]));
      const queues = rows.map((r): QueueRow => {
        const i = index.get(Number(r.id))!;
        return {
          id: Number(r.id),
          name: r.name,
          email_address: r.email_address,
          keywords: r.keywords,
          default_assignee: r.da_id === null ? null : { id: Number(r.da_id), email: r.da_email!, name: r.da_name },
          approver: r.ap_id === null ? null : { id: Number(r.ap_id), email: r.ap_email!, name: r.ap_name },
          agents: agents[i]!,
          watchers: watchers[i]!,
        };
      });
      return byKey(queues, (q) => q.id, ids);
    }),
    category: new DataLoader(async (ids) => {
      const rows = await em.execute<{ id: number; name: string }[]>(`select id, name from category where id in (${placeholders(ids)})`, [...ids]);
      return byKey(rows, (r) => Number(r.id), ids).map((r) => r?.name ?? null);
    }),
    ccs: new DataLoader((ids) => peopleVia(em, 'ticket_cc', 'ticket_id', ids)),
    watchers: new DataLoader((ids) => peopleVia(em, 'ticket_watcher', 'ticket_id', ids)),
    messages: new DataLoader(async (ids) => {
      const rows = await em.execute<MessageRow[]>(
        `select ${MESSAGE_COLUMNS} from message where ticket_id in (${placeholders(ids)}) order by ticket_id, created_at, id`,
        [...ids],
      );
      return grouped(rows, (m) => Number(m.ticket_id), ids);
    }),
    lastMessage: new DataLoader(async (ids) => {
      // One row per ticket: its newest message (message_ticket_created_idx).
      const rows = await em.execute<MessageRow[]>(
        `select distinct on (ticket_id) ${MESSAGE_COLUMNS} from message where ticket_id in (${placeholders(ids)}) order by ticket_id, created_at desc, id desc`,
        [...ids],
      );
      return byKey(rows, (m) => Number(m.ticket_id), ids);
    }),
    events: new DataLoader(async (ids) => {
      const rows = await em.execute<EventRow[]>(
        `select id, ticket_id, kind, actor_id, actor_label, from_value, to_value, detail, created_at from ticket_event
          where ticket_id in (${placeholders(ids)}) order by ticket_id, created_at, id`,
        [...ids],
      );
      return grouped(rows, (e) => Number(e.ticket_id), ids);
    }),
    attachments: new DataLoader(async (ids) => {
      const rows = await em.execute<AttachmentRow[]>(
        `select id, message_id, filename, content_type, size, sha256 from attachment where message_id in (${placeholders(ids)}) order by message_id, id`,
        [...ids],
      );
      return grouped(rows, (a) => Number(a.message_id), ids);
    }),
  };
}
