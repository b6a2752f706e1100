/**
 * ticketStats: a window's figures over the caller's visible tickets (an agent's queues, an admin's
 * all), in total and per queue (src/tickets/stats.ts).
 */
import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Role } from '../../entities/enums.js';
import { AppError } from '../../errors.js';
import { ticketStats } from '../../tickets/stats.js';
import type { GraphQLContext } from '../context.js';
import { findVisibleQueue } from '../ticket-access.js';
import { TicketStatsType } from '../types/ticket-stats.type.js';

/** The longest window one request may cover: a year, with a leap day. */
export const MAX_STATS_DAYS = 366;

@Authorized(Role.AGENT)
@Resolver()
export class TicketStatsResolver {
  @Query(() => TicketStatsType, { description: 'Tickets created and closed, and first-response times, in a window of at most 366 days (default until now)' })
  async ticketStats(
    @Arg('since', () => Date) since: Date,
    @Arg('until', () => Date, { nullable: true }) until: Date | null,
    @Arg('queue', () => String, { nullable: true }) queue: string | null,
    @Ctx() { em, loaders, config }: GraphQLContext,
  ): Promise<TicketStatsType> {
    const now = new Date();
    const end = until ?? now;
    if (!(since.getTime() < end.getTime())) throw new AppError('BAD_USER_INPUT', 'since must be before until', 'user', ['since']);
    if (end.getTime() - since.getTime() > MAX_STATS_DAYS * 86_400_000) throw new AppError('BAD_USER_INPUT', `the window may be at most ${MAX_STATS_DAYS} days`, 'user', ['since']);
    const scope = await loaders.scope();
    // An unknown queue (for an admin) counts nothing; an agent naming a queue not theirs is FORBIDDEN.
    const queueId = queue != null ? ((await findVisibleQueue(em, scope, queue))?.id ?? -1) : null;
    const stats = await ticketStats(em, { since, until: end, now }, scope, queueId, config);
    return { since, until: end, ...stats };
  }
}
