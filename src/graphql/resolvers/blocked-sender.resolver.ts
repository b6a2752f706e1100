/**
 * Blocked senders (src/people/blocked-senders.ts): ADMIN only. Invalid input, and unblocking what
 * is not blocked, are BAD_USER_INPUT errors naming the problem and its input path.
 */
import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { BlockedSender } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { AppError } from '../../errors.js';
import { blockSender, unblockSender } from '../../people/blocked-senders.js';
import type { GraphQLContext } from '../context.js';
import { likeContaining } from '../../db/sql-values.js';
import { BlockedSenderConnection, BlockedSenderType, presentBlockedSender } from '../types/blocked-sender.type.js';
import { decodeIdCursor, keysetPage, pageSize } from '../types/pagination.js';
import { write } from './routing.resolver.js';

const MAX_SEARCH_CHARS = 320;

@Authorized(Role.ADMIN)
@Resolver()
export class BlockedSenderResolver {
  @Query(() => BlockedSenderConnection, { description: 'Blocked addresses and domains, newest first' })
  async blockedSenders(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('search', () => String, { nullable: true, description: 'part of the pattern, e.g. "example.com"' }) search: string | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<BlockedSenderConnection> {
    const size = pageSize(first);
    const afterId = decodeIdCursor('blocked-sender', after);
    const text = search?.trim().toLowerCase() ?? '';
    if (text.length > MAX_SEARCH_CHARS) throw new AppError('BAD_USER_INPUT', `search must be at most ${MAX_SEARCH_CHARS} characters`, 'user', ['search']);
    const matching = text ? { pattern: { $like: likeContaining(text) } } : {};
    const [rows, totalCount] = await Promise.all([
      em.find(BlockedSender, afterId === null ? matching : { ...matching, id: { $lt: afterId } }, { orderBy: { id: 'desc' }, limit: size + 1, populate: ['createdBy'] }),
      em.fork().count(BlockedSender, matching),
    ]);
    return { ...keysetPage('blocked-sender', rows, size, presentBlockedSender), totalCount };
  }

  @Mutation(() => BlockedSenderType, { description: 'From now on, mail from this address or domain is quarantined (SENDER_BLOCKED), except to the emergency address' })
  async blockSender(
    @Arg('pattern', () => String, { description: '`spam@example.com`, or `@example.com` for the whole domain' }) pattern: string,
    @Arg('note', () => String, { nullable: true, description: 'why, for the next admin (at most 1,000 characters)' }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BlockedSenderType> {
    return presentBlockedSender(await write(ctx, (em, actor) => blockSender(em, { pattern, note }, actor, ctx.config)));
  }

  @Mutation(() => BlockedSenderType, { description: 'Mail from it becomes tickets again; what was quarantined meanwhile stays until an admin retries it' })
  async unblockSender(@Arg('pattern', () => String) pattern: string, @Ctx() ctx: GraphQLContext): Promise<BlockedSenderType> {
    return presentBlockedSender(await write(ctx, (em, actor) => unblockSender(em, pattern, actor)));
  }
}
