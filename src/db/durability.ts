/**
 * TESTPLAN D12: a server running with fsync, synchronous_commit or full_page_writes off can lose
 * committed transactions in a crash, and "committed" is what lets us mark mail as processed.
 */
import type { Em } from './orm.js';

const SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes'] as const;

/** @returns a reason naming each unsafe setting, or null when all are on */
export async function checkDurability(em: Em): Promise<string | null> {
  const off: string[] = [];
  for (const name of SETTINGS) {
    const rows = await em.execute<{ value: string }[]>(`select current_setting('${name}') as value`);
    if (rows[0]?.value === 'off') off.push(name);
  }
  return off.length === 0
    ? null
    : `PostgreSQL runs with ${off.join(', ')} off: a crash could lose mail already marked as processed; ingest is refused (set REQUIRE_DURABLE_DATABASE=false only for throwaway test databases)`;
}
