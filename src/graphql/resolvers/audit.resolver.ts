/**
 * The admin audit log: every change made outside a ticket (queues, staff, tokens, rules,
 * categories, organisations, quarantine decisions) with who made it, newest first. Ticket changes
 * are in each ticket's `events`.
 */
import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { readRows } from '../../db/read-query.js';
import { Role } from '../../entities/enums.js';
import { AppError } from '../../errors.js';
import type { EventRow } from '../loaders.js';
import type { GraphQLContext } from '../context.js';
import { AdminEventConnection, AdminEventFilter } from '../types/admin-event.type.js';
import { decodeIdCursor, keysetPage, pageSize } from '../types/pagination.js';
import { presentTicketEvent } from '../types/ticket-event.type.js';

const MAX_KINDS = 50;

// Fixed texts (prepared once per connection): an absent filter is a null parameter. Admin events
// are the rows without a ticket, read through their partial index (ticket_event_admin_idx).
const MATCHING = `ticket_id is null
  and ($1::text[] is null or kind = any($1::text[]))
  and ($2::text is null or actor_id = (select id from person where email = $2::text))
  and ($3::timestamptz is null or created_at >= $3::timestamptz)`;
const PAGE = `select id, ticket_id, kind, actor_id, actor_label, from_value, to_value, detail, created_at from ticket_event
  where ${MATCHING} and ($4::bigint is null or id < $4::bigint) order by id desc limit $5::int`;
const COUNT = `select count(*)::int as n from ticket_event where ${MATCHING}`;

@Authorized(Role.ADMIN)
@Resolver()
export class AuditResolver {
  @Query(() => AdminEventConnection, { description: 'Changes made outside tickets (queues, staff, tokens, rules, categories, quarantine …), newest first' })
  async adminEvents(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => AdminEventFilter, { nullable: true }) filter: AdminEventFilter | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<AdminEventConnection> {
    const size = pageSize(first);
    const afterId = decodeIdCursor('admin-event', after);
    if (filter?.kind && filter.kind.length > MAX_KINDS) throw new AppError('BAD_USER_INPUT', `at most ${MAX_KINDS} kinds`, 'user', ['filter', 'kind']);
    const matching = [filter?.kind ?? null, filter?.actor?.trim().toLowerCase() ?? null, filter?.since ?? null];
    const [rows, [count]] = await Promise.all([
      readRows<EventRow>(em, PAGE, [...matching, afterId, size + 1]),
      readRows<{ n: number }>(em, COUNT, matching),
    ]);
    return { ...keysetPage('admin-event', rows, size, presentTicketEvent), totalCount: count?.n ?? 0 };
  }
}
