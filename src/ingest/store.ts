/**
 * Rows every ingest outcome writes: the raw source, the ledger receipt, quarantine records.
 * Called inside the ingest transaction.
 */
import { createHash } from 'node:crypto';
import type { MailboxRole } from '../config/env.js';
import { deferBlob } from '../db/blobs.js';
import type { Em } from '../db/orm.js';
import { InboundReceipt, QuarantinedMessage, RawSource, type Message } from '../entities/index.js';
import type { Door } from '../entities/enums.js';
import type { SenderVerdict, SmtpEnvelope } from './authenticate-sender.js';

/** Where a message came from. IMAP deliveries carry mailbox, UIDVALIDITY and UID. */
export interface Provenance {
  door: Door;
  mailbox: { name: string; role: MailboxRole; address: string | null } | null;
  uidValidity: number | null;
  uid: number | null;
  /** The poller's lease generation; the commit is refused when it is no longer current. */
  fence?: number;
  /** What the SMTP door saw (client IP, HELO, MAIL FROM) for SPF, and RCPT TO for routing; absent for IMAP and the pipe. */
  envelope?: SmtpEnvelope;
  /** Sender authentication, set by ingestMessage before the transaction; null when SENDER_AUTHENTICATION=off. */
  auth?: SenderVerdict | null;
  /**
   * Set for history imported as archive (a mailbox's `archiveBefore`): when the server received
   * the message. Stored as it was, under that time, and changing nothing that would mail anyone.
   */
  archive?: { receivedAt: Date };
}

/** How system events name the door a message came through, e.g. `mailbox:support` or `mailbox:pipe`. */
export function provenanceLabel(provenance: Provenance): string {
  return `mailbox:${provenance.mailbox?.name ?? provenance.door.toLowerCase()}`;
}

/** The provenance columns shared by messages, receipts and quarantine records. */
export function provenanceColumns(provenance: Provenance): { mailbox: string | null; uidValidity: number | null; uid: number | null } {
  return { mailbox: provenance.mailbox?.name ?? null, uidValidity: provenance.uidValidity, uid: provenance.uid };
}

/** Hex SHA-256 of the parts one after the other (no concatenated copy of a large message). */
export function sha256(...parts: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

export function storeRaw(em: Em, raw: Buffer, hash: string): RawSource {
  const source = new RawSource(hash, raw.length);
  em.persist(source);
  deferBlob(em, 'raw_source', source, raw);
  return source;
}

export function recordReceipt(
  em: Em,
  provenance: Provenance,
  outcome: string,
  hash: string,
  target: { message?: Message | null; quarantined?: QuarantinedMessage | null },
): InboundReceipt {
  const receipt = Object.assign(new InboundReceipt(provenance.door, outcome, hash), provenanceColumns(provenance));
  receipt.message = target.message ?? null;
  receipt.quarantined = target.quarantined ?? null;
  em.persist(receipt);
  return receipt;
}

/** Keeps a message we will not turn into a ticket or comment: raw bytes, reason, provenance. */
export function quarantine(em: Em, raw: RawSource | null, provenance: Provenance, code: string, reason: string): QuarantinedMessage {
  const record = Object.assign(new QuarantinedMessage(raw, provenance.door, code, reason), provenanceColumns(provenance));
  record.envelope = provenance.envelope ?? null;
  record.lastAttemptAt = new Date();
  record.attempts = 1;
  em.persist(record);
  return record;
}

/** The header block ends at the first empty line (RFC 5322 §2.1). */
export function bodyOffset(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return raw.length;
  if (crlf === -1) return lf + 2;
  if (lf === -1) return crlf + 4;
  return Math.min(crlf + 4, lf + 2);
}
