/**
 * An admin's retry of a quarantined message: the stored raw bytes go through today's pipeline
 * again. Policy quarantines (rate limit, unthreaded automatic mail, loops) are overridden, since
 * a person decided; a message that still cannot be processed stays quarantined with the new reason.
 */
import type { Orm } from '../db/orm.js';
import { Message, QuarantinedMessage, RawSource } from '../entities/index.js';
import { AppError } from '../errors.js';
import { ingestMessage, type IngestContext, type IngestOutcome } from './ingest-message.js';

export async function retryQuarantinedMessage(orm: Orm, id: number, ctx: Omit<IngestContext, 'retryOf'>): Promise<{ record: QuarantinedMessage; outcome: IngestOutcome }> {
  const em = orm.em.fork();
  const record = await em.findOne(QuarantinedMessage, id);
  if (!record) throw new AppError('NOT_FOUND', `no quarantined message ${id}`, 'user', ['id']);
  if (record.resolvedAt) throw new AppError('BAD_USER_INPUT', `quarantined message ${id} was already ingested`, 'user', ['id']);
  if (!record.rawSource) {
    throw new AppError('BAD_USER_INPUT', 'the mail server never handed this message over; the mailbox poller fetches it again', 'user', ['id']);
  }
  const raw = await em.findOneOrFail(RawSource, record.rawSource.id, { populate: ['content'] });
  const configured = ctx.config.mailboxes.find((m) => m.name === record.mailbox);
  const mailbox = record.mailbox ? { name: record.mailbox, role: configured?.role ?? 'SUPPORT', address: configured?.address ?? null } : null;
  const outcome = await ingestMessage(orm, raw.content, { door: record.door, mailbox, uidValidity: null, uid: null }, { ...ctx, retryOf: record });
  const after = orm.em.fork();
  const fresh = await after.findOneOrFail(QuarantinedMessage, id, { populate: ['rawSource'] });
  if (outcome.kind !== 'quarantined' && outcome.kind !== 'already-ingested') {
    fresh.resolvedAt = new Date();
    fresh.attempts += 1;
    fresh.lastAttemptAt = fresh.resolvedAt;
    fresh.resolvedMessage = after.getReference(Message, outcome.messageRowId);
    await after.flush();
  }
  return { record: fresh, outcome };
}
