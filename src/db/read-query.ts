/**
 * The API's hot read queries as PostgreSQL prepared statements, sent straight to the pg pool the
 * ORM owns.
 *
 * Why: bench:api showed each request's handful of reads costing more in planning than in
 * execution (0.5–1 ms of planning against 0.3 ms of work for a page of 50 tickets), plus the
 * ORM's per-statement formatting (it inlines parameters, so PostgreSQL can never reuse a plan).
 * A named statement is parsed and planned once per pooled connection and then only executed.
 *
 * Statement texts must be fixed strings with `$n` parameters (lists as `= any($1::bigint[])`), so
 * the number of distinct statements stays small: the name is derived from the text. Name every
 * column (no `*`): a prepared statement whose result columns change under it (a migration by
 * another instance during a rolling upgrade) fails with "cached plan must not change result type".
 *
 * Every statement is reported to the ORM's query logger, so tests that count SQL (query-count
 * test) see these as well. Only for reads outside a transaction: the pool's connection would not
 * see a transaction's uncommitted writes, so a transactional EntityManager is refused.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Em } from './orm.js';

const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `pd_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a read-only statement with `$n` parameters and returns its rows.
 * @param text a constant statement text; build lists with `= any($n)`, never by splicing values
 * @param options.timeoutMs PostgreSQL cancels the statement after this long (error code 57014,
 *   isStatementTimeout): for reads whose cost depends on what the caller asks for
 */
export async function readRows<T>(em: Em, text: string, values: readonly unknown[], options: { timeoutMs?: number } = {}): Promise<T[]> {
  if (em.isInTransaction()) throw new Error('readRows runs on its own pooled connection: not inside a transaction');
  const pool = (await em.getConnection().getNativeClient()) as pg.Pool;
  em.config.getLogger().logQuery({ query: text, level: 'info' });
  const statement = { name: statementName(text), text, values: [...values] };
  if (options.timeoutMs === undefined) return (await pool.query<T & pg.QueryResultRow>(statement)).rows;
  const client = await pool.connect();
  try {
    await client.query(`set statement_timeout = ${Math.max(1, Math.trunc(options.timeoutMs))}`);
    return (await client.query<T & pg.QueryResultRow>(statement)).rows;
  } finally {
    // The pool must never hand out a connection that still has the timeout: one that cannot be reset is closed.
    const stuck = await client.query('reset statement_timeout').then(
      () => false,
      () => true,
    );
    client.release(stuck);
  }
}

/** The statement was cancelled by its statement timeout (or by an administrator). */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}
