/** Waiting for asynchronous outcomes (a poller, a worker) and reading a test database directly. */
import pg from 'pg';

/** Polls until `check` returns something truthy; a hang fails after 30 s (no timing assertion). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, what = 'condition'): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not met within 30 s`);
}

/** One query on its own connection. */
export async function queryDatabase<T extends pg.QueryResultRow>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
