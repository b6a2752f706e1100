import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { QuarantinedMessage } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { AppError } from '../../errors.js';
import { retryQuarantinedMessage } from '../../ingest/retry-quarantined.js';
import type { GraphQLContext } from '../context.js';
import { decodeCursor, encodeCursor, pageSize } from '../types/pagination.js';
import { presentQuarantined, QuarantinedMessageConnection, QuarantinePayload } from '../types/quarantine.type.js';

/** Messages postdesk kept but could not turn into tickets: ADMIN only. */
@Authorized(Role.ADMIN)
@Resolver()
export class QuarantineResolver {
  /** Newest first; unresolved and resolved alike (resolvedAt tells them apart). */
  @Query(() => QuarantinedMessageConnection)
  async quarantinedMessages(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<QuarantinedMessageConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor('quarantine', after);
    const where = afterId !== null ? { id: { $lt: Number(afterId) } } : {};
    const rows = await em.find(QuarantinedMessage, where, { orderBy: { id: 'desc' }, limit: size + 1, populate: ['rawSource'] });
    const page = rows.slice(0, size);
    return {
      edges: page.map((record) => ({ cursor: encodeCursor('quarantine', record.id), node: presentQuarantined(record) })),
      pageInfo: { hasNextPage: rows.length > size, endCursor: page.length ? encodeCursor('quarantine', page.at(-1)!.id) : null },
      totalCount: await em.count(QuarantinedMessage, {}),
    };
  }

  @Mutation(() => QuarantinePayload)
  async retryQuarantinedMessage(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<QuarantinePayload> {
    const numeric = Number(id);
    if (!Number.isInteger(numeric) || numeric <= 0) return { quarantinedMessage: null, ticketNumber: null, userErrors: [{ field: ['id'], message: 'not a quarantined message id' }] };
    try {
      const { record, outcome } = await retryQuarantinedMessage(ctx.orm, numeric, { config: ctx.config, secret: ctx.secret, log: ctx.log });
      const ticketNumber = 'ticketNumber' in outcome ? outcome.ticketNumber : null;
      // A refetch is not an error: the record's refetchRequestedAt says the poller will fetch it again.
      const userErrors = outcome.kind === 'quarantined' ? [{ field: ['id'], message: `still quarantined: ${outcome.reason}` }] : [];
      return { quarantinedMessage: presentQuarantined(record), ticketNumber, userErrors };
    } catch (error) {
      if (error instanceof AppError && error.kind === 'user') return { quarantinedMessage: null, ticketNumber: null, userErrors: [{ field: error.field, message: error.message }] };
      throw error;
    }
  }
}
