/**
 * Ticket statistics over a time window, for the weekly look back (how many came in, how many were
 * closed, how fast customers got their first answer, how often within the reply target), for the
 * caller's visible tickets, in total and per queue: one statement.
 *
 * - created: tickets created in the window;
 * - closed: tickets closed in the window (and still closed: a reopened ticket counts when it closes
 *   again);
 * - first response: for the tickets created in the window by a customer's mail (not opened by an
 *   agent with createTicket: their first message is the agent's), the time from the ticket's
 *   creation to support's first public answer (firstResponseAt), as median and 90th percentile;
 * - reply target (REPLY_TARGETS, for the ticket's current priority, in the queue's opening times or
 *   BUSINESS_HOURS when set; the response times above are plain elapsed time): met when that first
 *   answer came within it; missed when it came later, or has not come, the ticket is still open, and the
 *   target has passed. Tickets whose priority has no target are in neither;
 * - ratings: tickets rated GOOD / BAD in the window (their latest rating; tickets/satisfaction.ts).
 */
import type { Em } from '../db/orm.js';
import { readRows } from '../db/read-query.js';
import type { TicketScope } from '../graphql/ticket-access.js';
import { numbered, replyDueSql, type ReplyClock } from './reply-targets.js';

export interface TicketFigures {
  created: number;
  closed: number;
  answered: number;
  firstResponseMedianSeconds: number | null;
  firstResponseP90Seconds: number | null;
  replyTargetMet: number;
  replyTargetMissed: number;
  ratedGood: number;
  ratedBad: number;
}

export interface TicketStatsResult {
  all: TicketFigures;
  /** Per queue (by name; null: tickets in no queue), queues with anything to count, by name. */
  byQueue: { queue: string | null; figures: TicketFigures }[];
}

interface FiguresRow {
  queue: string | null;
  total: boolean;
  created: number;
  closed: number;
  answered: number;
  median: number | null;
  p90: number | null;
  met: number;
  missed: number;
  good: number;
  bad: number;
}

/** $1 since, $2 until, $3 now, $4 the scope's queues, $5 the queue asked for; from $6 what the reply targets need. */
const statsSql = (due: string) => `
  with w as (
    select t.queue_id, t.priority, t.created_at, t.first_response_at, t.status, t.satisfaction,
           t.created_at >= $1 and t.created_at < $2 as created_in,
           coalesce(t.satisfaction_at >= $1 and t.satisfaction_at < $2, false) as rated_in,
           coalesce(t.closed_at >= $1 and t.closed_at < $2, false) as closed_in,
           -- Opened by a customer's mail: its first message is INBOUND. A ticket an agent opened always
           -- has its first response (the agent's message), so an unanswered one needs no look.
           (t.created_at >= $1 and t.created_at < $2)
             and case when t.first_response_at is null then true
                      else (select m.direction from message m where m.ticket_id = t.id order by m.created_at, m.id limit 1) = 'INBOUND' end as from_customer
      from ticket t
     where ((t.created_at >= $1 and t.created_at < $2) or (t.closed_at >= $1 and t.closed_at < $2) or (t.satisfaction_at >= $1 and t.satisfaction_at < $2))
       and ($4::bigint[] is null or t.queue_id = any($4::bigint[]))
       and ($5::bigint is null or t.queue_id = $5::bigint)
  ), f as (
    select w.*, extract(epoch from w.first_response_at - w.created_at)::float8 as seconds, ${due} as due from w
  )
  select q.name as queue, grouping(f.queue_id) = 1 as total,
         (count(*) filter (where created_in))::int as created,
         (count(*) filter (where closed_in))::int as closed,
         (count(*) filter (where from_customer and first_response_at is not null))::int as answered,
         percentile_cont(0.5) within group (order by seconds) filter (where from_customer) as median,
         percentile_cont(0.9) within group (order by seconds) filter (where from_customer) as p90,
         (count(*) filter (where from_customer and first_response_at <= due))::int as met,
         (count(*) filter (where from_customer and (first_response_at > due or (first_response_at is null and status <> 'CLOSED' and due < $3))))::int as missed,
         (count(*) filter (where rated_in and satisfaction = 'GOOD'))::int as good,
         (count(*) filter (where rated_in and satisfaction = 'BAD'))::int as bad
    from f left join queue q on q.id = f.queue_id
   group by grouping sets ((), (f.queue_id, q.name))
   order by total desc, q.name nulls last`;

const figures = (row: FiguresRow | undefined): TicketFigures => ({
  created: row?.created ?? 0,
  closed: row?.closed ?? 0,
  answered: row?.answered ?? 0,
  firstResponseMedianSeconds: row?.median ?? null,
  firstResponseP90Seconds: row?.p90 ?? null,
  replyTargetMet: row?.met ?? 0,
  replyTargetMissed: row?.missed ?? 0,
  ratedGood: row?.good ?? 0,
  ratedBad: row?.bad ?? 0,
});

export async function ticketStats(
  em: Em,
  window: { since: Date; until: Date; now: Date },
  scope: TicketScope,
  queueId: number | null,
  replyClock: ReplyClock,
): Promise<TicketStatsResult> {
  const p = numbered(6);
  const due = replyDueSql(replyClock, p, 'w.created_at', 'w.priority', 'w.queue_id');
  const rows = await readRows<FiguresRow>(em, statsSql(due), [window.since, window.until, window.now, scope.admin ? null : scope.queueIds, queueId, ...p.values]);
  const total = rows.find((r) => r.total);
  return { all: figures(total), byQueue: rows.filter((r) => !r.total).map((r) => ({ queue: r.queue, figures: figures(r) })) };
}
