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
import { readRows } from '../db/read-query.js';
import type { CategoryField } from '../entities/index.js';
import type { Address } from '../entities/message.entity.js';
import type { DeliveryStatus, MessageDirection } from '../entities/enums.js';
import type { QueueHours } from '../queues/queue-hours.js';
import { replyDueByTicket, type ReplyClock } from '../tickets/reply-targets.js';
import { ticketScope, type TicketScope } from './ticket-access.js';

export interface PersonRow {
  id: number;
  email: string;
  name: string | null;
}

export interface SavedReplyRow {
  name: string;
  body: string;
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
  auto_close_days: number | null;
  escalation_address: string | null;
  signature: string | null;
  acknowledgement_note: string | null;
  language: string | null;
  business_hours: string | null;
  business_timezone: string | null;
  business_holidays: string[] | null;
}

/** A queue row's own opening times, as queues/queue-hours.ts reads them. */
export const queueHoursOfRow = (q: QueueRow): QueueHours => ({
  businessHours: q.business_hours,
  businessTimezone: q.business_timezone,
  businessHolidays: q.business_holidays,
});

export interface MessageRow {
  id: number;
  ticket_id: number;
  direction: MessageDirection;
  author_id: number | null;
  to: Address[];
  cc: Address[];
  subject: string | null;
  body_text: string;
  message_id: string | null;
  message_id_synthetic: boolean;
  created_at: Date | string;
  /** Sender authentication verdict (jsonb); null when not checked. */
  auth: { dmarc: string; dkim: string; spf: string; authenticated: boolean } | null;
  flags: string[];
  read_at: Date | string | null;
}

export interface AttachmentRow {
  id: number;
  message_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  inline: boolean;
  content_id: string | null;
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

export interface TicketFieldRow {
  name: string;
  label: string;
  value: string | null;
}

/** Tickets one ticket points to, by number. */
export interface TicketLinks {
  mergedInto: number | null;
  linkedTo: number | null;
}

export interface Loaders {
  /** The caller's ticket scope, computed once per request. */
  scope(): Promise<TicketScope>;
  /** Hands the people read with ticket rows (TICKET_RELATION_COLUMNS) to the person loader. */
  primeTickets(rows: readonly TicketRelations[]): void;
  readonly person: DataLoader<number, PersonRow | null>;
  readonly queue: DataLoader<number, QueueRow | null>;
  /** Category name by id. */
  readonly category: DataLoader<number, string | null>;
  /** By ticket row id: its category's fields, each with the ticket's value. */
  readonly fields: DataLoader<number, TicketFieldRow[]>;
  /** By queue id (0: a ticket without a queue): the saved replies its tickets offer, by name. */
  readonly savedReplies: DataLoader<number, SavedReplyRow[]>;
  /** By ticket row id: the numbers of the ticket it was merged into and of the ticket it was opened from, if any. */
  readonly links: DataLoader<number, TicketLinks>;
  /** By ticket row id: the numbers of the tickets opened from it (linkedTo it), in order. */
  readonly linkedFrom: DataLoader<number, number[]>;
  /** By email: what mail to a person depends on, read only when a query asks (Person.language, Person.undeliverableSince). */
  readonly personMail: DataLoader<string, { language: string | null; undeliverableSince: Date | null } | null>;
  /** By ticket row id: the language mail to its requester is written in (theirs, else the queue's), or null. */
  readonly language: DataLoader<number, string | null>;
  /** By ticket row id. */
  readonly ccs: DataLoader<number, PersonRow[]>;
  readonly watchers: DataLoader<number, PersonRow[]>;
  readonly messages: DataLoader<number, MessageRow[]>;
  readonly lastMessage: DataLoader<number, MessageRow | null>;
  readonly events: DataLoader<number, EventRow[]>;
  /** By message row id. */
  readonly attachments: DataLoader<number, AttachmentRow[]>;
  /** A message's sanitised HTML body by message row id: read only when a query selects it. */
  readonly bodyHtml: DataLoader<number, string | null>;
  /** The new part of a message received by mail (null for others), by message row id. */
  readonly visibleText: DataLoader<number, string | null>;
  /** When the answer to the customer's current wait is due, by ticket row id (asked only with BUSINESS_HOURS). */
  readonly replyDue: DataLoader<number, Date | null>;
  /** The mail that carried a message (an agent's reply, a forward), by message row id; null for others. */
  readonly delivery: DataLoader<number, DeliveryRow | null>;
}

export interface DeliveryRow {
  thread_id: number;
  status: DeliveryStatus;
  recipients: string[];
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
}

function byKey<T, K extends number | string>(rows: readonly T[], keyOf: (row: T) => K, keys: readonly K[]): (T | null)[] {
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

/** People linked through a pivot table (ticket_cc, ticket_watcher), one statement. */
async function peopleVia(em: Em, pivot: 'ticket_cc' | 'ticket_watcher', ids: readonly number[]): Promise<PersonRow[][]> {
  const rows = await readRows<PersonRow & { owner: number }>(
    em,
    `select x.ticket_id as owner, p.id, p.email, p.name from ${pivot} x join person p on p.id = x.person_id
      where x.ticket_id = any($1::bigint[]) order by p.email`,
    [ids],
  );
  return grouped(rows, (r) => Number(r.owner), ids).map((list) => list.map(({ id, email, name }) => ({ id: Number(id), email, name })));
}

/** A person as JSON inside a statement, in PersonRow's shape. */
const personJson = (alias: string) => `json_build_object('id', ${alias}.id, 'email', ${alias}.email, 'name', ${alias}.name)`;
/** The people of a queue through a pivot table, as a JSON array ordered by email. */
const queuePeople = (pivot: string) =>
  `coalesce((select json_agg(${personJson('p')} order by p.email) from ${pivot} x join person p on p.id = x.person_id where x.queue_id = q.id), '[]'::json)`;

/** A queue (aliased `q`) with its default assignee, approver, agents and watchers, as JSON in QueueRow's shape. */
const QUEUE_JSON = `json_build_object('id', q.id, 'name', q.name, 'email_address', q.email_address, 'keywords', q.keywords,
    'default_assignee', (select ${personJson('p')} from person p where p.id = q.default_assignee_id),
    'approver', (select ${personJson('p')} from person p where p.id = q.approver_id),
    'agents', ${queuePeople('queue_agent')},
    'watchers', ${queuePeople('queue_watcher')}, 'auto_close_days', q.auto_close_days, 'escalation_address', q.escalation_address, 'signature', q.signature, 'acknowledgement_note', q.acknowledgement_note, 'language', q.language,
    'business_hours', q.business_hours, 'business_timezone', q.business_timezone, 'business_holidays', q.business_holidays)`;

/** Queues: one statement for any number of them. */
const QUEUES_SQL = `select ${QUEUE_JSON} as queue from queue q where q.id = any($1::bigint[])`;

/**
 * A ticket row's (aliased `t`) requester and assignee as JSON: reading a ticket or a page with them
 * primes the person loader (primeTickets), one statement fewer per request. Queues stay with their
 * loader: a page names few of them, and their people aggregated per row cost PostgreSQL more than
 * the statement saved (bench:api: page throughput 175 → 150 requests/s).
 */
export const TICKET_RELATION_COLUMNS = `(select ${personJson('p')} from person p where p.id = t.requester_id) as requester,
    (select ${personJson('p')} from person p where p.id = t.assignee_id) as assignee`;

export interface TicketRelations {
  requester?: PersonRow | null;
  assignee?: PersonRow | null;
}

/**
 * Without body_html and visible_text: mail from Outlook or Gmail carries an HTML alternative several
 * times the size of its text, the new part of a reply repeats the start of its text, and lists and
 * threads mostly show the text. Each is read by its own loader, and only for the messages whose
 * `bodyHtml` or `visibleText` a query selects.
 */
const MESSAGE_COLUMNS = `m.id, m.ticket_id, m.direction, m.author_id, m."to", m.cc, m.subject, m.body_text, m.message_id, m.message_id_synthetic, m.created_at, m.auth, m.flags, m.read_at`;
/**
 * A message's author rides along as two plain columns (joined, not built as JSON) and primes the
 * person loader. Attachments are read by their own loader, in one statement for the whole thread,
 * and only when a query selects them: building each row's attachments as JSON cost PostgreSQL more
 * than the rest of the thread (bench:api, ticket(number) with 50 messages: 1.4 ms of its execution
 * time against 0.2 ms for the plain statements), and pages showing the last message never need them.
 */
const MESSAGE_FROM = `message m left join person author on author.id = m.author_id`;
const MESSAGE_AUTHOR_COLUMNS = `author.email as author_email, author.name as author_name`;

type MessageWithAuthor = MessageRow & { author_email: string | null; author_name: string | null };

export function createLoaders(em: Em, principal: Principal, replyClock: ReplyClock): Loaders {
  let scope: Promise<TicketScope> | null = null;
  const person = new DataLoader<number, PersonRow | null>(async (ids) =>
    byKey(await readRows<PersonRow>(em, `select id, email, name from person where id = any($1::bigint[])`, [ids]), (r) => Number(r.id), ids),
  );
  const attachments = new DataLoader<number, AttachmentRow[]>(async (ids) => {
    const rows = await readRows<AttachmentRow>(
      em,
      `select id, message_id, filename, content_type, size, sha256, inline, content_id from attachment where message_id = any($1::bigint[]) order by message_id, id`,
      [ids],
    );
    return grouped(rows, (a) => Number(a.message_id), ids);
  });
  /** Strips the author's columns off each message after priming the person loader with them. */
  const primed = (rows: MessageWithAuthor[]): MessageRow[] =>
    rows.map(({ author_email: email, author_name: name, ...message }) => {
      if (message.author_id !== null && email !== null) person.prime(Number(message.author_id), { id: Number(message.author_id), email, name });
      return message;
    });
  const queue = new DataLoader<number, QueueRow | null>(async (ids) => {
    const rows = await readRows<{ queue: QueueRow }>(em, QUEUES_SQL, [ids]);
    return byKey(
      rows.map((r) => r.queue),
      (q) => Number(q.id),
      ids,
    );
  });
  return {
    scope: () => (scope ??= ticketScope(em, principal)),
    primeTickets: (rows) => {
      for (const row of rows) for (const someone of [row.requester, row.assignee]) if (someone) person.prime(Number(someone.id), someone);
    },
    person,
    queue,
    category: new DataLoader(async (ids) => {
      const rows = await readRows<{ id: number; name: string }>(em, `select id, name from category where id = any($1::bigint[])`, [ids]);
      return byKey(rows, (r) => Number(r.id), ids).map((r) => r?.name ?? null);
    }),
    fields: new DataLoader(async (ids) => {
      const rows = await readRows<{ id: number; fields: CategoryField[]; values: Record<string, string> }>(
        em,
        `select t.id, c.fields, t.field_values as values from ticket t join category c on c.id = t.category_id where t.id = any($1::bigint[])`,
        [ids],
      );
      return byKey(rows, (r) => Number(r.id), ids).map((r) => (r ? r.fields.map((f) => ({ name: f.name, label: f.label, value: r.values[f.name] ?? null })) : []));
    }),
    savedReplies: new DataLoader(async (queueIds) => {
      const rows = await readRows<SavedReplyRow & { queue_id: number | null }>(
        em,
        `select name, body, queue_id from saved_reply where queue_id is null or queue_id = any($1::bigint[]) order by name`,
        [queueIds],
      );
      return queueIds.map((queueId) => rows.filter((r) => r.queue_id === null || Number(r.queue_id) === queueId));
    }),
    linkedFrom: new DataLoader(async (ids) => {
      const rows = await readRows<{ linked_to_id: number; number: number }>(em, `select linked_to_id, number from ticket where linked_to_id = any($1::bigint[]) order by number`, [ids]);
      return ids.map((id) => rows.filter((r) => Number(r.linked_to_id) === id).map((r) => Number(r.number)));
    }),
    personMail: new DataLoader(async (emails) => {
      const rows = await readRows<{ email: string; language: string | null; undeliverable_since: Date | null }>(
        em,
        `select email, language, undeliverable_since from person where email = any($1::text[])`,
        [emails.map((e) => e.toLowerCase())],
      );
      const found = byKey(rows, (r) => r.email, emails.map((e) => e.toLowerCase()));
      return found.map((r) => (r ? { language: r.language, undeliverableSince: r.undeliverable_since === null ? null : new Date(r.undeliverable_since) } : null));
    }),
    language: new DataLoader(async (ids) => {
      const rows = await readRows<{ id: number; language: string | null }>(
        em,
        `select t.id, coalesce(p.language, q.language) as language from ticket t join person p on p.id = t.requester_id
           left join queue q on q.id = t.queue_id where t.id = any($1::bigint[])`,
        [ids],
      );
      return byKey(rows, (r) => Number(r.id), ids).map((r) => r?.language ?? null);
    }),
    links: new DataLoader(async (ids) => {
      const rows = await readRows<{ id: number; merged_into: number | null; linked_to: number | null }>(
        em,
        `select t.id, m.number as merged_into, l.number as linked_to from ticket t
           left join ticket m on m.id = t.merged_into_id left join ticket l on l.id = t.linked_to_id
         where t.id = any($1::bigint[]) and (t.merged_into_id is not null or t.linked_to_id is not null)`,
        [ids],
      );
      const number = (n: number | null) => (n === null ? null : Number(n));
      return byKey(rows, (r) => Number(r.id), ids).map((r) => ({ mergedInto: number(r?.merged_into ?? null), linkedTo: number(r?.linked_to ?? null) }));
    }),
    ccs: new DataLoader((ids) => peopleVia(em, 'ticket_cc', ids)),
    watchers: new DataLoader((ids) => peopleVia(em, 'ticket_watcher', ids)),
    messages: new DataLoader(async (ids) => {
      const rows = await readRows<MessageWithAuthor>(
        em,
        `select ${MESSAGE_COLUMNS}, ${MESSAGE_AUTHOR_COLUMNS} from ${MESSAGE_FROM} where m.ticket_id = any($1::bigint[]) order by m.ticket_id, m.created_at, m.id`,
        [ids],
      );
      return grouped(primed(rows), (m) => Number(m.ticket_id), ids);
    }),
    lastMessage: new DataLoader(async (ids) => {
      // One row per ticket: its newest message (message_ticket_created_idx), with its author.
      const rows = await readRows<MessageWithAuthor>(
        em,
        `select ${MESSAGE_COLUMNS}, ${MESSAGE_AUTHOR_COLUMNS} from (select distinct on (ticket_id) id from message where ticket_id = any($1::bigint[])
          order by ticket_id, created_at desc, id desc) newest join ${MESSAGE_FROM} on m.id = newest.id`,
        [ids],
      );
      return byKey(primed(rows), (m) => Number(m.ticket_id), ids);
    }),
    events: new DataLoader(async (ids) => {
      const rows = await readRows<EventRow>(
        em,
        `select id, ticket_id, kind, actor_id, actor_label, from_value, to_value, detail, created_at from ticket_event
          where ticket_id = any($1::bigint[]) order by ticket_id, created_at, id`,
        [ids],
      );
      return grouped(rows, (e) => Number(e.ticket_id), ids);
    }),
    attachments,
    bodyHtml: messageColumnLoader(em, 'body_html'),
    visibleText: messageColumnLoader(em, 'visible_text'),
    replyDue: new DataLoader(async (ids) => {
      const due = await replyDueByTicket(em, replyClock, ids);
      return ids.map((id) => due.get(id) ?? null);
    }),
    delivery: new DataLoader(async (ids) => {
      const rows = await readRows<DeliveryRow>(
        em,
        `select distinct on (thread_id) thread_id, status, recipients, attempts, last_error, sent_at
           from outbound_delivery where thread_id = any($1::int[]) order by thread_id, id desc`,
        [ids],
      );
      return byKey(rows, (r) => Number(r.thread_id), ids);
    }),
  };
}

/** One text column of `message` that the thread query leaves out (see MESSAGE_COLUMNS), by row id. */
function messageColumnLoader(em: Em, column: 'body_html' | 'visible_text'): DataLoader<number, string | null> {
  return new DataLoader(async (ids) => {
    const rows = await readRows<{ id: number; value: string | null }>(em, `select id, ${column} as value from message where id = any($1::bigint[])`, [ids]);
    return byKey(rows, (r) => Number(r.id), ids).map((r) => r?.value ?? null);
  });
}
