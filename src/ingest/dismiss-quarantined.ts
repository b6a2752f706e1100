/**
 * An admin's decision that quarantined messages need nothing more: spam the rate limit caught, a
 * newsletter, the bounce of mail long gone. They leave the list of pending ones; their raw bytes,
 * reason and provenance stay, and a later retry still ingests them (and undoes the dismissal).
 * Each dismissal is an admin event with the actor. All or nothing: one bad id dismisses none.
 */
import { LockMode } from '@mikro-orm/core';
import type { Orm } from '../db/orm.js';
import { inTransaction } from '../db/transaction.js';
import { Person, QuarantinedMessage } from '../entities/index.js';
import type { CommandResult, FieldError } from '../queues/create-queue.js';
import { recordEvent } from '../tickets/record-event.js';

export const MAX_DISMISS_IDS = 100;
export const MAX_DISMISS_NOTE = 1000;

/**
 * @param ids quarantined message ids, at most MAX_DISMISS_IDS; one already dismissed is left as it is
 * @param note why, for the audit log (optional)
 */
export async function dismissQuarantinedMessages(orm: Orm, ids: readonly number[], by: number, note: string | null): Promise<CommandResult<QuarantinedMessage[]>> {
  const inputErrors = checkInput(ids, note);
  if (inputErrors.length > 0) return { ok: false, errors: inputErrors };
  return inTransaction(orm, async (em) => {
    // Locked, so a concurrent dismissal of the same message records one event, not two.
    const records = await em.find(QuarantinedMessage, { id: { $in: [...new Set(ids)] } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    const byId = new Map(records.map((r) => [r.id, r]));
    const errors: FieldError[] = [];
    ids.forEach((id, index) => {
      const record = byId.get(id);
      if (!record) errors.push({ field: ['ids', String(index)], message: `no quarantined message ${id}` });
      else if (record.resolvedAt) errors.push({ field: ['ids', String(index)], message: `quarantined message ${id} was already ingested` });
    });
    if (errors.length > 0) return { ok: false, errors };
    const actor = em.getReference(Person, by);
    const now = new Date();
    for (const record of records.filter((r) => r.dismissedAt === null)) {
      record.dismissedAt = now;
      record.dismissedBy = actor;
      recordEvent(em, null, { kind: 'quarantine-dismissed', actor, from: record.reasonCode, to: 'dismissed', detail: { quarantinedMessage: record.id, ...(note ? { note } : {}) } });
    }
    await em.flush();
    return { ok: true, value: ids.map((id) => byId.get(id)!) };
  });
}

function checkInput(ids: readonly number[], note: string | null): FieldError[] {
  const errors: FieldError[] = [];
  if (ids.length === 0 || ids.length > MAX_DISMISS_IDS) errors.push({ field: ['ids'], message: `give between 1 and ${MAX_DISMISS_IDS} ids` });
  ids.forEach((id, index) => {
    if (!Number.isSafeInteger(id) || id <= 0) errors.push({ field: ['ids', String(index)], message: 'not a quarantined message id' });
  });
  if (note != null && (note.length > MAX_DISMISS_NOTE || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(note))) {
    errors.push({ field: ['note'], message: `must be at most ${MAX_DISMISS_NOTE} characters without control characters` });
  }
  return errors;
}
