import type { FilterQuery } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { QuarantinedMessage } from '../../entities/index.js';
import { QuarantineStatus, Role } from '../../entities/enums.js';
import { AppError } from '../../errors.js';
import { dismissQuarantinedMessages } from '../../ingest/dismiss-quarantined.js';
import { retryQuarantinedMessage } from '../../ingest/retry-quarantined.js';
import type { GraphQLContext } from '../context.js';
import { decodeIdCursor, keysetPage, pageSize } from '../types/pagination.js';
import {
  DismissQuarantinedPayload,
  presentQuarantined,
  QuarantinedMessageConnection,
  QuarantineFilter,
  QuarantinePayload,
  RetryQuarantinedPayload,
} from '../types/quarantine.type.js';

/** As many as one dismissal takes; each retry runs the whole pipeline. */
const MAX_RETRY_IDS = 100;

/** One retry; its userErrors name `field` (the argument, or its place in a list). */
async function retryOne(id: string, field: string[], ctx: GraphQLContext): Promise<QuarantinePayload> {
  const numeric = Number(id);
  if (!Number.isInteger(numeric) || numeric <= 0) return { quarantinedMessage: null, ticketNumber: null, userErrors: [{ field, message: 'not a quarantined message id' }] };
  try {
    const { record, outcome } = await retryQuarantinedMessage(ctx.orm, numeric, { config: ctx.config, secret: ctx.secret, log: ctx.log, retriedBy: ctx.principal.personId });
    const ticketNumber = 'ticketNumber' in outcome ? outcome.ticketNumber : null;
    // A refetch is not an error: the record's refetchRequestedAt says the poller will fetch it again.
    const userErrors = outcome.kind === 'quarantined' ? [{ field, message: `still quarantined: ${outcome.reason}` }] : [];
    return { quarantinedMessage: presentQuarantined(record), ticketNumber, userErrors };
  } catch (error) {
    if (error instanceof AppError && error.kind === 'user') return { quarantinedMessage: null, ticketNumber: null, userErrors: [{ field, message: error.message }] };
    throw error;
  }
}

/** More reason codes than the catalogue has is a mistake, not a filter. */
const MAX_REASON_CODES = 50;

/** The filter as a condition; each status is a condition on resolvedAt and dismissedAt (quarantineStatus). */
function whereOf(filter: QuarantineFilter | null): FilterQuery<QuarantinedMessage>[] {
  const where: FilterQuery<QuarantinedMessage>[] = [];
  if (filter?.status?.length) {
    const byStatus: Record<QuarantineStatus, FilterQuery<QuarantinedMessage>> = {
      [QuarantineStatus.PENDING]: { resolvedAt: null, dismissedAt: null },
      [QuarantineStatus.RESOLVED]: { resolvedAt: { $ne: null } },
      [QuarantineStatus.DISMISSED]: { resolvedAt: null, dismissedAt: { $ne: null } },
    };
    where.push({ $or: [...new Set(filter.status)].map((s) => byStatus[s]) });
  }
  if (filter?.reasonCode) {
    if (filter.reasonCode.length > MAX_REASON_CODES) throw new AppError('BAD_USER_INPUT', `at most ${MAX_REASON_CODES} reason codes`, 'user', ['filter', 'reasonCode']);
    where.push({ reasonCode: { $in: filter.reasonCode } });
  }
  if (filter?.mailbox != null) where.push({ mailbox: filter.mailbox });
  if (filter?.from != null) where.push({ sender: filter.from.trim().toLowerCase() });
  return where;
}

function allOf(conditions: FilterQuery<QuarantinedMessage>[]): FilterQuery<QuarantinedMessage> {
  return conditions.length > 0 ? { $and: conditions } : {};
}

/** Messages postdesk kept but could not turn into tickets: ADMIN only. */
@Authorized(Role.ADMIN)
@Resolver()
export class QuarantineResolver {
  /** Newest first; without a filter, every status alike. */
  @Query(() => QuarantinedMessageConnection)
  async quarantinedMessages(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => QuarantineFilter, { nullable: true }) filter: QuarantineFilter | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<QuarantinedMessageConnection> {
    const size = pageSize(first);
    const afterId = decodeIdCursor('quarantine', after);
    const matching = whereOf(filter);
    const page = afterId !== null ? [...matching, { id: { $lt: afterId } }] : matching;
    const rows = await em.find(QuarantinedMessage, allOf(page), { orderBy: { id: 'desc' }, limit: size + 1, populate: ['rawSource', 'dismissedBy'] });
    return { ...keysetPage('quarantine', rows, size, presentQuarantined), totalCount: await em.count(QuarantinedMessage, allOf(matching)) };
  }

  @Mutation(() => QuarantinePayload, { description: 'Runs the stored message through the pipeline again (a dismissed one too); policy quarantines are overridden' })
  async retryQuarantinedMessage(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<QuarantinePayload> {
    return retryOne(id, ['id'], ctx);
  }

  @Mutation(() => RetryQuarantinedPayload, {
    description: `Runs up to ${MAX_RETRY_IDS} stored messages through the pipeline again, one after another, as retryQuarantinedMessage does each (after a fix or an upgrade: every PIPELINE_ERROR at once)`,
  })
  async retryQuarantinedMessages(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: GraphQLContext): Promise<RetryQuarantinedPayload> {
    if (ids.length === 0 || ids.length > MAX_RETRY_IDS) return { results: [], userErrors: [{ field: ['ids'], message: `give between 1 and ${MAX_RETRY_IDS} ids` }] };
    const results: QuarantinePayload[] = [];
    // In turn, each in its own transaction as a single retry: a message that fails again does not hold up the rest.
    for (const [index, id] of ids.entries()) results.push(await retryOne(id, ['ids', String(index)], ctx));
    return { results, userErrors: [] };
  }

  @Mutation(() => DismissQuarantinedPayload, {
    description: 'Marks up to 100 quarantined messages as needing nothing more (spam, newsletters): they leave the PENDING list, their raw bytes stay, a retry still works',
  })
  async dismissQuarantinedMessages(
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('note', () => String, { nullable: true, description: 'why, for the audit log' }) note: string | null,
    @Ctx() { em, orm, principal }: GraphQLContext,
  ): Promise<DismissQuarantinedPayload> {
    const result = await dismissQuarantinedMessages(orm, ids.map(Number), principal.personId, note ?? null);
    if (!result.ok) return { quarantinedMessages: [], userErrors: result.errors };
    const records = await em.fork().find(QuarantinedMessage, { id: { $in: result.value.map((r) => r.id) } }, { populate: ['rawSource', 'dismissedBy'] });
    const byId = new Map(records.map((r) => [r.id, r]));
    return { quarantinedMessages: result.value.map((r) => presentQuarantined(byId.get(r.id)!)), userErrors: [] };
  }
}
