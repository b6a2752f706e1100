/**
 * One poller per mailbox across instances: a PostgreSQL session advisory lock held on a dedicated
 * connection. When the holder dies its connection closes and the lock is free at once; another
 * instance's next try (every few seconds) takes it.
 *
 * A lock alone cannot stop a leader that froze (SIGSTOP, a long GC pause) and wakes up after its
 * connection was killed: so every acquisition increments mailbox_state.lease_generation (the
 * fencing number), and each ingest commit checks it still matches (ingest-message.ts).
 */
import { hostname } from 'node:os';
import pg from 'pg';
import type { Orm } from './orm.js';

export interface MailboxLease {
  readonly generation: number;
  /** Resolves when the lock's connection is lost (the lease may be taken by another instance). */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

const lockKey = (mailbox: string) => `postdesk:mailbox:${mailbox}`;

/**
 * Tries once to take the lease.
 * @returns the lease, or null when another instance holds it
 */
export async function tryAcquireMailboxLease(orm: Orm, databaseUrl: string, mailbox: string, exclusive = true): Promise<MailboxLease | null> {
  if (!exclusive) return sharedLease(orm, mailbox);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: `postdesk lease ${mailbox}`, keepAlive: true });
  let onLost: () => void = () => undefined;
  const lost = new Promise<void>((resolve) => (onLost = resolve));
  client.on('error', () => onLost());
  client.on('end', () => onLost());
  await client.connect();
  try {
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [lockKey(mailbox)]);
    if (!result.rows[0]?.locked) {
      await client.end();
      return null;
    }
    const holder = `${hostname()}:${process.pid}`;
    const rows = await orm.em.fork().execute<{ lease_generation: string }[]>(
      `insert into mailbox_state (name, highest_uid, lease_generation, lease_holder, lease_acquired_at, updated_at)
       values (?, 0, 1, ?, now(), now())
       on conflict (name) do update set lease_generation = mailbox_state.lease_generation + 1,
         lease_holder = excluded.lease_holder, lease_acquired_at = now(), updated_at = now()
       returning lease_generation`,
      [mailbox, holder],
    );
    const generation = Number(rows[0]?.lease_generation);
    // Audit trail of acquisitions (TESTPLAN F11): who held which generation when.
    await orm.em.fork().execute(
      `insert into ticket_event (ticket_id, actor_label, kind, to_value, detail, created_at) values (null, ?, 'mailbox-lease', ?, ?, now())`,
      [`instance:${holder}`, String(generation), JSON.stringify({ mailbox })],
    );
    return {
      generation,
      lost,
      async release() {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(mailbox)]).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * MAILBOX_LEASE=off, for tests only (TESTPLAN F12): no advisory lock and no new fencing number, so
 * every instance polls the mailbox at once with the same generation. What then keeps each message
 * single is the ledger's unique (mailbox, UIDVALIDITY, UID) and the Message-ID lock of the ingest
 * transaction: the defence in depth that test proves.
 */
async function sharedLease(orm: Orm, mailbox: string): Promise<MailboxLease> {
  const em = orm.em.fork();
  await em.execute(
    `insert into mailbox_state (name, highest_uid, lease_generation, lease_holder, lease_acquired_at, updated_at)
     values (?, 0, 1, 'shared (MAILBOX_LEASE=off)', now(), now()) on conflict (name) do nothing`,
    [mailbox],
  );
  const rows = await em.execute<{ lease_generation: string }[]>('select lease_generation from mailbox_state where name = ?', [mailbox]);
  return { generation: Number(rows[0]?.lease_generation), lost: new Promise<void>(() => undefined), release: async () => undefined };
}
