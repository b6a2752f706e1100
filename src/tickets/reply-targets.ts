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

/** "1 day", "4 hours", "90 minutes": a reply target in words, in the largest unit that divides it. */
export function describeTarget(seconds: number): string {
  const [amount, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3_600 === 0 ? [seconds / 3_600, 'hour'] : [Math.round(seconds / 60), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * "The reply is overdue" in SQL for a ticket aliased `t`, with `?` parameters; false (not null)
 * when nobody waits or the priority has no target. Waiting is tested first: the partial index of
 * waiting tickets answers it, and rows nobody waits on skip the sum.
 * @param at the instant to judge at (a controllable clock for the reminders); default the database's now()
 */
export function replyOverdueSql(targets: ReplyTargets, at?: Date): { sql: string; params: (number | Date | null)[] } {
  const priorities = Object.values(Priority);
  const due = `t.awaiting_reply_since + make_interval(secs => case t.priority ${priorities.map((p) => `when '${p}' then ?::int`).join(' ')} end)`;
  return {
    sql: `(t.awaiting_reply_since is not null and coalesce(${due} < ${at ? '?::timestamptz' : 'now()'}, false))`,
    params: [...priorities.map((p) => targets[p]), ...(at ? [at] : [])],
  };
}
