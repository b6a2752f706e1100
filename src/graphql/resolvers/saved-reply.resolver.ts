/**
 * Saved replies (src/tickets/saved-replies.ts): admins manage them; agents list those of their
 * queues and every queue's, and read them filled in through Ticket.savedReplies. Invalid input is
 * a BAD_USER_INPUT error naming the field; nothing is stored then.
 */
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../entities/enums.js';
import { createSavedReply, deleteSavedReply, listSavedReplies, updateSavedReply } from '../../tickets/saved-replies.js';
import type { GraphQLContext } from '../context.js';
import { presentSavedReply, SavedReplyInput, SavedReplyType } from '../types/saved-reply.type.js';
import { write } from './routing.resolver.js';

@Authorized(Role.ADMIN)
@Resolver()
export class SavedReplyResolver {
  @Authorized(Role.AGENT)
  @Query(() => [SavedReplyType], { description: "Saved replies by name: an agent's queues' and every queue's (admins: all)" })
  async savedReplies(@Ctx() { em, loaders }: GraphQLContext): Promise<SavedReplyType[]> {
    return (await listSavedReplies(em, await loaders.scope())).map(presentSavedReply);
  }

  @Mutation(() => SavedReplyType)
  async createSavedReply(@Arg('input', () => SavedReplyInput) input: SavedReplyInput, @Ctx() ctx: GraphQLContext): Promise<SavedReplyType> {
    return presentSavedReply(await write(ctx, (em, actor) => createSavedReply(em, input, actor)));
  }

  @Mutation(() => SavedReplyType, { description: 'Changes the given fields' })
  async updateSavedReply(
    @Arg('name', () => String) name: string,
    @Arg('input', () => SavedReplyInput) input: SavedReplyInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SavedReplyType> {
    return presentSavedReply(await write(ctx, (em, actor) => updateSavedReply(em, name, input, actor)));
  }

  @Mutation(() => SavedReplyType)
  async deleteSavedReply(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<SavedReplyType> {
    return presentSavedReply(await write(ctx, (em, actor) => deleteSavedReply(em, name, actor)));
  }
}
