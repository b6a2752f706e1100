/**
 * The IMAP door for one configured mailbox.
 *
 * Forever, until stopped: take the mailbox lease (db/lease.ts), connect, open the folder, catch up
 * on every UID above the committed watermark in batches, then wait in IDLE (or poll every
 * POLL_INTERVAL_MS when the server lacks IDLE) and catch up again on each new message. Any error
 * closes the session and reconnects with exponential backoff and jitter (first retry within 5 s,
 * capped at 60 s).
 *
 * Order per batch: each message commits first; only then are the batch's committed messages marked on the server (\Seen
 * plus the $Postdesk keyword) and the watermark advanced. Progress is the watermark and the
 * ledger (inbound_receipt), never \Seen or dates, so mail a person already read is still imported,
 * and a crash between commit and mark re-fetches a message the ledger already knows.
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import type { Config, MailboxConfig } from '../../config/env.js';
import { tryAcquireMailboxLease, type MailboxLease } from '../../db/lease.js';
import type { Orm } from '../../db/orm.js';
import { isTransientDatabaseError } from '../../db/transient.js';
import { Door } from '../../entities/enums.js';
import type { QuarantinedMessage } from '../../entities/index.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { accessTokens } from '../../mail/oauth2.js';
import type { MailboxHealth } from '../../runtime-state.js';
import { LeaseLostError, type IngestOutcome, type Provenance } from '../ingest-message.js';
import { MailboxProgress } from './mailbox-progress.js';
import { imapLibraryLogger, logImapConnectionError, sessionEndReason } from './imap-errors.js';
import { LARGE_MESSAGE_BYTES, reclaimMemory } from '../../memory.js';
import { handedOverBeforeFailure } from './fetch-failure.js';
import { pauseAfterMark } from './test-pause.js';
import { parseHeaderBlock, summaryOfParsed } from '../quarantine-summary.js';
import type { ParsedMessage } from '../types.js';
import { TOO_LARGE_FIELDS, tellSenderTooLarge } from '../../outbound/too-large-notice.js';

export const PROCESSED_KEYWORD = '$Postdesk';
/** Added besides PROCESSED_KEYWORD to messages kept in quarantine (visible in any mail client). */
export const QUARANTINED_KEYWORD = '$PostdeskQuarantined';
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 32 * 1024 * 1024;
/** Inactivity limit, far below imapflow's 5 minutes, so a half-open connection is noticed (F2). */
const SOCKET_TIMEOUT_MS = 60_000;
/** IDLE is restarted this often, so a healthy idle connection always has traffic within the timeout. */
const MAX_IDLE_MS = 25_000;
const LEASE_RETRY_MS = 5_000;
const FETCH_ATTEMPTS_BEFORE_RECORDING = 3;
/** The longest wait before a new session when the last one ended because PostgreSQL was unavailable. */
const STORAGE_RETRY_MAX_MS = 5_000;
/** At most this many committed-but-unmarked messages are marked at a session start. */
const MAX_MARKS_TO_FINISH = 1000;
/** Only a message up to this size is parsed ahead, beside the one committing. */
const LOOKAHEAD_MAX_BYTES = 1024 * 1024;
/** /readyz shows the first line of why a session ended, this long at most (the log has it whole). */
const MAX_REASON_CHARS = 300;

/**
 * Ingest in two steps: the returned promise settles once the message is parsed and checked (no
 * database yet); calling its result commits it. The poller parses the next message while the
 * current one commits; commits stay one at a time, in UID order.
 */
export type PrepareFn = (raw: Buffer, provenance: Provenance, retryOf?: QuarantinedMessage) => Promise<() => Promise<IngestOutcome>>;

export interface PollerDeps {
  readonly orm: Orm;
  readonly databaseUrl: string;
  readonly config: Config;
  readonly prepare: PrepareFn;
  readonly log: Logger;
  readonly health: (health: MailboxHealth) => void;
}

export interface MailboxPoller {
  stop(): Promise<void>;
}

/** Backoff with jitter: 1 s, 2 s, 4 s … capped at 60 s, each scaled by 0.5–1. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), 60_000);
  return Math.round(base * (0.5 + Math.random() / 2));
}

/**
 * How the mailbox signs in: an OAuth 2.0 access token from its provider (mail/oauth2.ts; `renew`
 * after the server refused the last one), else the password in its URL.
 */
export async function imapAuth(mailbox: MailboxConfig, renew = false): Promise<{ user: string; pass?: string; accessToken?: string }> {
  const url = new URL(mailbox.url);
  const user = decodeURIComponent(url.username);
  return mailbox.oauth2 ? { user, accessToken: await accessTokens(mailbox.oauth2).get(renew) } : { user, pass: decodeURIComponent(url.password) };
}

/** Connection settings, signing in with `auth` (imapAuth). */
export function imapOptions(mailbox: MailboxConfig, log: Logger, auth: { user: string; pass?: string; accessToken?: string }) {
  const url = new URL(mailbox.url);
  const secure = url.protocol === 'imaps:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    auth,
    logger: imapLibraryLogger(log) as never,
    autoIdleDelay: 50,
    maxIdleTime: MAX_IDLE_MS,
    missingIdleCommand: 'NOOP' as const,
    socketTimeout: SOCKET_TIMEOUT_MS,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  };
}

/**
 * Whether a session ended waiting on our own database (retried within seconds, TESTPLAN F5) rather
 * than on the mail server (backed off towards a minute). A lost IMAP link decides it: a dropped
 * or refused connection carries network codes a database outage carries too.
 */
export function endedOnStorage(error: unknown, imapLinkLost: boolean): boolean {
  if (imapLinkLost) return false;
  return (error instanceof AppError && error.kind === 'transient') || isTransientDatabaseError(error);
}

export function startMailboxPoller(mailbox: MailboxConfig, deps: PollerDeps): MailboxPoller {
  const log = deps.log.child({ component: 'imap', mailbox: mailbox.name });
  let stopped = false;
  let client: ImapFlow | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  const fetchFailures = new Map<number, number>();
  /** The server refused our OAuth 2.0 token (revoked, or the provider changed its mind early): ask for a new one. */
  let renewToken = false;
  /** Whether the current session committed a message: proof the server worked (see run()). */
  let committedInSession = false;
  const health: MailboxHealth = { state: 'connecting', backlog: null, lastError: null };
  const report = (change: Partial<MailboxHealth>) => deps.health(Object.assign(health, change));

  async function session(lease: MailboxLease): Promise<void> {
    const auth = await imapAuth(mailbox, renewToken);
    renewToken = false;
    const imap = new ImapFlow({ ...imapOptions(mailbox, log, auth), socketTimeout: deps.config.imapSocketTimeoutMs });
    client = imap;
    imap.on('error', (error: Error) => logImapConnectionError(log, error, deps.config.imapSocketTimeoutMs));
    await imap.connect();
    await ensureFolders(imap);
    const opened = await imap.mailboxOpen(mailbox.folder);
    const progress = await MailboxProgress.load(deps.orm, mailbox.name, lease.generation, Number(opened.uidValidity), log);
    await finishInterruptedMarks(imap, progress);
    await finishInterruptedMoves(imap, progress);
    report({ state: 'connected' });
    log.info({ uidValidity: String(opened.uidValidity), exists: opened.exists, idle: imap.capabilities.has('IDLE') }, 'mailbox connected');

    let pending = true;
    const onExists = () => {
      pending = true;
      wake?.();
    };
    imap.on('exists', onExists);
    const closed = new Promise<void>((resolve) => imap.once('close', () => resolve()));
    void lease.lost.then(() => wake?.());
    void closed.then(() => wake?.());
    try {
      while (!stopped && imap.usable) {
        if (pending) {
          pending = false;
          await catchUp(imap, progress, lease);
        }
        // IDLE (kept up by imapflow) wakes us on EXISTS; without IDLE this is the polling interval.
        // Either way a periodic sweep runs: cheap, and it catches any missed notice.
        if (!pending && imap.usable) await sleep(deps.config.pollIntervalMs); // a connection lost meanwhile is replaced now, not a poll interval later
        if (!imap.usable) break;
        pending = true;
      }
    } finally {
      imap.off('exists', onExists);
    }
  }

  /** Lists the UIDs above the watermark once, then works through them in batches. */
  async function catchUp(imap: ImapFlow, progress: MailboxProgress, lease: MailboxLease): Promise<void> {
    await refetchRequested(imap, progress, lease);
    const from = progress.highestUid + 1;
    const pendingList: { uid: number; size: number; date: Date | null }[] = [];
    for await (const m of imap.fetch(`${from}:*`, { uid: true, size: true, internalDate: true }, { uid: true })) {
      if (m.uid >= from) pendingList.push({ uid: m.uid, size: m.size ?? 0, date: toDate(m.internalDate) });
    }
    pendingList.sort((a, b) => a.uid - b.uid);
    while (pendingList.length > 0 && !stopped) {
      const oldest = pendingList[0]?.date;
      report({ backlog: pendingList.length, oldestUnprocessedAt: oldest ?? null }); // the age is computed when /readyz is read
      const batch: typeof pendingList = [];
      // After a failed fetch the suspect is fetched alone: a connection lost to an unrelated outage
      // during a large batch must not count against it (only its own fetch failing again does).
      const limit = fetchFailures.has(pendingList[0]!.uid) ? 1 : BATCH_MESSAGES;
      let bytes = 0;
      for (const item of pendingList) {
        if (batch.length >= limit || (batch.length > 0 && bytes + item.size > BATCH_BYTES)) break;
        batch.push(item);
        bytes += item.size;
      }
      const done = await ingestBatch(imap, progress, lease, batch);
      pendingList.splice(0, done);
      if (done < batch.length) return; // a message was not returned: look again on the next round
    }
    report({ backlog: 0, oldestUnprocessedAt: null, lastError: null });
  }

  /**
   * Fetches again the messages an admin retried that the server never handed over (FETCH_FAILED,
   * MESSAGE_TOO_LARGE). They are below the watermark; each commits as an admin's retry (its
   * quarantine record resolved in the same transaction) or updates its record with the new reason.
   */
  async function refetchRequested(imap: ImapFlow, progress: MailboxProgress, lease: MailboxLease): Promise<void> {
    const records = await progress.refetchRequested();
    if (records.length === 0) return;
    const onServer = new Map<number, { uid: number; size: number }>();
    for await (const m of imap.fetch(records.map((r) => r.uid).join(','), { uid: true, size: true }, { uid: true })) onServer.set(m.uid, { uid: m.uid, size: m.size ?? 0 });
    for (const record of records) {
      if (!onServer.has(record.uid!)) await progress.recordFetchFailure(record.uid!, 'FETCH_FAILED', 'asked to fetch it again, but the message is no longer in the folder');
    }
    log.info({ messages: onServer.size }, 'fetching again messages an admin retried');
    const retries = new Map(records.map((r) => [r.uid!, r]));
    await ingestBatch(imap, progress, lease, [...onServer.values()].sort((a, b) => a.uid - b.uid), retries);
  }

  /**
   * Some header lines of messages too large to fetch (TOO_LARGE_FIELDS), as the server hands them
   * over: who sent what, and whether it is automatic mail. Best effort: a failure leaves them unknown.
   */
  async function headersOf(imap: ImapFlow, messages: readonly { uid: number }[]): Promise<Map<number, ParsedMessage>> {
    const found = new Map<number, ParsedMessage>();
    if (messages.length === 0) return found;
    try {
      for await (const m of imap.fetch(messages.map((m) => m.uid).join(','), { uid: true, headers: TOO_LARGE_FIELDS }, { uid: true }) as AsyncIterable<FetchMessageObject>) {
        const parsed = m.headers ? await parseHeaderBlock(m.headers) : null;
        if (parsed) found.set(m.uid, parsed);
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'could not read the headers of messages too large to fetch');
    }
    return found;
  }

  /**
   * Fetches and ingests one batch; marks the committed messages and advances the watermark once
   * for the batch (the ledger recognises anything re-fetched after a crash in between).
   * @returns how many messages of the batch were dealt with, in UID order
   */
  async function ingestBatch(
    imap: ImapFlow,
    progress: MailboxProgress,
    lease: MailboxLease,
    batch: { uid: number; size: number; date?: Date | null }[],
    retries: ReadonlyMap<number, QuarantinedMessage> = new Map(),
  ): Promise<number> {
    // Committed already (by a former leader that died before advancing the watermark, or before a
    // crash): marked and counted without fetching them again.
    const known = new Map((await progress.committedAmong(batch.map((m) => m.uid))).map((m) => [m.uid, m.quarantined]));
    if (known.size > 0) log.info({ messages: known.size }, 'messages already committed above the watermark; not fetched again');
    const tooLarge = await headersOf(imap, batch.filter((m) => m.size > deps.config.maxMessageBytes && !known.has(m.uid)));
    const wanted = batch.filter((m) => m.size <= deps.config.maxMessageBytes && !known.has(m.uid));
    const sources = new Map<number, Buffer>();
    // Memory back before a large message is on the wire (memory.ts); app.ts collects after parse and commit.
    if (wanted.some((m) => m.size >= LARGE_MESSAGE_BYTES)) reclaimMemory();
    if (wanted.length > 0) {
      try {
        for await (const m of imap.fetch(wanted.map((m) => m.uid).join(','), { uid: true, source: true }, { uid: true }) as AsyncIterable<FetchMessageObject>) {
          if (m.source) sources.set(m.uid, m.source);
          fetchFailures.delete(m.uid); // handed over after all: no longer a suspect
        }
      } catch (error) {
        // Messages handed over before the failure are ingested below; the first missing one heads the next batch (fetch-failure.ts).
        if (!handedOverBeforeFailure(wanted, sources, error, log)) {
          // A fetch that fails again and again for the first UID must not block the mailbox (D10).
          const first = wanted[0]!.uid;
          const failures = (fetchFailures.get(first) ?? 0) + 1;
          fetchFailures.set(first, failures);
          if (failures < FETCH_ATTEMPTS_BEFORE_RECORDING) throw error;
          log.error({ uid: first, err: (error as Error).message }, 'fetch keeps failing; recording the message as not handed over');
          await progress.recordFetchFailure(first, 'FETCH_FAILED', `the server failed to hand the message over ${failures} times: ${(error as Error).message}`);
          fetchFailures.delete(first);
          return batch.findIndex((m) => m.uid === first) + 1;
        }
      }
    }
    const committed: number[] = [];
    const quarantined: number[] = [];
    let done = 0;
    /** Received by the server before the mailbox's archiveBefore: imported as archive. */
    const isHistory = (date: Date | null | undefined): boolean => !!date && mailbox.archiveBefore !== null && date < mailbox.archiveBefore;
    const provenanceOf = ({ uid, date }: { uid: number; date?: Date | null }): Provenance => ({
      door: Door.IMAP,
      mailbox: { name: mailbox.name, role: mailbox.role, address: mailbox.address },
      uidValidity: progress.uidValidity,
      uid,
      fence: lease.generation,
      ...(isHistory(date) ? { archive: { receivedAt: date! } } : {}),
    });
    // The next message, parsed while the current one commits (small ones only: memory stays bounded).
    let lookahead: { uid: number; ready: Promise<() => Promise<IngestOutcome>> } | null = null;
    try {
      for (const [index, item] of batch.entries()) {
        if (stopped) break;
        const quarantinedBefore = known.get(item.uid);
        if (quarantinedBefore !== undefined) {
          committed.push(item.uid);
          if (quarantinedBefore) quarantined.push(item.uid);
          done++;
          continue;
        }
        if (item.size > deps.config.maxMessageBytes) {
          // Who sent what, and the sender told (too-large-notice.ts), as far as the header lines tell;
          // never from a JUNK mailbox, whose senders are mostly forged (backscatter), nor about history.
          const headers = tooLarge.get(item.uid);
          const tell = headers && mailbox.role !== 'JUNK' && !isHistory(item.date);
          await progress.recordFetchFailure(
            item.uid,
            'MESSAGE_TOO_LARGE',
            `${item.size} bytes is over MAX_MESSAGE_MB`,
            headers && summaryOfParsed(headers),
            tell ? async (em) => ((await tellSenderTooLarge(em, headers, item.size, deps.config)) === null ? null : 'the sender was told') : undefined,
          );
          done++;
          continue;
        }
        const raw = sources.get(item.uid);
        if (!raw) {
          // Expunged between the two fetches, or not returned: the next round sees it again if it exists.
          log.warn({ uid: item.uid }, 'message not returned by the server; will look again');
          break;
        }
        const ready = lookahead?.uid === item.uid ? lookahead.ready : deps.prepare(raw, provenanceOf(item), retries.get(item.uid));
        lookahead = null;
        const next = batch[index + 1];
        const nextRaw = next ? sources.get(next.uid) : undefined;
        if (next && nextRaw && nextRaw.length <= LOOKAHEAD_MAX_BYTES) {
          lookahead = { uid: next.uid, ready: deps.prepare(nextRaw, provenanceOf(next), retries.get(next.uid)) };
          lookahead.ready.catch(() => undefined); // awaited (and its failure seen) on the next turn, or dropped with the batch
        }
        const outcome = await (await ready)();
        sources.delete(item.uid); // committed: a large one can be collected before the batch ends (memory.ts)
        log.info({ uid: item.uid, outcome: outcome.kind, ticket: 'ticketNumber' in outcome ? outcome.ticketNumber : undefined }, 'message committed');
        committed.push(item.uid);
        if (outcome.kind === 'quarantined') quarantined.push(item.uid);
        done++;
      }
    } finally {
      // Commit first, mark second: whatever committed is marked and counted, even if a later one failed.
      if (committed.length > 0) {
        committedInSession = true;
        report({ lastError: null });
        await markCommitted(imap, committed, quarantined);
        await pauseAfterMark(deps.config.testPauseAfterMarkMs, log, committed); // test-only hook (D3); no pause by default
        // The watermark moves on even when the marks were lost with the connection: the next
        // session's finishInterruptedMarks marks them, and a server that keeps failing mid-batch
        // cannot hold the mailbox at one place.
        await progress.advance(committed.at(-1)!);
      }
    }
    return done;
  }

  /**
   * Marks committed messages (\Seen and $Postdesk; quarantined ones also $PostdeskQuarantined), then
   * moves them to the processed / quarantine folder when configured. A failure here loses nothing:
   * the ledger recognises a message seen again.
   */
  async function markCommitted(imap: ImapFlow, committed: number[], quarantined: number[]): Promise<void> {
    // imapflow resolves false (rather than throwing) for some failures: both count.
    const attempt = async (what: string, operation: Promise<unknown>) => {
      if ((await operation.catch(() => false)) === false) log.warn({ uids: committed.length }, `${what} committed messages on the server failed (nothing is lost)`);
    };
    await attempt('marking', imap.messageFlagsAdd(committed.join(','), ['\\Seen', PROCESSED_KEYWORD], { uid: true }));
    if (quarantined.length > 0) await attempt('marking', imap.messageFlagsAdd(quarantined.join(','), [QUARANTINED_KEYWORD], { uid: true }));
    const ingested = committed.filter((uid) => !quarantined.includes(uid));
    // messageMove uses MOVE, or COPY + STORE \Deleted + UID EXPUNGE where the server lacks MOVE.
    if (mailbox.processedFolder && ingested.length > 0) await attempt('moving', imap.messageMove(ingested.join(','), mailbox.processedFolder, { uid: true }));
    if (mailbox.quarantineFolder && quarantined.length > 0) await attempt('moving', imap.messageMove(quarantined.join(','), mailbox.quarantineFolder, { uid: true }));
  }

  /**
   * Marks committed messages whose marks a lost connection prevented: below the watermark, without
   * our keyword, and known to the ledger (TESTPLAN F1 left 398 of 500 unread on the server before
   * this). Without it they would stay unread, and in INBOX when a processed folder is configured.
   * Messages the ledger does not know (recorded fetch failures) are left as they are. A failure
   * here is logged and never blocks ingest.
   */
  async function finishInterruptedMarks(imap: ImapFlow, progress: MailboxProgress): Promise<void> {
    if (progress.highestUid === 0) return;
    try {
      const uids = await imap.search({ uid: `1:${progress.highestUid}`, unKeyword: PROCESSED_KEYWORD }, { uid: true });
      // The newest ones, bounded: a server that cannot store keywords would otherwise hand back the
      // whole folder at every session start.
      const known = await progress.committedAmong((uids || []).slice(-MAX_MARKS_TO_FINISH));
      if (known.length === 0) return;
      log.warn({ messages: known.length }, 'marking committed messages whose marks a lost connection prevented');
      await markCommitted(
        imap,
        known.map((m) => m.uid),
        known.filter((m) => m.quarantined).map((m) => m.uid),
      );
    } catch (error) {
      if (!imap.usable) throw error; // the connection is gone: the reconnect tries again
      log.warn({ err: (error as Error).message }, 'marking committed messages failed (nothing is lost; tried again at the next connection)');
    }
  }

  /**
   * Finishes moves that a lost connection interrupted (TESTPLAN D8). Without MOVE, imapflow moves
   * by UID COPY, then STORE \Deleted and EXPUNGE; a connection lost after the server carried out
   * the COPY leaves the message in both folders, marked as ours and below the watermark, so no
   * later batch moves it. At each session start such messages are found; only those the
   * destination lacks (by Message-ID) are copied again, the rest are just removed here: copying
   * them again would add one copy per interruption (the osTicket #5645 duplicates). The raw
   * message is in the database either way. A failure here is logged and never blocks ingest.
   */
  async function finishInterruptedMoves(imap: ImapFlow, progress: MailboxProgress): Promise<void> {
    const source = imap.mailbox ? imap.mailbox.path : mailbox.folder;
    const targets = [
      { folder: mailbox.processedFolder, query: { keyword: PROCESSED_KEYWORD, unKeyword: QUARANTINED_KEYWORD } },
      { folder: mailbox.quarantineFolder, query: { keyword: QUARANTINED_KEYWORD } },
    ];
    for (const { folder, query } of targets) {
      if (!folder || progress.highestUid === 0) continue;
      try {
        const uids = await imap.search({ uid: `1:${progress.highestUid}`, ...query }, { uid: true });
        if (!uids || uids.length === 0) continue;
        const ids = new Map<number, string | undefined>();
        for await (const m of imap.fetch(uids.join(','), { uid: true, envelope: true }, { uid: true })) ids.set(m.uid, m.envelope?.messageId);
        const copied: number[] = [];
        try {
          await imap.mailboxOpen(folder); // SEARCH looks in the selected folder only
          for (const [uid, id] of ids) if (id && ((await imap.search({ header: { 'message-id': id } })) || []).length > 0) copied.push(uid);
        } finally {
          if (imap.usable) await imap.mailboxOpen(mailbox.folder);
        }
        const missing = [...ids.keys()].filter((uid) => !copied.includes(uid));
        log.warn({ folder, alreadyCopied: copied.length, toMove: missing.length }, 'finishing moves that a lost connection interrupted');
        if (copied.length > 0 && !(await imap.messageDelete(copied.join(','), { uid: true }))) throw new Error('removing already copied messages failed');
        if (missing.length > 0 && !(await imap.messageMove(missing.join(','), folder, { uid: true }))) throw new Error('moving failed');
      } catch (error) {
        if (!imap.usable) throw error; // the connection is gone: the reconnect tries again
        log.warn({ folder, err: (error as Error).message }, 'finishing interrupted moves failed (nothing is lost; tried again at the next connection)');
      }
    }
    // Catching up must run on the folder (and UIDVALIDITY) the watermark belongs to, or not at all.
    const selected = imap.mailbox;
    if (!selected || selected.path !== source || Number(selected.uidValidity) !== progress.uidValidity) throw new Error('the mailbox could not be selected again after finishing interrupted moves');
  }

  /** The processed and quarantine folders exist before anything is moved there. */
  async function ensureFolders(imap: ImapFlow): Promise<void> {
    for (const folder of [mailbox.processedFolder, mailbox.quarantineFolder]) {
      if (!folder) continue;
      const exists = (await imap.list()).some((entry) => entry.path === folder);
      if (!exists) await imap.mailboxCreate(folder);
    }
  }

  async function run(): Promise<void> {
    let attempt = 0;
    while (!stopped) {
      let lease: MailboxLease | null = null;
      let startedAt: number | null = null;
      try {
        lease = await tryAcquireMailboxLease(deps.orm, deps.databaseUrl, mailbox.name, deps.config.mailboxLease);
        if (!lease) {
          // Another instance polls this mailbox: its errors are that instance's to report.
          report({ state: 'standby', lastError: null });
          await sleep(LEASE_RETRY_MS);
          continue;
        }
        report({ state: attempt === 0 ? 'connecting' : 'reconnecting' });
        startedAt = Date.now();
        committedInSession = false;
        await session(lease);
        if (!stopped) throw new Error('connection closed');
      } catch (error) {
        if (stopped) break;
        // A session that committed mail or lasted a minute shows the server worked, so this outage
        // starts the backoff afresh (first retry within 1 s, TESTPLAN F3), however the session
        // ended; only attempts that get nothing done keep growing it (F1: 20 Dovecot restarts).
        if (startedAt !== null && (committedInSession || Date.now() - startedAt > 60_000)) attempt = 0;
        attempt += 1;
        // Our own database being down is no reason to back off from the mail server: retry soon, so
        // ingest resumes within seconds of PostgreSQL's return (TESTPLAN F5), not a minute later.
        const transient = endedOnStorage(error, client !== null && !client.usable);
        const delay = transient ? Math.min(reconnectDelay(attempt), STORAGE_RETRY_MAX_MS) : reconnectDelay(attempt);
        const leaseLost = error instanceof LeaseLostError;
        if ((error as { authenticationFailed?: unknown }).authenticationFailed === true) renewToken = true;
        const reason = sessionEndReason(error);
        report({ state: 'reconnecting', lastError: { reason: reason.split('\n')[0]!.slice(0, MAX_REASON_CHARS), at: new Date() } });
        log.warn({ attempt, retryInMs: delay, reason, storage: transient, leaseLost }, 'mailbox session ended; reconnecting');
        client?.close();
        client = null;
        await lease?.release();
        lease = null;
        await sleep(delay);
      } finally {
        await lease?.release();
      }
    }
  }

  const running = run();
  return {
    async stop() {
      stopped = true;
      wake?.();
      // Let the message in flight commit; then leave politely.
      await Promise.race([running, new Promise((r) => setTimeout(r, 5000))]);
      await client?.logout().catch(() => client?.close());
    },
  };
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}
