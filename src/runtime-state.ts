/**
 * What a running gateway knows about its own health, read by /readyz. There is no state here
 * that must be unique across instances: several gateways may share one database.
 */
import type { Orm } from './db/orm.js';

/** What a mailbox's poller reports about itself. */
export interface MailboxHealth {
  /** standby: another instance holds this mailbox's lease. */
  state: 'connecting' | 'connected' | 'reconnecting' | 'standby' | 'disabled';
  backlog: number | null;
  /** When the oldest message not yet processed arrived (its IMAP INTERNALDATE). */
  oldestUnprocessedAt?: Date | null;
  /**
   * Why the last session ended (a full disk, a refused login, the database gone), kept until the
   * mailbox commits mail or catches up: what an operator looks for when the backlog grows.
   */
  lastError?: { reason: string; at: Date } | null;
}

/** A mailbox in /readyz: its health plus the age of the oldest unprocessed message as of the read. */
export interface MailboxReadiness extends MailboxHealth {
  oldestUnprocessedAgeSeconds: number | null;
}

export interface Readiness {
  ready: boolean;
  database: 'connected' | 'unreachable';
  reasons: string[];
  mailboxes: Record<string, MailboxReadiness>;
}

export class RuntimeState {
  /**
   * Set once the database answers, migrations are applied, the secret is known and the outbound
   * worker runs: GraphQL and the file routes answer 503 until then, and /readyz says why.
   */
  orm: Orm | null = null;
  /** Why the database is not (yet) usable, for /readyz and logs. */
  databaseProblem: string | null = 'connecting to the database';
  /** HMAC key of our Message-IDs, once the database is ready. */
  secret: string | null = null;
  /** Set when PostgreSQL is not crash-safe (TESTPLAN D12): ingest is refused. */
  durabilityProblem: string | null = null;
  readonly mailboxes = new Map<string, MailboxHealth>();

  /** True when mail may be ingested: database up, migrated and durable. */
  get canIngest(): boolean {
    return this.orm !== null && this.durabilityProblem === null;
  }

  async readiness(): Promise<Readiness> {
    const reasons: string[] = [];
    let database: Readiness['database'] = 'unreachable';
    if (this.orm) {
      try {
        await this.orm.em.fork().execute('select 1');
        database = 'connected';
      } catch (error) {
        reasons.push(`database: ${(error as Error).message}`);
      }
    } else {
      reasons.push(this.databaseProblem ? `database: ${this.databaseProblem}` : 'starting: migrating the database and starting the outbound worker');
    }
    if (this.durabilityProblem) reasons.push(this.durabilityProblem);
    const now = Date.now();
    const mailboxes = Object.fromEntries([...this.mailboxes].map(([name, health]) => [name, withAge(health, now)]));
    return { ready: reasons.length === 0, database, reasons, mailboxes };
  }
}

/**
 * The age of a mailbox's oldest unprocessed message as of `now`. Stored as a date, not an age:
 * an age computed when a catch-up starts would stand still while the backlog is stuck (F16).
 */
function withAge(health: MailboxHealth, now: number): MailboxReadiness {
  if (!health.backlog) return { ...health, oldestUnprocessedAgeSeconds: null, oldestUnprocessedAt: null };
  const at = health.oldestUnprocessedAt;
  return { ...health, oldestUnprocessedAgeSeconds: at ? Math.max(0, Math.round((now - at.getTime()) / 1000)) : null };
}
