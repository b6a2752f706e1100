/**
 * Reply targets (REPLY_TARGETS): how long support may take to answer a customer who waits, by the
 * ticket's priority. A reply is due at awaitingReplySince + the target; after that the ticket is
 * overdue until it is answered or closed. Wall-clock time: no business hours.
 */
import type { ReplyTargets } from '../config/env.js';
import { Priority } from '../entities/enums.js';

/** When the answer is due; null when nobody waits or the priority has no target. */
export function replyDueAt(awaitingSince: Date | null, priority: Priority, targets: ReplyTargets): Date | null {
  const seconds = targets[priority];
  if (awaitingSince === null || seconds === null) return null;
  return new Date(awaitingSince.getTime() + seconds * 1000);
}

/**
 * "The reply is overdue" in SQL for a ticket aliased `t`, with `?` parameters; false (not null)
 * when nobody waits or the priority has no target. Waiting is tested first: the partial index of
 * waiting tickets answers it, and rows nobody waits on skip the sum.
 */
export function replyOverdueSql(targets: ReplyTargets): { sql: string; params: (number | null)[] } {
  const priorities = Object.values(Priority);
  const due = `t.awaiting_reply_since + make_interval(secs => case t.priority ${priorities.map((p) => `when '${p}' then ?::int`).join(' ')} end)`;
  return {
    sql: `(t.awaiting_reply_since is not null and coalesce(${due} < now(), false))`,
    params: priorities.map((p) => targets[p]),
  };
}
