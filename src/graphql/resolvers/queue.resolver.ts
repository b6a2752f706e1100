import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Queue } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { createQueue } from '../../queues/create-queue.js';
import type { GraphQLContext } from '../context.js';
import { QueuePayload } from '../types/payloads.js';
import { CreateQueueInput, QueueType, presentQueue } from '../types/queue.type.js';

const QUEUE_RELATIONS = ['agents', 'watchers', 'defaultAssignee'] as const;

@Authorized(Role.ADMIN)
@Resolver(() => QueueType)
export class QueueResolver {
  /** Agents see the queues they belong to; admins see all. */
  @Authorized(Role.AGENT)
  @Query(() => [QueueType])
  async queues(@Ctx() { em, principal }: GraphQLContext): Promise<QueueType[]> {
    const where = principal.role === Role.ADMIN ? {} : { agents: { id: principal.person.id } };
    const queues = await em.find(Queue, where, { populate: QUEUE_RELATIONS, orderBy: { name: 'asc' } });
    return queues.map(presentQueue);
  }

  @Mutation(() => QueuePayload)
  async createQueue(@Arg('input', () => CreateQueueInput) input: CreateQueueInput, @Ctx() { em }: GraphQLContext): Promise<QueuePayload> {
    const result = await createQueue(em, input);
    if (!result.ok) return { queue: null, userErrors: result.errors };
    await em.populate(result.value, QUEUE_RELATIONS);
    return { queue: presentQueue(result.value), userErrors: [] };
  }
}
