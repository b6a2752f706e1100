/**
 * Staff management (ADMIN): create, list, update name/role, deactivate. A deactivated agent's
 * tokens stop working at once (src/auth/tokens.ts checks `active` on every request). `me` is
 * open to every caller. Each change is an admin event with the actor.
 */
import { LockMode } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Em } from '../../db/orm.js';
import { inTransaction } from '../../db/transaction.js';
import { Person } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { emailAddress } from '../../people/email-address.js';
import type { FieldError } from '../../queues/create-queue.js';
import { recordEvent } from '../../tickets/record-event.js';
import type { GraphQLContext } from '../context.js';
import { AgentObject, AgentPayload, CreateAgentInput, UpdateAgentInput, presentAgent } from '../types/agent.type.js';

const NAME_MAX = 200;

function checkName(name: string | null | undefined): FieldError | null {
  if (name == null) return null;
  if (name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) return { field: ['name'], message: `must be at most ${NAME_MAX} characters without control characters` };
  return null;
}

async function queueNames(em: Em, personIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  if (personIds.length === 0) return map;
  const rows = await em.execute<{ person_id: number; name: string }[]>(
    `select qa.person_id, q.name from queue_agent qa join queue q on q.id = qa.queue_id where qa.person_id in (${personIds.map(() => '?').join(', ')}) order by q.name`,
    personIds,
  );
  for (const row of rows) map.set(Number(row.person_id), [...(map.get(Number(row.person_id)) ?? []), row.name]);
  return map;
}

async function present(em: Em, person: Person): Promise<AgentObject> {
  return presentAgent(person, (await queueNames(em, [person.id])).get(person.id) ?? []);
}

@Authorized(Role.ADMIN)
@Resolver(() => AgentObject)
export class AgentResolver {
  @Authorized(Role.AGENT)
  @Query(() => AgentObject, { description: 'The caller' })
  async me(@Ctx() { em, principal }: GraphQLContext): Promise<AgentObject> {
    const agent = await present(em, principal.person);
    // The token's effective role, which may be lower than the person's (an AGENT token of an admin).
    return { ...agent, role: principal.role };
  }

  @Query(() => [AgentObject], { description: 'All staff, active or not' })
  async agents(@Ctx() { em }: GraphQLContext): Promise<AgentObject[]> {
    const staff = await em.find(Person, { role: { $ne: null } }, { orderBy: { email: 'asc' } });
    const names = await queueNames(em, staff.map((p) => p.id));
    return staff.map((p) => presentAgent(p, names.get(p.id) ?? []));
  }

  @Mutation(() => AgentPayload, { description: 'Makes a person staff (creating them if unknown); give them a token with createApiToken' })
  async createAgent(@Arg('input', () => CreateAgentInput) input: CreateAgentInput, @Ctx() { em, orm, principal }: GraphQLContext): Promise<AgentPayload> {
    const email = input.email.trim().toLowerCase();
    const errors: FieldError[] = [];
    const invalid = emailAddress().safeParse(email).error?.issues[0];
    if (invalid) errors.push({ field: ['email'], message: invalid.message });
    const nameProblem = checkName(input.name);
    if (nameProblem) errors.push(nameProblem);
    if (errors.length > 0) return { agent: null, userErrors: errors };
    // The check on the person's row, locked until the commit, so of two calls at once for one
    // address only one makes them staff: the other waits and then reads the role the first set,
    // or, when neither found the person, loses on the unique email and runs again (a second
    // look-up would find the other's committed row unlocked and unchecked: both answered as
    // created). Either way it answers "already an agent" as it would a moment later.
    const outcome = await inTransaction(orm, async (tx) => {
      const existing = await tx.findOne(Person, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (existing?.role) return { field: ['email'], message: `${email} is already an agent` };
      const p = existing ?? new Person(email);
      tx.persist(p);
      if (input.name?.trim()) p.name = input.name.trim();
      p.role = input.role;
      p.active = true;
      recordEvent(tx, null, { kind: 'agent-created', actor: tx.getReference(Person, principal.personId), to: email, detail: { role: input.role } });
      await tx.flush();
      return p.id;
    });
    if (typeof outcome !== 'number') return { agent: null, userErrors: [outcome] };
    return { agent: await present(em, await em.findOneOrFail(Person, outcome)), userErrors: [] };
  }

  @Mutation(() => AgentPayload, { description: 'Change name, role, or reactivate' })
  async updateAgent(@Arg('email', () => String) email: string, @Arg('input', () => UpdateAgentInput) input: UpdateAgentInput, @Ctx() ctx: GraphQLContext): Promise<AgentPayload> {
    const nameProblem = checkName(input.name);
    if (nameProblem) return { agent: null, userErrors: [nameProblem] };
    return this.change(ctx, email, (person, tx, actor) => {
      if (input.name != null && input.name.trim() !== (person.name ?? '')) {
        recordEvent(tx, null, { kind: 'agent-name', actor, from: person.name, to: input.name.trim() || null, detail: { agent: person.email } });
        person.name = input.name.trim() || null;
      }
      if (input.role != null && input.role !== person.role) {
        recordEvent(tx, null, { kind: 'agent-role', actor, from: person.role, to: input.role, detail: { agent: person.email } });
        person.role = input.role;
      }
      if (input.active != null && input.active !== person.active) {
        if (person.id === actor.id) return { field: ['input', 'active'], message: 'you cannot deactivate yourself' };
        recordEvent(tx, null, { kind: input.active ? 'agent-reactivated' : 'agent-deactivated', actor, from: person.active ? 'active' : 'inactive', to: input.active ? 'active' : 'inactive', detail: { agent: person.email } });
        person.active = input.active;
      }
      return null;
    });
  }

  @Mutation(() => AgentPayload, { description: 'Their tokens stop working at once; their history stays' })
  async deactivateAgent(@Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<AgentPayload> {
    return this.change(ctx, email, (person, tx, actor) => {
      if (person.id === actor.id) return { field: ['email'], message: 'you cannot deactivate yourself' };
      if (person.active) {
        recordEvent(tx, null, { kind: 'agent-deactivated', actor, from: 'active', to: 'inactive', detail: { agent: person.email } });
        person.active = false;
      }
      return null;
    });
  }

  private async change(
    { em, principal }: GraphQLContext,
    email: string,
    apply: (person: Person, tx: Em, actor: Person) => FieldError | null,
  ): Promise<AgentPayload> {
    const outcome = await em.transactional(async (tx) => {
      // Locked until the commit: two changes at once take turns, and each event's "from" is what it replaced.
      const person = await tx.findOne(Person, { email: email.trim().toLowerCase(), role: { $ne: null } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!person) return { field: ['email'], message: `${email} is not an agent` };
      const problem = apply(person, tx, await tx.findOneOrFail(Person, principal.personId));
      if (problem) return problem;
      await tx.flush();
      return person.id;
    });
    if (typeof outcome !== 'number') return { agent: null, userErrors: [outcome] };
    em.clear();
    return { agent: await present(em, await em.findOneOrFail(Person, outcome)), userErrors: [] };
  }
}
