/**
 * Ticket listing and full-text search in one SQL statement, within a caller's scope.
 *
 * Search: websearch_to_tsquery over the same `simple` + unaccent configuration as the stored
 * vectors (postdesk_search_vector, see the initial migration), so accents and case are ignored and
 * "quoted words" are a phrase. A ticket matches when its subject, any of its messages' text, or
 * the name/email of any message author (or the requester) matches. Every filter combines with it.
 *
 * Paging is keyset on (order value, id): the cursor holds the last row's position, not an offset,
 * so tickets arriving meanwhile never shift or repeat a page.
 *
 * A search ordered by date runs in up to two steps. A common word ("printer", "password") matches
 * a large share of all messages, and collecting every match first cost about a second on 100,000
 * tickets. So when PostgreSQL's statistics say the words are in at least 5 % of all messages, the
 * first step checks the next tickets in the requested order one by one (at most four pages' worth);
 * when that fills the page, the page is exactly the one a complete search would give (every ticket
 * before the last one checked was checked). Otherwise, and for rarer words from the start, the
 * words are looked up through the indexes over all tickets. The estimate costs a planning round
 * trip (about 1 ms); running the first step for every search made bench:api's rare-word search
 * p95 56 → 83–92 ms.
 */
import type { Em } from '../db/orm.js';
import { isStatementTimeout, readRows } from '../db/read-query.js';
import { TicketStatus } from '../entities/enums.js';
import { AppError } from '../errors.js';
import { TICKET_RELATION_COLUMNS } from '../graphql/loaders.js';
import type { TicketScope } from '../graphql/ticket-access.js';
import type { TicketRow } from '../graphql/types/ticket.type.js';
import { OrderDirection, TicketOrderField, type TicketFilter, type TicketOrder } from '../graphql/types/ticket-inputs.js';
import { replyOverdueSql, type ReplyClock } from './reply-targets.js';

export interface TicketListQuery {
  filter: TicketFilter | null | undefined;
  order: TicketOrder | null | undefined;
  first: number;
  /** Decoded cursor: `<order value>|<id>`. */
  after: string | null;
  scope: TicketScope;
  /** SEARCH_TIMEOUT_MS: the longest a costly statement of a search (ranking, counting, the indexed search for common words) may run. */
  searchTimeoutMs?: number;
  /** REPLY_TARGETS, for `filter.replyOverdue`. */
  replyClock: ReplyClock;
}

export interface TicketListPage {
  rows: (TicketRow & { position: string })[];
  hasNextPage: boolean;
  countTotal: () => Promise<number>;
}

const QUERY = `websearch_to_tsquery('simple', public.unaccent('public.unaccent'::regdictionary, ?))`;
/** The same normalisation as the stored vectors, for people (expression index person_search_idx). */
const PERSON_VECTOR = `postdesk_search_vector(coalesce(p.name, '') || ' ' || p.email)`;
const MAX_SEARCH_LENGTH = 500;

/** The `?` placeholders the builders below write, numbered `$1, $2 …` in order for PostgreSQL. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

interface Where {
  sql: string[];
  params: unknown[];
}

/** The caller's scope and every filter but the search (searchCondition). */
function buildWhere(filter: TicketFilter | null | undefined, scope: TicketScope, replyClock: ReplyClock): Where {
  const where: Where = { sql: [], params: [] };
  const add = (sql: string, ...params: unknown[]) => {
    where.sql.push(sql);
    where.params.push(...params);
  };
  if (!scope.admin) {
    if (scope.queueIds.length === 0) add('false');
    else add(`t.queue_id = any(?::bigint[])`, scope.queueIds);
  }
  if (!filter) return where;
  if (filter.status && filter.status.length > 0) {
    const known = filter.status.filter((s) => Object.values(TicketStatus).includes(s));
    add(`t.status = any(?::ticket_status[])`, known);
  }
  if (filter.queue != null) add(`t.queue_id = (select id from queue where name = ?)`, filter.queue);
  if (filter.priority != null) add(`t.priority = ?`, filter.priority);
  if (filter.type != null) add(`t.type = ?`, filter.type);
  if (filter.category != null) add(`t.category_id = (select id from category where name = ?)`, filter.category);
  if (filter.assignee != null) add(`t.assignee_id = (select id from person where email = ?)`, filter.assignee.trim().toLowerCase());
  if (filter.requester != null) add(`t.requester_id = (select id from person where email = ?)`, filter.requester.trim().toLowerCase());
  if (filter.unassigned != null) add(filter.unassigned ? 't.assignee_id is null' : 't.assignee_id is not null');
  if (filter.awaitingReply != null) add(filter.awaitingReply ? 't.awaiting_reply_since is not null' : 't.awaiting_reply_since is null');
  // Snoozed: until a time still ahead (a snooze whose time passed a moment ago is being woken).
  if (filter.snoozed != null) add(filter.snoozed ? 't.snoozed_until > now()' : '(t.snoozed_until is null or t.snoozed_until <= now())');
  if (filter.satisfaction != null) add('t.satisfaction = ?', filter.satisfaction);
  if (filter.replyOverdue != null) {
    const overdue = replyOverdueSql(replyClock);
    add(filter.replyOverdue ? overdue.sql : `not ${overdue.sql}`, ...overdue.params);
  }
  if (filter.createdAfter != null) add('t.created_at >= ?', filter.createdAfter);
  if (filter.createdBefore != null) add('t.created_at < ?', filter.createdBefore);
  if (filter.updatedAfter != null) add('t.updated_at >= ?', filter.updatedAfter);
  // Containment, so the GIN index on field_values (Migration20261130050000_fields_and_merges) answers it.
  if (filter.field != null) add(`t.field_values @> ?::jsonb`, JSON.stringify({ [filter.field.name]: filter.field.value }));
  if (filter.organization != null) {
    // Requesters writing from one of its domains (people/organizations.ts), matched exactly.
    add(`t.requester_id in (select p.id from person p where substring(p.email from '@([^@]*)$') = any((select domains from organization where name = ?)::text[]))`, filter.organization);
  }
  return where;
}

/** The WHERE clause of `where` ('' when it has no condition). */
function whereSql(where: Where): string {
  return where.sql.length > 0 ? `where ${where.sql.join(' and ')}` : '';
}

/** `where` and one more condition, as a new Where. */
function and(where: Where, [sql, ...params]: [sql: string, ...params: unknown[]]): Where {
  return { sql: [...where.sql, sql], params: [...where.params, ...params] };
}

/**
 * A ticket (aliased `t`) matches the search: its subject, any message's text or author, or its
 * requester. Returns the SQL and its parameters.
 * @param perRow look-ups per ticket (`offset 0` keeps PostgreSQL from turning them into one hash of
 *   every matching message), for the few tickets of a first step; else through the GIN indexes
 */
function searchCondition(search: string, perRow: boolean): [sql: string, ...params: string[]] {
  const authors = `(select p.id from person p where ${PERSON_VECTOR} @@ ${QUERY})`;
  const inMessages = perRow
    ? `exists (select 1 from message m where m.ticket_id = t.id and m.search_vector @@ ${QUERY} offset 0)
        or exists (select 1 from message m where m.ticket_id = t.id and m.author_id in ${authors} offset 0)`
    : `t.id in (select m.ticket_id from message m where m.search_vector @@ ${QUERY})
        or t.id in (select m.ticket_id from message m where m.author_id in ${authors})`;
  return [`(t.search_vector @@ ${QUERY} or ${inMessages} or t.requester_id in ${authors})`, search, search, search, search];
}

/** The trimmed search text, or '' for none. */
function searchText(filter: TicketFilter | null | undefined): string {
  const search = filter?.search?.trim() ?? '';
  if (search.length > MAX_SEARCH_LENGTH) throw new AppError('BAD_USER_INPUT', `search must be at most ${MAX_SEARCH_LENGTH} characters`, 'user', ['filter', 'search']);
  return search;
}

/** How many tickets the first step of a search checks at most, for a page of `rows` rows. */
function firstStepTickets(rows: number): number {
  return Math.min(4 * rows, 400);
}

/** The share of all messages, from which on a search starts with the first step. */
const COMMON_SHARE = 0.05;

/**
 * PostgreSQL's estimate (statistics only, nothing is read) of matching messages beside all messages:
 * the plan of both counts in one statement, so one round trip.
 */
const ESTIMATE_SQL = `explain (format json) select 1 from message m where m.search_vector @@ ${QUERY.replace('?', '$1')} union all select 1 from message m`;

/** Whether the search text is estimated to be in at least COMMON_SHARE of all messages. */
async function isCommon(em: Em, search: string): Promise<boolean> {
  type Plan = { 'Plan Rows': number; Plans?: Plan[] };
  const [row] = await readRows<{ 'QUERY PLAN': [{ Plan: Plan }] }>(em, ESTIMATE_SQL, [search]);
  const [matching, all] = (row?.['QUERY PLAN'][0].Plan.Plans ?? []).map((plan) => plan['Plan Rows']);
  return matching !== undefined && all !== undefined && all > 0 && matching / all >= COMMON_SHARE;
}

/** Text of the rank: the subject counts double; the best matching message counts once. */
function rankSql(): string {
  return `(2 * ts_rank(t.search_vector, ${QUERY}) + coalesce((select max(ts_rank(m.search_vector, ${QUERY})) from message m where m.ticket_id = t.id and m.search_vector @@ ${QUERY}), 0))::real`;
}

const COLUMNS = `t.id, t.number, t.subject, t.status, t.priority, t.type, t.queue_id, t.requester_id, t.assignee_id, t.category_id, t.created_at, t.updated_at, t.closed_at,
    t.first_response_at, t.awaiting_reply_since, t.snoozed_until, t.satisfaction, t.satisfaction_at,
    ${TICKET_RELATION_COLUMNS}`;

export async function listTickets(em: Em, query: TicketListQuery): Promise<TicketListPage> {
  const search = searchText(query.filter);
  const filters = buildWhere(query.filter, query.scope, query.replyClock);
  const where = search ? and(filters, searchCondition(search, false)) : filters;
  const field = query.order?.field ?? TicketOrderField.UPDATED_AT;
  const direction = query.order?.direction ?? OrderDirection.DESC;
  if (field === TicketOrderField.RELEVANCE && !search) {
    throw new AppError('BAD_USER_INPUT', 'ordering by RELEVANCE needs filter.search', 'user', ['orderBy', 'field']);
  }
  const orderParams: unknown[] = field === TicketOrderField.RELEVANCE ? [search, search, search] : [];
  const orderExpr = field === TicketOrderField.RELEVANCE ? rankSql() : field === TicketOrderField.CREATED_AT ? 't.created_at' : 't.updated_at';
  const cmp = direction === OrderDirection.DESC ? '<' : '>';
  const dir = direction === OrderDirection.DESC ? 'desc' : 'asc';

  /** `where` plus the cursor's position: the rows after it. */
  const afterCursor = (where: Where): Where => {
    if (query.after === null) return where;
    const bar = query.after.lastIndexOf('|');
    const value = query.after.slice(0, bar);
    const id = Number(query.after.slice(bar + 1));
    const valid = bar > 0 && Number.isInteger(id) && (field === TicketOrderField.RELEVANCE ? Number.isFinite(Number(value)) : !Number.isNaN(Date.parse(value)));
    if (!valid) throw new AppError('BAD_USER_INPUT', 'the cursor does not belong to this ordering', 'user', ['after']);
    const cast = field === TicketOrderField.RELEVANCE ? 'real' : 'timestamptz';
    return and(where, [`(${orderExpr}, t.id) ${cmp} (?::${cast}, ?)`, ...orderParams, value, id]);
  };
  const order = `order by ${orderExpr} ${dir}, t.id ${dir}`;
  // The position is rendered by PostgreSQL so the cursor round-trips exactly (microseconds, float4).
  const positionSql = field === TicketOrderField.RELEVANCE ? `(${orderExpr})::text` : `to_char(${orderExpr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const wanted = query.first + 1; // one more than the page: is there a next page?
  // Statements whose cost grows with the number of matches run under SEARCH_TIMEOUT_MS: ranking
  // (RELEVANCE ranks every match), counting, and the indexed search for words estimated common. A
  // rare word's indexed search and the first step are bounded, and skip the timeout's two round trips.
  const read = async <T>(text: string, values: unknown[], unbounded: boolean): Promise<T[]> => {
    try {
      return await readRows<T>(em, text, values, unbounded ? { timeoutMs: query.searchTimeoutMs } : {});
    } catch (error) {
      if (!isStatementTimeout(error)) throw error;
      const message = `the search took longer than SEARCH_TIMEOUT_MS (${query.searchTimeoutMs} ms); narrow it with filters or more specific words`;
      throw new AppError('QUERY_LIMIT_EXCEEDED', message, 'user', ['filter', 'search'], { cause: error });
    }
  };

  let rows: (TicketRow & { position: string })[] | null = null;
  const relevance = field === TicketOrderField.RELEVANCE;
  const commonWords = search !== '' && !relevance && (await isCommon(em, search));
  if (commonWords) {
    // First step (see the top of this file): the next tickets in order, searched one by one.
    const candidates = afterCursor(filters);
    const [matching, ...matchingParams] = searchCondition(search, true);
    const found = await read<TicketRow & { position: string }>(
      numbered(
        `select ${COLUMNS}, ${positionSql} as position from (select t.* from ticket t ${whereSql(candidates)} ${order} limit ?) t where ${matching} ${order} limit ?`,
      ),
      [...candidates.params, firstStepTickets(wanted), ...matchingParams, wanted],
      false,
    );
    if (found.length === wanted) rows = found;
  }
  const page = afterCursor(where);
  rows ??= await read<TicketRow & { position: string }>(
    numbered(`select ${COLUMNS}, ${positionSql} as position from ticket t ${whereSql(page)} ${order} limit ?`),
    [...orderParams, ...page.params, ...orderParams, wanted],
    relevance || commonWords,
  );
  const hasNextPage = rows.length > query.first;
  return {
    rows: rows.slice(0, query.first),
    hasNextPage,
    countTotal: async () => {
      const count = await read<{ n: string }>(numbered(`select count(*) as n from ticket t ${whereSql(where)}`), where.params, search !== '');
      return Number(count[0]?.n ?? 0);
    },
  };
}

export interface TicketCountsRow {
  byStatus: Record<TicketStatus, number>;
  /** Tickets not closed that nobody is assigned to. */
  unassigned: number;
  /** Tickets whose customer waits for an answer (never closed ones: closing clears it). */
  awaitingReply: number;
  /** Of those, the ones waiting longer than their priority's reply target. */
  replyOverdue: number;
}

/** Visible tickets per status (the waiting-for-customer count included), unassigned, awaiting a reply and overdue, optionally of one queue: one statement. */
export async function countTickets(em: Em, scope: TicketScope, queueId: number | null, replyClock: ReplyClock): Promise<TicketCountsRow> {
  const visible = buildWhere(null, scope, replyClock);
  const overdue = replyOverdueSql(replyClock);
  const where = queueId === null ? visible : and(visible, ['t.queue_id = ?', queueId]);
  const rows = await readRows<{ status: TicketStatus; n: string; unassigned: string; awaiting_reply: string; reply_overdue: string }>(
    em,
    numbered(
      `select t.status, count(*) as n, count(*) filter (where t.assignee_id is null) as unassigned, count(*) filter (where t.awaiting_reply_since is not null) as awaiting_reply,
         count(*) filter (where ${overdue.sql}) as reply_overdue
       from ticket t ${whereSql(where)} group by t.status`,
    ),
    [...overdue.params, ...where.params],
  );
  const byStatus = Object.fromEntries(Object.values(TicketStatus).map((s) => [s, 0])) as Record<TicketStatus, number>;
  let unassigned = 0;
  let awaitingReply = 0;
  let replyOverdue = 0;
  for (const row of rows) {
    byStatus[row.status] = Number(row.n);
    if (row.status !== TicketStatus.CLOSED) unassigned += Number(row.unassigned);
    awaitingReply += Number(row.awaiting_reply);
    replyOverdue += Number(row.reply_overdue);
  }
  return { byStatus, unassigned, awaitingReply, replyOverdue };
}

/** One ticket row by id (after a mutation), in the same shape as the listing. */
export async function ticketRowById(em: Em, id: number): Promise<TicketRow | null> {
  return (await ticketRowsByIds(em, [id]))[0] ?? null;
}

/** Ticket rows by id (after a mutation, a bulk one too), in the order of `ids`. */
export async function ticketRowsByIds(em: Em, ids: readonly number[]): Promise<TicketRow[]> {
  const rows = await readRows<TicketRow>(em, `select ${COLUMNS} from ticket t where t.id = any($1::int[])`, [ids]);
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  return ids.map((id) => byId.get(id)).filter((row): row is TicketRow => row !== undefined);
}

/** One ticket row by its number, in the same shape as the listing. */
export async function ticketRowByNumber(em: Em, number: number): Promise<TicketRow | null> {
  const rows = await readRows<TicketRow>(em, `select ${COLUMNS} from ticket t where t.number = $1`, [number]);
  return rows[0] ?? null;
}
