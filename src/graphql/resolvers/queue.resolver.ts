import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { inTransaction } from '../../db/transaction.js';
import { Person, Queue } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { createQueue, type CommandResult } from '../../queues/create-queue.js';
import { changeQueueMember, deleteQueue, updateQueue } from '../../queues/manage-queue.js';
import type { Em } from '../../db/orm.js';
import { queueCalendar } from '../../queues/queue-hours.js';
import { describeCalendar } from '../../tickets/reply-targets.js';
import { nextOpening } from '../../outbound/reply-expectation.js';
import type { GraphQLContext } from '../context.js';
import { QueuePayload } from '../types/payloads.js';
import { CreateQueueInput, QueueType, UpdateQueueInput, presentQueue } from '../types/queue.type.js';

const QUEUE_RELATIONS = ['agents', 'watchers', 'defaultAssignee', 'approver'] as const;

@Authorized(Role.ADMIN)
@Resolver(() => QueueType)
export class QueueResolver {
  /** Agents see the queues they belong to; admins see all. */
  @Authorized(Role.AGENT)
  @Query(() => [QueueType])
  async queues(@Ctx() { em, principal }: GraphQLContext): Promise<QueueType[]> {
    const where = principal.role === Role.ADMIN ? {} : { agents: { id: principal.personId } };
    const queues = await em.find(Queue, where, { populate: QUEUE_RELATIONS, orderBy: { name: 'asc' } });
    return queues.map(presentQueue);
  }

  /** Shown to anyone who may see the queue (agents see it through their tickets too). */
  @Authorized(Role.AGENT)
  @FieldResolver(() => String, {
    description: 'When reply targets count for this queue\'s tickets, in words: "Mon-Fri 09:00-17:00 (Asia/Tokyo, 2 holidays)" or "around the clock" (its own opening times, else BUSINESS_HOURS; URGENT always counts around the clock)',
  })
  openingTime(@Root() queue: QueueType, @Ctx() { config }: GraphQLContext): string {
    const calendar = queueCalendar(queue, config.businessHours);
    return calendar ? describeCalendar(calendar) : 'around the clock';
  }

  @Authorized(Role.AGENT)
  @FieldResolver(() => Date, {
    nullable: true,
    description: 'While the queue is closed (its own opening times, else BUSINESS_HOURS): when it opens again, as the acknowledgement of mail arriving now says; null while it is open, or around the clock',
  })
  async opensAt(@Root() queue: QueueType, @Ctx() { em, config }: GraphQLContext): Promise<Date | null> {
    return queueCalendar(queue, config.businessHours) ? nextOpening(em, config, Number(queue.id), new Date()) : null;
  }

  @Mutation(() => QueuePayload)
  createQueue(@Arg('input', () => CreateQueueInput) input: CreateQueueInput, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => createQueue(em, actor, input));
  }

  @Mutation(() => QueuePayload, { description: "Changes the given fields: createQueue's, and the name, which the rules that route to the queue follow (not DEFAULT_QUEUE's)" })
  updateQueue(@Arg('name', () => String) name: string, @Arg('input', () => UpdateQueueInput) input: UpdateQueueInput, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => updateQueue(em, actor, name, input, ctx.config.defaultQueue));
  }

  @Mutation(() => QueuePayload, {
    description:
      "Deletes a queue a team no longer has: its tickets (every status) move to `moveTicketsTo`, each with a queue event; its agents, watchers and saved replies go with it. Not DEFAULT_QUEUE, nor a queue a rule routes to. Returns the queue the tickets moved to",
  })
  deleteQueue(@Arg('name', () => String) name: string, @Arg('moveTicketsTo', () => String) moveTicketsTo: string, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => deleteQueue(em, actor, name, moveTicketsTo, ctx.config.defaultQueue));
  }

  @Mutation(() => QueuePayload)
  addQueueAgent(@Arg('queue', () => String) queue: string, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => changeQueueMember(em, actor, queue, email, 'agents', true));
  }

  @Mutation(() => QueuePayload)
  removeQueueAgent(@Arg('queue', () => String) queue: string, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => changeQueueMember(em, actor, queue, email, 'agents', false));
  }

  @Mutation(() => QueuePayload)
  addQueueWatcher(@Arg('queue', () => String) queue: string, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => changeQueueMember(em, actor, queue, email, 'watchers', true));
  }

  @Mutation(() => QueuePayload)
  removeQueueWatcher(@Arg('queue', () => String) queue: string, @Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<QueuePayload> {
    return changeQueue(ctx, (em, actor) => changeQueueMember(em, actor, queue, email, 'watchers', false));
  }
}

/**
 * One queue command in its own transaction (run again after a lost race: two admins creating the
 * same queue get one queue and one "already exists"), the actor loaded in it; the queue presented
 * after the commit.
 */
async function changeQueue(ctx: GraphQLContext, command: (em: Em, actor: Person) => Promise<CommandResult<Queue>>): Promise<QueuePayload> {
  const result = await inTransaction(ctx.orm, async (em) => {
    const outcome = await command(em, await em.findOneOrFail(Person, ctx.principal.personId));
    return outcome.ok ? { ok: true as const, id: outcome.value.id } : outcome;
  });
  if (!result.ok) return { queue: null, userErrors: result.errors };
  const queue = await ctx.em.fork().findOneOrFail(Queue, result.id, { populate: QUEUE_RELATIONS });
  return { queue: presentQueue(queue), userErrors: [] };
}
