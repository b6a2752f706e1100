/**
 * The ingest command: one raw message, from any door, to exactly one outcome — a new ticket, a
 * comment, a duplicate link, a system note (bounce) or a quarantine record — committed in ONE
 * transaction together with its raw bytes, attachments and ledger receipt. Doors mark or answer
 * only after this returns (commit first, mark second: a crash in between re-fetches a message
 * the ledger already knows, never loses one).
 *
 * Parsing and classification run before the transaction, so a 20 MB message never holds a
 * database connection while it is decoded.
 */
import type { Config } from '../config/env.js';
import type { Em, Orm } from '../db/orm.js';
import { keysToLock, LOCK_EXPRESSION, messageIdLock } from '../db/advisory-locks.js';
import { inTransaction } from '../db/transaction.js';
import { isTransientDatabaseError } from '../db/transient.js';
import { AppError } from '../errors.js';
import { InboundReceipt, Message, Person, QuarantinedMessage, RawSource, Ticket } from '../entities/index.js';
import { MessageDirection, TicketStatus } from '../entities/enums.js';
import type { Logger } from '../log.js';
import { findTicketTag, isForward, messageIdDomain, withoutSubjectTags } from '../mail/headers.js';
import { findOrCreatePerson, normalisedEmail } from '../people/find-or-create-person.js';
import { languageOfMail } from '../people/language.js';
import { markEmergency } from '../tickets/mark-emergency.js';
import { recordEvent } from '../tickets/record-event.js';
import { setStatus } from '../tickets/change-status.js';
import { blockingPattern } from '../people/blocked-senders.js';
import { classifierContextOf, classifyMessage, type Classification } from './classify.js';
import { applyReply } from './apply-reply.js';
import { senderVerdict, type DnsResolver } from './authenticate-sender.js';
import { lockReplyTicket, lookupAnsweredTicket, lookupBouncedMessage, lookupReferences, lookupTaggedTicket } from './lookup-thread.js';
import { forwardedOriginal } from './forwarded.js';
import { summaryOfHeaders, summaryOfParsed } from './quarantine-summary.js';
import { attachedForward, type ForwardedMail } from './forwarded-attachment.js';
import { staffMailOriginal } from './staff-mail.js';
import { openTicket, type OpenedTicket } from './open-ticket.js';
import { isOwnAddress, loadOwnAddresses, ownAddresses } from './own-addresses.js';
import { markOurMailRead } from './mark-read.js';
import { readMessage } from './read-message.js';
import { bodyOffset, provenanceLabel, quarantine, recordReceipt, sha256, storeRaw, type Provenance } from './store.js';
import { chooseThread, needsAnswerLookup, referenceOrder } from './thread.js';
import { UnprocessableMessageError, type ParsedAddress, type ParsedMessage } from './types.js';
import { writeInboundMessage } from './write-message.js';
import { isEmergencyMail } from '../routing/emergency.js';
import { threadEmergencyFlood } from '../routing/emergency-flood.js';
import { isEmergencyTicket, notifyInboundComment, notifyNewTicket } from '../outbound/ingest-notifications.js';
import { notify } from '../outbound/notify.js';
import { ingestedMessages } from '../metrics.js';
import { automaticMailLock } from '../outbound/recipients.js';

export type { Provenance };

export type IngestOutcome =
  | { kind: 'ticket'; ticketNumber: number; messageRowId: number; acknowledge: boolean }
  | { kind: 'comment'; ticketNumber: number; messageRowId: number }
  | { kind: 'duplicate'; ticketNumber: number; messageRowId: number }
  | { kind: 'note'; ticketNumber: number; messageRowId: number }
  | { kind: 'quarantined'; code: string; reason: string; quarantineId: number }
  | { kind: 'already-ingested' };

export interface IngestContext {
  readonly config: Config;
  /** HMAC key of our Message-IDs (ingest/secret.ts). */
  readonly secret: string;
  readonly log: Logger;
  readonly now?: () => Date;
  /**
   * Set by an admin's retry of a quarantined message: policy quarantines (rate limit, unthreaded
   * automatic mail) are overridden, the stored raw source is reused, and a renewed failure
   * updates that record instead of adding one.
   */
  readonly retryOf?: QuarantinedMessage;
  /** The admin (person id) whose retry this is, for the audit log; unset when a poller fetches again. */
  readonly retriedBy?: number;
  /** DNS for sender authentication; tests pass a fake zone. Default: the system resolver, cached. */
  readonly dnsResolver?: DnsResolver;
}

/** The commit was refused because another instance took this mailbox's lease (fencing). */
export class LeaseLostError extends Error {
  constructor(mailbox: string) {
    super(`lease on mailbox ${mailbox} was taken over by another instance`);
    this.name = 'LeaseLostError';
  }
}

interface Prepared {
  raw: Buffer;
  hash: string;
  parsed: ParsedMessage | null;
  failure: { code: string; reason: string } | null;
  classification: Classification | null;
}

type CommitEm = Parameters<Parameters<Orm['em']['transactional']>[0]>[0];

/** A message parsed, classified and its sender checked: ready to commit (no database involved yet). */
export interface PreparedIngest {
  readonly prepared: Prepared;
  readonly provenance: Provenance;
}

/**
 * Ingests one raw message.
 * @throws AppError STORAGE_UNAVAILABLE when PostgreSQL fails for a transient reason (retry later)
 * @throws LeaseLostError when `provenance.fence` is stale
 */
export async function ingestMessage(orm: Orm, raw: Buffer, provenance: Provenance, ctx: IngestContext): Promise<IngestOutcome> {
  return commitIngest(orm, await prepareIngest(raw, provenance, ctx), ctx);
}

/**
 * The first half of ingestMessage: parsing, classification and sender authentication, which never
 * throw (a message that cannot be parsed is prepared for quarantine). A door may prepare the next
 * message while this one commits.
 */
export async function prepareIngest(raw: Buffer, provenance: Provenance, ctx: IngestContext): Promise<PreparedIngest> {
  // Sender authentication waits on DNS: beside parsing, never inside the transaction (S6, S19).
  const [prepared, auth] = await Promise.all([prepare(raw, provenance, ctx), senderVerdict(raw, provenance.envelope, { enabled: ctx.config.senderAuthentication, resolver: ctx.dnsResolver })]);
  return { prepared, provenance: { ...provenance, auth } };
}

/**
 * The second half of ingestMessage: the one transaction.
 * @throws AppError STORAGE_UNAVAILABLE when PostgreSQL fails for a transient reason (retry later)
 * @throws LeaseLostError when `provenance.fence` is stale
 */
export async function commitIngest(orm: Orm, ready: PreparedIngest, ctx: IngestContext): Promise<IngestOutcome> {
  const outcome = await commitOrQuarantine(orm, ready, ctx);
  ingestedMessages.inc({ door: ready.provenance.door, outcome: outcome.kind });
  return outcome;
}

async function commitOrQuarantine(orm: Orm, { prepared, provenance }: PreparedIngest, ctx: IngestContext): Promise<IngestOutcome> {
  try {
    // inTransaction runs it again when another instance created the same person or receipt at once.
    return await inTransaction(orm, (em) => commit(em, prepared, provenance, ctx));
  } catch (error) {
    if (error instanceof LeaseLostError || error instanceof AppError) throw error;
    if (isTransientDatabaseError(error)) throw new AppError('STORAGE_UNAVAILABLE', `database unavailable: ${(error as Error).message}`, 'transient', [], { cause: error });
    // A bug or a constraint that will not change: keep the message, say why, move on (D9).
    ctx.log.error({ err: error, sha256: prepared.hash }, 'ingest failed; quarantining the message');
    const reason = `ingest failed: ${(error as Error).message}`.slice(0, 2000);
    return inTransaction(orm, (em) => commitQuarantine(em, prepared, provenance, 'PIPELINE_ERROR', reason, ctx));
  }
}

async function prepare(raw: Buffer, provenance: Provenance, ctx: IngestContext): Promise<Prepared> {
  const hash = sha256(raw);
  const now = ctx.now?.() ?? new Date();
  try {
    const parsed = await readMessage(raw, ctx.config, now);
    const spamRetry = ctx.retryOf?.reasonCode === 'SPAM';
    const classification = classifyMessage(parsed, {
      ...classifierContextOf(ctx.config, ownAddresses(ctx.config)),
      // An admin who retries held spam says it is none: no quarantine, no flag, an acknowledgement.
      // (Other retries keep the verdict: spam held for another reason must not get one.)
      spamHeaders: ctx.config.spamHeaders !== 'off' && !spamRetry,
      junkMailbox: provenance.mailbox?.role === 'JUNK' && !spamRetry ? provenance.mailbox.name : null,
    });
    return { raw, hash, parsed, classification, failure: null };
  } catch (error) {
    const code = error instanceof UnprocessableMessageError ? error.code : 'MESSAGE_UNPARSEABLE';
    return { raw, hash, parsed: null, classification: null, failure: { code, reason: (error as Error).message.slice(0, 2000) } };
  }
}

/**
 * @param retry on an admin's retry (ctx.retryOf set), the record is updated instead of adding one
 * @param raw the raw source row already written for this delivery, if any (so it is not stored twice)
 */
async function commitQuarantine(
  em: CommitEm,
  p: Prepared,
  provenance: Provenance,
  code: string,
  reason: string,
  retry?: Pick<IngestContext, 'retryOf' | 'retriedBy'>,
  raw?: RawSource,
): Promise<IngestOutcome> {
  const retryOf = retry?.retryOf;
  const summary = p.parsed ? summaryOfParsed(p.parsed) : await summaryOfHeaders(p.raw);
  if (retryOf) {
    const record = await em.findOneOrFail(QuarantinedMessage, retryOf.id);
    recordRetry(em, record, retry.retriedBy, `still quarantined: ${code}`);
    // Retried, so wanted after all: a dismissal is undone and the message is pending again.
    Object.assign(record, { reasonCode: code, reason, ...summary, attempts: record.attempts + 1, lastAttemptAt: new Date(), refetchRequestedAt: null, dismissedAt: null, dismissedBy: null });
    // A message fetched again on an admin's retry: its bytes and its ledger receipt are new.
    if (!record.rawSource) record.rawSource = raw ?? storeRaw(em, p.raw, p.hash);
    if (provenance.uid !== null) recordReceipt(em, provenance, 'quarantined', p.hash, { quarantined: record });
    await em.flush();
    return { kind: 'quarantined', code, reason, quarantineId: record.id };
  }
  if (await alreadyIngested(em, provenance)) return { kind: 'already-ingested' };
  const record = Object.assign(quarantine(em, raw ?? storeRaw(em, p.raw, p.hash), provenance, code, reason), summary);
  recordReceipt(em, provenance, 'quarantined', p.hash, { quarantined: record });
  await em.flush();
  return { kind: 'quarantined', code, reason, quarantineId: record.id };
}

/** The raw source row for this delivery: the quarantined one on a retry, else a new one. */
async function rawSourceFor(em: CommitEm, p: Prepared, ctx: IngestContext): Promise<RawSource> {
  const existing = ctx.retryOf?.rawSource;
  return existing ? em.getReference(RawSource, existing.id) : storeRaw(em, p.raw, p.hash);
}

async function alreadyIngested(em: CommitEm, provenance: Provenance): Promise<boolean> {
  if (provenance.uid === null || provenance.mailbox === null) return false;
  const where = { mailbox: provenance.mailbox.name, uidValidity: provenance.uidValidity, uid: provenance.uid };
  return (await em.count(InboundReceipt, where)) > 0;
}

/**
 * The first statement of every commit: checks the fence (the lease generation, share-locked so a
 * take-over waits for this commit) and takes the message's advisory locks, one round trip for all.
 */
async function checkFenceAndLock(em: CommitEm, p: Prepared, provenance: Provenance): Promise<void> {
  const fenced = provenance.fence !== undefined && provenance.mailbox !== null;
  const keys = keysToLock(em, messageLocks(p));
  if (!fenced && keys.length === 0) return;
  const columns = [
    ...(fenced ? ['(select lease_generation from mailbox_state where name = ? for share)::text as generation'] : []),
    ...keys.map(() => LOCK_EXPRESSION),
  ];
  const rows = await em.execute<{ generation?: string | null }[]>(`select ${columns.join(', ')}`, [...(fenced ? [provenance.mailbox!.name] : []), ...keys]);
  if (fenced && rows[0]?.generation !== String(provenance.fence)) throw new LeaseLostError(provenance.mailbox!.name);
}

/** The Message-ID a parsed message is stored and de-duplicated under: its own, else one from its bytes' hash. */
function storedMessageId(parsed: ParsedMessage, hash: string): string {
  return parsed.messageId ?? `synthetic.${hash}@postdesk.invalid`;
}

/**
 * The advisory locks a parsed message's commit needs, all taken first: its logical message, so
 * every door and instance works on it one at a time (D5, D6); the message it answers (its
 * In-Reply-To, else its newest Reference), so a reply and its original arriving at once through
 * two doors take turns and the later one finds the earlier (threading rules 1 and 3); its
 * sender's count of new tickets (L13, L14); and its sender's count of automatic mail, as the
 * acknowledgement goes to them (recipients.ts). Before anything is read, in the order every
 * commit takes them: Message-IDs sorted, so two messages naming each other cannot deadlock.
 */
function messageLocks(p: Prepared): string[] {
  if (!p.parsed || p.failure) return [];
  const { parsed } = p;
  const answered = parsed.inReplyTo ?? parsed.references.at(-1) ?? null;
  const messages = [storedMessageId(parsed, p.hash), ...(answered ? [answered] : [])].sort().map(messageIdLock);
  const sender = parsed.from ? normalisedEmail(parsed.from.email) : null;
  return [...messages, ...(sender === null ? [] : [`sender:${sender}`, automaticMailLock(sender)])];
}

/** One delivery's transaction; on an admin's retry the quarantine record is resolved in it too. */
async function commit(em: CommitEm, p: Prepared, provenance: Provenance, ctx: IngestContext): Promise<IngestOutcome> {
  await checkFenceAndLock(em, p, provenance);
  const retryOf = ctx.retryOf;
  if (retryOf && provenance.uid !== null && provenance.mailbox) {
    // Fetched again on an admin's retry: the ledger's "never handed over" receipt gives way to this delivery's.
    await em.execute(`delete from inbound_receipt where mailbox = ? and uid_validity = ? and uid = ? and outcome = 'fetch-failed'`, [
      provenance.mailbox.name,
      provenance.uidValidity,
      provenance.uid,
    ]);
  }
  const outcome = await commitOutcome(em, p, provenance, ctx);
  if (retryOf && 'messageRowId' in outcome) {
    recordRetry(em, retryOf, ctx.retriedBy, `${outcome.kind} on #${outcome.ticketNumber}`);
    await em.nativeUpdate(
      QuarantinedMessage,
      { id: retryOf.id },
      { resolvedAt: new Date(), resolvedMessage: outcome.messageRowId, attempts: retryOf.attempts + 1, lastAttemptAt: new Date(), refetchRequestedAt: null },
    );
  }
  return outcome;
}

/** The admin event of a retry, in the retry's own transaction: who retried what, and how it ended. */
export function recordRetry(em: Em, record: QuarantinedMessage, by: number | undefined, result: string): void {
  if (by === undefined) return; // a poller fetching a message again on an earlier request: that request was recorded
  recordEvent(em, null, { kind: 'quarantine-retried', actor: em.getReference(Person, by), from: record.reasonCode, to: result, detail: { quarantinedMessage: record.id } });
}

async function commitOutcome(em: CommitEm, p: Prepared, provenance: Provenance, ctx: IngestContext): Promise<IngestOutcome> {
  if (!p.parsed || !p.classification || p.failure) {
    return commitQuarantine(em, p, provenance, p.failure?.code ?? 'MESSAGE_UNPARSEABLE', p.failure?.reason ?? 'unparseable', ctx);
  }
  const { parsed, classification } = p;
  const synthetic = parsed.messageId === null;
  const messageId = storedMessageId(parsed, p.hash); // locked by checkFenceAndLock
  if (await alreadyIngested(em, provenance)) return { kind: 'already-ingested' };
  const now = ctx.now?.() ?? new Date();
  // History imported as archive (a mailbox's archiveBefore): stored under the time the server
  // received it, as no emergency, changing nothing that would mail or page anyone.
  const archive = provenance.archive ?? null;
  const receivedAt = archive?.receivedAt ?? now;
  // The subject as sent: the fingerprint must not change with SUBJECT_TAGS.
  const contentHash = sha256(`${parsed.from?.email ?? ''}\n${parsed.headers.get('subject')?.[0] ?? ''}\n${parsed.date?.toISOString() ?? ''}\n`, p.raw.subarray(bodyOffset(p.raw)));
  const emergency = !archive && isEmergencyMail(parsed, provenance.mailbox?.role ?? null, ctx.config);

  if (classification.ownMail) return commitQuarantine(em, p, provenance, 'OWN_MAIL', 'mail sent by postdesk itself came back', ctx);
  if (classification.probableLoop && !ctx.retryOf) return commitQuarantine(em, p, provenance, 'PROBABLE_LOOP', `more than 50 Received headers (${parsed.receivedCount})`);
  // An admin blocked this sender (people/blocked-senders.ts); an emergency and an admin's retry go through.
  const blockedBy = emergency || ctx.retryOf || !parsed.from ? null : await blockingPattern(em, parsed.from.email);
  if (blockedBy) return commitQuarantine(em, p, provenance, 'SENDER_BLOCKED', `mail from ${parsed.from!.email} is blocked (${blockedBy})`);

  // Same logical message seen before (another APPEND, another mailbox): link it, store nothing twice.
  const sameId = await em.find(Message, { messageId, direction: MessageDirection.INBOUND }, { populate: ['ticket'], orderBy: { id: 'asc' } });
  const twin = sameId.find((m) => m.contentHash === contentHash);
  const raw = await rawSourceFor(em, p, ctx);
  if (twin) {
    const wasEmergency = isEmergencyTicket(twin.ticket);
    if (emergency) escalateToEmergency(em, twin.ticket, provenance);
    if (!wasEmergency && isEmergencyTicket(twin.ticket)) await notify(em, { kind: 'emergency', ticket: twin.ticket, message: twin }, ctx);
    recordReceipt(em, provenance, 'duplicate', p.hash, { message: twin });
    await em.flush();
    return { kind: 'duplicate', ticketNumber: twin.ticket.number, messageRowId: twin.id };
  }
  const flags: string[] = [];
  if (sameId.length > 0) {
    // A different message reusing a Message-ID (a broken sender): keep both, flag the pair (D7).
    flags.push('shared-message-id');
    for (const other of sameId) if (!other.flags.includes('shared-message-id')) other.flags = [...other.flags, 'shared-message-id'];
  }
  if (classification.automatic) flags.push('automatic');
  if (classification.spamVerdict) flags.push('spam-verdict');
  if (parsed.calendar) flags.push('calendar');
  if (parsed.readReceipt) flags.push('read-receipt');
  if (parsed.viaGroup) flags.push('via-group');
  if (synthetic) flags.push('no-message-id');
  if (archive) flags.push('archived');

  const sender = parsed.from ? await findOrCreatePerson(em, parsed.from.email, parsed.from.name) : null;
  if (sender?.role) flags.push('agent-address'); // stored as inbound correspondence only (S5)
  // Automatic mail and a forger's (failing an enforcing DMARC policy) speak for no one.
  if (sender && !classification.automatic && !provenance.auth?.enforcingFail) {
    // Mail to them is written in the language they write in, once their mail says which (staff may change it).
    if (sender.language === null) sender.language = languageOfMail(parsed.headers);
    // Their own mail since their address bounced shows it works again (a full mailbox emptied, a
    // typo in a forwarding rule fixed): acknowledgements and status mail reach them again, rather
    // than never for the rest of their days. Archived history says nothing about today.
    if (sender.undeliverableSince && !archive && receivedAt > sender.undeliverableSince) {
      sender.undeliverableSince = null;
      flags.push('deliverable-again');
    }
  }

  if (classification.bounce) return commitBounce(em, p, provenance, classification.bounce, raw, { messageId, synthetic, contentHash, flags, now: receivedAt }, ctx);

  const domain = messageIdDomain(ctx.config.supportAddress);
  // Outlook's read receipts name the mail they answer only in the report (parse/read-receipt.ts).
  const inReplyTo = parsed.inReplyTo ?? parsed.readReceipt?.originalMessageId ?? null;
  const references = await lookupReferences(em, referenceOrder(inReplyTo, parsed.references), ctx.secret, domain);
  if (references.forged.length > 0) flags.push('forged-reference');
  const tagNumber = findTicketTag(parsed.subject);
  const senderEmail = sender?.email ?? null;
  const tagged = tagNumber !== null ? await lookupTaggedTicket(em, tagNumber, senderEmail) : null;
  const threadInput = { referenced: references.tickets, tagged, sender: senderEmail, forward: isForward(parsed.subject) };
  let threaded = chooseThread(threadInput);
  if (needsAnswerLookup(threaded) && !synthetic) {
    const answeredOn = await lookupAnsweredTicket(em, messageId, senderEmail, now);
    if (answeredOn) threaded = chooseThread({ ...threadInput, answeredOn });
    if (threaded.kind === 'comment') flags.push('arrived-after-answer');
  }
  const decision = await threadEmergencyFlood(em, threaded, emergency, sender, now); // L15: one incident, one page
  const base = { parsed, messageId, synthetic, contentHash, author: sender, raw, provenance, flags, receivedAt };

  if (decision.kind === 'comment') {
    // Locked (so the status this reply moves from is the current one), following merges.
    const ticketId = await lockReplyTicket(em, decision.ticketId);
    // Its category comes along (applyReply reads its fields) in the same statement.
    const ticket = await em.findOneOrFail(Ticket, ticketId, { populate: ['ccs', 'requester', 'category'], refresh: true });
    const wasEmergency = isEmergencyTicket(ticket);
    const result = await applyReply(em, ticket, base, { classification, emergency, config: ctx.config, via: decision.via, archived: archive !== null });
    if (result.kind === 'comment') {
      if (parsed.readReceipt) await markOurMailRead(em, ticket.id, parsed.readReceipt, receivedAt);
      if (!archive) await notifyInboundComment(em, ticket, result.message, !wasEmergency && isEmergencyTicket(ticket), parsed.refused, ctx);
      recordReceipt(em, provenance, 'comment', p.hash, { message: result.message });
      await em.flush();
      return { kind: 'comment', ticketNumber: ticket.number, messageRowId: result.message.id };
    }
    // Closed too long ago: a new ticket linked to the old one.
    return finishNewTicket(em, p, provenance, await openTicket(em, { ...base, linkedTo: ticket, linkReason: 'reply-after-window', emergency, automatic: classification.automatic, config: ctx.config }), ctx);
  }

  if (!emergency && !ctx.retryOf) {
    // An auto-reply that answers no ticket of ours has nowhere to go; other automatic mail (lists,
    // system notifications) becomes a ticket, flagged and never acknowledged (TESTPLAN L9).
    if (classification.autoReply) {
      return commitQuarantine(em, p, provenance, 'AUTOMATIC_UNTHREADED', `automatic reply (${classification.automaticReason ?? 'automatic'}) that answers no ticket`, undefined, raw);
    }
    // With SPAM_HEADERS=off the only verdict is a JUNK mailbox's, which an admin asked for.
    if (classification.spamVerdict && ctx.config.spamHeaders !== 'flag') {
      return commitQuarantine(em, p, provenance, 'SPAM', `a spam filter before postdesk called it spam (${classification.spamVerdict})`, undefined, raw);
    }
    if (sender && !archive && (await overRateLimit(em, sender, ctx.config, now))) {
      const { max, windowMinutes } = ctx.config.senderRateLimit;
      return commitQuarantine(em, p, provenance, 'RATE_LIMITED', `more than ${max} new tickets from ${sender.email} within ${windowMinutes} minutes`, undefined, raw);
    }
  }
  const linkedTo = decision.linkedTo !== null ? await em.findOneOrFail(Ticket, decision.linkedTo) : null;
  if (decision.reason === 'stranger-tag') flags.push('unverified-follow-up');
  const forward = await staffForward(em, parsed, sender, provenance, classification, ctx.config);
  const staffMail = forward || !speaksAsStaff(sender, provenance, classification) ? null : await staffMailOriginal(em, parsed, sender, ctx.config);
  const replyTo = forward ? null : await replyToRequester(em, parsed, sender, provenance, classification, ctx.config);
  const opened = await openTicket(em, {
    ...base,
    parsed: forward?.parsed ?? parsed,
    linkedTo,
    linkReason: decision.reason,
    emergency,
    automatic: classification.automatic,
    config: ctx.config,
    onBehalf: forward ? { original: forward.original, how: 'forwarded' } : staffMail ? { original: staffMail, how: 'staff-mail' } : null,
    replyTo,
  });
  return finishNewTicket(em, forward ? { ...p, parsed: forward.parsed } : p, provenance, opened, ctx, !classification.suppressAcknowledgement && !classification.automatic);
}

/**
 * A customer's mail an active staff member forwarded, inline (forwarded.ts) or as an attachment
 * (forwarded-attachment.ts, which also gives the message with the original merged in): the ticket
 * becomes the customer's. Only for staff whose mail does not fail an enforcing DMARC policy, and
 * not for automatic mail; a "forward" of our own mail or of the agent's own is none.
 */
async function staffForward(em: CommitEm, parsed: ParsedMessage, sender: Person | null, provenance: Provenance, classification: Classification, config: Config): Promise<ForwardedMail | null> {
  if (!speaksAsStaff(sender, provenance, classification)) return null;
  const inline = forwardedOriginal(parsed.text, parsed.subject);
  const forward = inline ? { original: inline, parsed } : await attachedForward(parsed, config.attachments);
  if (!forward || forward.original.from.email === sender.email || isOwnAddress(forward.original.from.email, await loadOwnAddresses(em, config))) return null;
  // The agent's own mail system tagged the customer's mail on its way to the agent ("[EXTERNAL] Printer").
  const subject = forward.original.subject === null ? null : withoutSubjectTags(forward.original.subject, config.subjectTags) || null;
  return { ...forward, original: { ...forward.original, subject } };
}

/** Mail an active staff member wrote themselves: not automatic, and not failing an enforcing DMARC policy (a forger's). */
function speaksAsStaff(sender: Person | null, provenance: Provenance, classification: Classification): sender is Person {
  return !!sender?.role && sender.active && !provenance.auth?.enforcingFail && !classification.automatic;
}

/**
 * The one Reply-To address of a customer's mail, when it names someone else than From: a web
 * form's mail ("From: noreply@shop.example, Reply-To: the customer") is the customer's request, and
 * our answers must reach them (RFC 5322: where the author asks replies to go). Not with
 * REPLY_TO_REQUESTER=off, not for automatic mail (a list's Reply-To is the list), staff, mail
 * failing an enforcing DMARC policy, or a Reply-To of our own.
 */
async function replyToRequester(em: CommitEm, parsed: ParsedMessage, sender: Person | null, provenance: Provenance, classification: Classification, config: Config): Promise<ParsedAddress | null> {
  if (!config.replyToRequester || parsed.replyTo.length !== 1 || sender?.role || provenance.auth?.enforcingFail || classification.automatic) return null;
  const [replyTo] = parsed.replyTo;
  if (replyTo!.email === sender?.email || isOwnAddress(replyTo!.email, await loadOwnAddresses(em, config))) return null;
  return replyTo!;
}

async function finishNewTicket(
  em: CommitEm,
  p: Prepared,
  provenance: Provenance,
  opened: OpenedTicket,
  ctx: IngestContext,
  acknowledge = true,
): Promise<IngestOutcome> {
  const { ticket, message, routing } = opened;
  if (provenance.archive) {
    // History: closed when it arrived, and nobody is told (no acknowledgement, watcher mail, page or webhook).
    setStatus(ticket, TicketStatus.CLOSED, provenance.archive.receivedAt);
    recordEvent(em, ticket, { kind: 'archived', actorLabel: provenanceLabel(provenance), to: TicketStatus.CLOSED });
  } else {
    await notifyNewTicket(em, { ticket, message, emergency: routing.emergency }, acknowledge && routing.acknowledge, p.parsed?.refused ?? [], ctx);
  }
  recordReceipt(em, provenance, 'ticket', p.hash, { message: opened.message });
  await em.flush();
  const acknowledged = !provenance.archive && acknowledge && routing.acknowledge;
  return { kind: 'ticket', ticketNumber: opened.ticket.number, messageRowId: opened.message.id, acknowledge: acknowledged };
}

async function commitBounce(
  em: CommitEm,
  p: Prepared,
  provenance: Provenance,
  bounce: NonNullable<Classification['bounce']>,
  raw: ReturnType<typeof storeRaw>,
  meta: { messageId: string; synthetic: boolean; contentHash: string; flags: string[]; now: Date },
  ctx: IngestContext,
): Promise<IngestOutcome> {
  const original = await lookupBouncedMessage(em, bounce.originalMessageId, ctx);
  if (!original) return commitQuarantine(em, p, provenance, 'BOUNCE_UNMATCHED', 'delivery failure notice for a message postdesk does not know', ctx, raw);
  // The mail of a ticket since merged into another (its outbox rows stay with it): noted where the agents now work.
  const ticketId = await lockReplyTicket(em, original.ticket.id);
  const ticket = ticketId === original.ticket.id ? original.ticket : await em.findOneOrFail(Ticket, ticketId);
  const note = writeInboundMessage(em, ticket, {
    parsed: p.parsed!,
    messageId: meta.messageId,
    synthetic: meta.synthetic,
    contentHash: meta.contentHash,
    author: null,
    raw,
    provenance,
    flags: [...meta.flags, 'bounce'],
    receivedAt: meta.now,
  });
  note.direction = MessageDirection.NOTE;
  // A new note: `updatedAfter` lists the ticket, UPDATED_AT order moves it up (not back, for archived history).
  if (meta.now > ticket.updatedAt) ticket.updatedAt = meta.now;
  for (const address of bounce.failedRecipients) {
    const person = await em.findOne(Person, { email: address.toLowerCase() });
    // An old bounce in archived history says nothing about the address today.
    if (person && !person.undeliverableSince && !provenance.archive) person.undeliverableSince = meta.now;
  }
  recordEvent(em, ticket, { kind: 'bounce', actorLabel: 'system', to: bounce.failedRecipients.join(', ') || null, detail: { originalMessageId: bounce.originalMessageId } });
  recordReceipt(em, provenance, 'note', p.hash, { message: note });
  await em.flush();
  return { kind: 'note', ticketNumber: ticket.number, messageRowId: note.id };
}

/** The emergency copy wins (D5): a ticket first seen through support becomes URGENT INCIDENT (and reopens), once. */
function escalateToEmergency(em: CommitEm, ticket: Ticket, provenance: Provenance): void {
  if (markEmergency(em, ticket, { actorLabel: provenanceLabel(provenance) }) && ticket.status === TicketStatus.CLOSED) ticket.status = TicketStatus.OPEN;
}

/**
 * Counted in PostgreSQL, so the limit survives restarts and is shared by instances (L13, L14);
 * the caller holds the sender's lock (messageLocks).
 */
async function overRateLimit(em: CommitEm, sender: Person, config: Config, now: Date): Promise<boolean> {
  if (sender.id === undefined) return false;
  const since = new Date(now.getTime() - config.senderRateLimit.windowMinutes * 60_000);
  // Tickets their mail opened, whoever became the requester (a Reply-To, a forward): one sender
  // naming a new Reply-To each time still counts once per ticket. Index message_author_created_idx.
  const [row] = await em.execute<{ opened: string }[]>(
    `select count(*) as opened from message m
      where m.author_id = ? and m.created_at > ? and m.direction = 'INBOUND'
        and not exists (select 1 from message e where e.ticket_id = m.ticket_id and e.id < m.id)`,
    [sender.id, since],
  );
  return Number(row?.opened ?? 0) >= config.senderRateLimit.max;
}

