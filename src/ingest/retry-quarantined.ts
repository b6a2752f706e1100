/**
 * An admin's retry of a quarantined message: the stored raw bytes go through today's pipeline
 * again. Policy quarantines (rate limit, unthreaded automatic mail, loops) are overridden, since
 * a person decided; a message that still cannot be processed stays quarantined with the new reason.
 * A message the mail server never handed over (FETCH_FAILED, MESSAGE_TOO_LARGE) has no bytes to
 * retry: its mailbox poller is asked to fetch it again (imap-poller.ts), and the record says so.
 * Mail from the SMTP door is retried with the envelope it came with (routing by RCPT TO, SPF).
 * A retry undoes a dismissal, and is an admin event with `ctx.retriedBy` as the actor.
 */
import type { Orm } from '../db/orm.js';
import { Door } from '../entities/enums.js';
import { QuarantinedMessage, RawSource } from '../entities/index.js';
import { AppError } from '../errors.js';
import { smtpProvenance } from './doors/smtp-provenance.js';
import { ingestMessage, recordRetry, type IngestContext, type IngestOutcome } from './ingest-message.js';

export type RetryOutcome = IngestOutcome | { kind: 'refetch-requested' };

export async function retryQuarantinedMessage(orm: Orm, id: number, ctx: Omit<IngestContext, 'retryOf'>): Promise<{ record: QuarantinedMessage; outcome: RetryOutcome }> {
  const em = orm.em.fork();
  const record = await em.findOne(QuarantinedMessage, id);
  if (!record) throw new AppError('NOT_FOUND', `no quarantined message ${id}`, 'user', ['id']);
  if (record.resolvedAt) throw new AppError('BAD_USER_INPUT', `quarantined message ${id} was already ingested`, 'user', ['id']);
  const configured = ctx.config.mailboxes.find((m) => m.name === record.mailbox);
  if (!record.rawSource) {
    if (record.door !== Door.IMAP || record.uid === null || !configured) {
      throw new AppError('BAD_USER_INPUT', `quarantined message ${id} has no stored bytes and no configured mailbox to fetch it from`, 'user', ['id']);
    }
    recordRetry(em, record, ctx.retriedBy, 'fetch requested from the mailbox');
    Object.assign(record, { refetchRequestedAt: new Date(), dismissedAt: null, dismissedBy: null });
    await em.flush();
    return { record, outcome: { kind: 'refetch-requested' } };
  }
  const raw = await em.findOneOrFail(RawSource, record.rawSource.id, { populate: ['content'] });
  const mailbox = record.mailbox ? { name: record.mailbox, role: configured?.role ?? 'SUPPORT', address: configured?.address ?? null } : null;
  // Mail from the SMTP door belongs where its envelope says, as on the first try (a Bcc to the emergency address pages).
  const provenance = record.envelope ? smtpProvenance(record.envelope, ctx.config) : { door: record.door, mailbox, uidValidity: null, uid: null };
  // The commit resolves the record when the message becomes a ticket, comment or note.
  const outcome = await ingestMessage(orm, raw.content, provenance, { ...ctx, retryOf: record });
  return { record: await orm.em.fork().findOneOrFail(QuarantinedMessage, id, { populate: ['rawSource', 'dismissedBy'] }), outcome };
}
