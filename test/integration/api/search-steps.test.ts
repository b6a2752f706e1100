/**
 * The two steps of a date-ordered search (src/tickets/search.ts): a word PostgreSQL's statistics
 * call common is answered from the next tickets in order, checked one by one; a rare word goes
 * straight to the indexed search over every ticket. Either way the page must be exactly the page
 * of a complete search, on the first page and after a cursor, with the other filters and an agent's
 * scope. The statements are told apart by their text. Counted with MikroORM's query logger on a real PostgreSQL. And a search's statements run
 * under SEARCH_TIMEOUT_MS, without leaving the timeout on the pooled connection.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openOrm, type Orm } from '../../../src/db/orm.js';
import { isStatementTimeout, readRows } from '../../../src/db/read-query.js';
import { AppError } from '../../../src/errors.js';
import { Message, Person, Queue, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, TicketStatus } from '../../../src/entities/enums.js';
import { OrderDirection, TicketOrderField, type TicketFilter } from '../../../src/graphql/types/ticket-inputs.js';
import type { TicketScope } from '../../../src/graphql/ticket-access.js';
import { listTickets } from '../../../src/tickets/search.js';
import { createTestDatabase } from '../../harness/postgres.js';

const TICKETS = 300;
let orm: Orm;
let databaseUrl: string;
let statements: string[] = [];
let counting = false;
let queueIds: number[] = [];
/** Every seeded ticket, newest update first: the order of a date search. */
const seeded: { number: number; words: string; status: TicketStatus; queueId: number }[] = [];

const ADMIN: TicketScope = { admin: true, queueIds: [] };

async function search(
  text: string,
  options: { first: number; after?: string | null; filter?: Partial<TicketFilter>; scope?: TicketScope; ascending?: boolean; relevance?: boolean; timeoutMs?: number },
) {
  statements = [];
  counting = true;
  try {
    return await listTickets(orm.em.fork(), {
      filter: { ...options.filter, search: text } as TicketFilter,
      order: { field: options.relevance ? TicketOrderField.RELEVANCE : TicketOrderField.UPDATED_AT, direction: options.ascending ? OrderDirection.ASC : OrderDirection.DESC },
      first: options.first,
      after: options.after ?? null,
      scope: options.scope ?? ADMIN,
      searchTimeoutMs: options.timeoutMs,
      replyClock: { replyTargets: { URGENT: null, HIGH: null, NORMAL: null, LOW: null }, businessHours: null },
    });
  } finally {
    counting = false;
  }
}

/** What a complete search gives: the seeded tickets with `word`, in order, filtered by `keep`. */
function expected(word: string, keep: (t: (typeof seeded)[number]) => boolean = () => true, ascending = false): number[] {
  const list = seeded.filter((t) => t.words.includes(word) && keep(t)).map((t) => t.number);
  return ascending ? list.reverse() : list;
}

/** Which steps a page's statements ran: F the first step, I the indexed search. */
function steps(sql: readonly string[]): string {
  return sql.map((line) => (line.includes('offset 0') ? 'F' : line.includes('m.search_vector @@') && !line.includes('explain (format json)') ? 'I' : '')).join('');
}

/** Pages through the whole search, `first` at a time; returns the numbers and the steps of each page. */
async function pageThrough(text: string, first: number, options: Omit<Parameters<typeof search>[1], 'first' | 'after'> = {}) {
  const numbers: number[] = [];
  const perPage: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await search(text, { ...options, first, after });
    numbers.push(...page.rows.map((r) => Number(r.number)));
    perPage.push(steps(statements));
    if (!page.hasNextPage) return { numbers, perPage };
    after = `${page.rows.at(-1)!.position}|${page.rows.at(-1)!.id}`;
  }
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await openOrm(databaseUrl, (line) => {
    if (counting) statements.push(line);
  });
  await migrate(orm);
  const em = orm.em.fork();
  const queues = [new Queue('Steps A'), new Queue('Steps B')];
  em.persist(queues);
  const requester = new Person('steps@customer.test', 'Steps Customer');
  const start = Date.UTC(2026, 0, 1);
  const tickets: { ticket: Ticket; words: string }[] = [];
  for (let i = 0; i < TICKETS; i++) {
    // Every ticket says "printer" (a common word); every 60th also "kerberos" (a rare one).
    const words = i % 60 === 7 ? 'printer kerberos' : 'printer';
    const ticket = new Ticket(`Ticket ${i}`, requester);
    ticket.queue = queues[i % 2]!;
    ticket.status = i % 3 === 0 ? TicketStatus.CLOSED : TicketStatus.OPEN;
    ticket.createdAt = new Date(start + i * 60_000);
    ticket.updatedAt = new Date(start + ((i * 7919) % TICKETS) * 60_000); // update order differs from creation order
    const message = new Message(ticket, MessageDirection.INBOUND);
    message.author = requester;
    message.bodyText = `Hello, the ${words} does not work.`;
    em.persist([ticket, message]);
    tickets.push({ ticket, words });
  }
  await em.flush();
  // The statistics autovacuum would gather: the first step is chosen by them.
  await em.getConnection().execute('analyze message');
  queueIds = queues.map((q) => q.id);
  tickets.sort((a, b) => b.ticket.updatedAt.getTime() - a.ticket.updatedAt.getTime() || b.ticket.id - a.ticket.id);
  for (const { ticket, words } of tickets) seeded.push({ number: ticket.number, words, status: ticket.status, queueId: ticket.queue!.id });
});
afterAll(() => orm?.close());

describe('a date-ordered search in two steps', () => {
  it('answers a common word from the first step alone, page after page, with the pages of a complete search', async () => {
    const { numbers, perPage } = await pageThrough('printer', 20);
    expect(numbers).toEqual(expected('printer'));
    // Every full page came from the first step alone; only the last one also needed the index.
    expect(perPage.slice(0, -1).every((page) => page === 'F')).toBe(true);
    expect(perPage.at(-1)).toBe('FI');
    console.log(`"printer" over ${TICKETS} tickets, 20 per page: steps per page ${perPage.join(' ')}`);
  });

  it('goes straight to the indexed search for a rare word, with the same pages', async () => {
    const { numbers, perPage } = await pageThrough('kerberos', 2);
    expect(numbers).toEqual(expected('kerberos'));
    expect(numbers).toHaveLength(TICKETS / 60);
    expect(perPage.every((page) => page === 'I')).toBe(true);
  });

  it('keeps the other filters, the ascending order and an agent scope in both steps', async () => {
    const open = (t: (typeof seeded)[number]) => t.status === TicketStatus.OPEN;
    expect((await pageThrough('printer', 15, { filter: { status: [TicketStatus.OPEN] } })).numbers).toEqual(expected('printer', open));
    expect((await pageThrough('printer', 15, { ascending: true })).numbers).toEqual(expected('printer', () => true, true));
    const agentScope: TicketScope = { admin: false, queueIds: [queueIds[1]!] };
    const inB = (t: (typeof seeded)[number]) => t.queueId === queueIds[1];
    expect((await pageThrough('printer', 15, { scope: agentScope })).numbers).toEqual(expected('printer', inB));
    expect((await pageThrough('kerberos', 1, { scope: agentScope })).numbers).toEqual(expected('kerberos', inB));
    expect((await pageThrough('printer', 10, { scope: { admin: false, queueIds: [] } })).numbers).toEqual([]);
  });
});

describe('SEARCH_TIMEOUT_MS', () => {
  it('cancels a statement that runs too long and leaves no timeout on the pooled connection', async () => {
    const em = orm.em.fork();
    const slow = await readRows(em, 'select pg_sleep(5)', [], { timeoutMs: 100 }).catch((error: unknown) => error);
    expect(isStatementTimeout(slow)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const [row] = await readRows<{ v: string }>(em, `select current_setting('statement_timeout') as v`, []);
      expect(row!.v).toBe('0');
    }
  });

  it('answers a search that overruns it with QUERY_LIMIT_EXCEEDED on filter.search', async () => {
    // Another session holds the message table, so the search waits (a wait counts towards the timeout).
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table message in access exclusive mode');
      const refused = await search('printer', { first: 20, relevance: true, timeoutMs: 200 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', kind: 'user', field: ['filter', 'search'] });
      expect((refused as Error).message).toContain('SEARCH_TIMEOUT_MS (200 ms)');
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    // Without the lock, the same search is answered.
    expect((await search('printer', { first: 20, relevance: true, timeoutMs: 10_000 })).rows).toHaveLength(20);
  });
});
