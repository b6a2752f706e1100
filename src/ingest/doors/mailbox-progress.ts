/**
 * A mailbox's committed progress: UIDVALIDITY and the highest UID whose message is committed.
 * Every write is fenced by the lease generation, so a former leader cannot move it.
 */
import type { Em, Orm } from '../../db/orm.js';
import { Door } from '../../entities/enums.js';
import { QuarantinedMessage } from '../../entities/index.js';
import type { Logger } from '../../log.js';
import { LeaseLostError } from '../ingest-message.js';
import type { QuarantineSummary } from '../quarantine-summary.js';

export class MailboxProgress {
  private constructor(
    private readonly orm: Orm,
    readonly mailbox: string,
    readonly generation: number,
    readonly uidValidity: number,
    public highestUid: number,
  ) {}

  /**
   * Reads the state; a changed UIDVALIDITY (the folder was recreated) restarts from UID 1, and the
   * ledger's Message-ID de-duplication links what was already ingested instead of re-creating it.
   */
  static async load(orm: Orm, mailbox: string, generation: number, uidValidity: number, log: Logger): Promise<MailboxProgress> {
    const em = orm.em.fork();
    const rows = await em.execute<{ uid_validity: string | null; highest_uid: string }[]>(
      'select uid_validity, highest_uid from mailbox_state where name = ? and lease_generation = ?',
      [mailbox, generation],
    );
    const row = rows[0];
    if (!row) throw new LeaseLostError(mailbox);
    let highest = Number(row.highest_uid);
    const previous = row.uid_validity === null ? null : Number(row.uid_validity);
    if (previous !== uidValidity) {
      if (previous !== null) {
        log.warn({ previous, uidValidity }, 'UIDVALIDITY changed: rescanning the folder with de-duplication');
        await em.execute(
          `insert into ticket_event (ticket_id, actor_label, kind, from_value, to_value, detail, created_at) values (null, ?, 'uidvalidity-changed', ?, ?, ?, now())`,
          [`mailbox:${mailbox}`, String(previous), String(uidValidity), JSON.stringify({ mailbox })],
        );
      }
      highest = 0;
      const updated = await em.execute(
        'update mailbox_state set uid_validity = ?, highest_uid = 0, updated_at = now() where name = ? and lease_generation = ?',
        [uidValidity, mailbox, generation],
        'run',
      );
      if ((updated as { affectedRows?: number }).affectedRows === 0) throw new LeaseLostError(mailbox);
    }
    return new MailboxProgress(orm, mailbox, generation, uidValidity, highest);
  }

  /** Moves the watermark past `uid` (after its message committed). */
  async advance(uid: number): Promise<void> {
    if (uid <= this.highestUid) return;
    const result = await this.orm.em.fork().execute(
      'update mailbox_state set highest_uid = greatest(highest_uid, ?), updated_at = now() where name = ? and lease_generation = ?',
      [uid, this.mailbox, this.generation],
      'run',
    );
    if ((result as { affectedRows?: number }).affectedRows === 0) throw new LeaseLostError(this.mailbox);
    this.highestUid = uid;
  }

  /**
   * Which of these UIDs the ledger holds (committed in this UIDVALIDITY), and whether each ended
   * in quarantine. Fetch failures are left out: the server never handed those over.
   */
  async committedAmong(uids: readonly number[]): Promise<{ uid: number; quarantined: boolean }[]> {
    if (uids.length === 0) return [];
    const rows = await this.orm.em.fork().execute<{ uid: string; outcome: string }[]>(
      `select uid, outcome from inbound_receipt where mailbox = ? and uid_validity = ? and uid in (${uids.map(() => '?').join(', ')}) and outcome <> 'fetch-failed'`,
      [this.mailbox, this.uidValidity, ...uids],
    );
    return rows.map((row) => ({ uid: Number(row.uid), quarantined: row.outcome === 'quarantined' }));
  }

  /** Messages of this folder that an admin asked to be fetched again (retryQuarantinedMessage), oldest UID first. */
  async refetchRequested(): Promise<QuarantinedMessage[]> {
    return this.orm.em.fork().find(
      QuarantinedMessage,
      { mailbox: this.mailbox, uidValidity: this.uidValidity, refetchRequestedAt: { $ne: null }, resolvedAt: null },
      { orderBy: { uid: 'asc' }, limit: 100 },
    );
  }

  /**
   * A message the server would not hand over (too large, fetch keeps failing): recorded with the
   * reason in the quarantine list and the ledger, so no UID is ever skipped silently (D10, M10).
   * @param summary who sent what, when the server gave the header lines
   * @param whenNew work to commit with a new record (not on an admin's retry), e.g. telling the
   *   sender; the sentence it returns is added to the reason
   */
  async recordFetchFailure(
    uid: number,
    code: string,
    reason: string,
    summary: QuarantineSummary = { sender: null, subject: null },
    whenNew?: (em: Em) => Promise<string | null>,
  ): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      const seen = await em.execute<{ n: string }[]>(
        'select count(*) as n from inbound_receipt where mailbox = ? and uid_validity = ? and uid = ?',
        [this.mailbox, this.uidValidity, uid],
      );
      if (Number(seen[0]?.n) > 0) {
        // Fetched again on an admin's retry and still not handed over: the record says so.
        await em.execute(
          `update quarantined_message set reason_code = ?, reason = ?, sender = coalesce(?, sender), subject = coalesce(?, subject),
                  attempts = attempts + 1, last_attempt_at = now(), refetch_requested_at = null
           where mailbox = ? and uid_validity = ? and uid = ? and refetch_requested_at is not null and resolved_at is null`,
          [code, reason, summary.sender, summary.subject, this.mailbox, this.uidValidity, uid],
        );
        return;
      }
      const note = whenNew ? await whenNew(em) : null;
      const inserted = await em.execute<{ id: number }[]>(
        `insert into quarantined_message (raw_source_id, reason_code, reason, sender, subject, attempts, door, mailbox, uid_validity, uid, created_at, last_attempt_at)
         values (null, ?, ?, ?, ?, 1, ?, ?, ?, ?, now(), now()) returning id`,
        [code, note ? `${reason}; ${note}` : reason, summary.sender, summary.subject, Door.IMAP, this.mailbox, this.uidValidity, uid],
      );
      await em.execute(
        `insert into inbound_receipt (door, mailbox, uid_validity, uid, outcome, sha256, quarantined_id, received_at) values (?, ?, ?, ?, 'fetch-failed', '', ?, now())`,
        [Door.IMAP, this.mailbox, this.uidValidity, uid, inserted[0]?.id],
      );
    });
    await this.advance(uid);
  }
}
