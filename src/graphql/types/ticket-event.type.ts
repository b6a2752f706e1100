/** One entry of a ticket's history: who changed what from which value to which. */
import { Field, ID, ObjectType } from 'type-graphql';
import type { TicketEvent } from '../../entities/index.js';

@ObjectType('TicketEvent')
export class TicketEventObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'status, priority, type, category, queue, assignee, reply, note, watcher-added, cc-added, escalated, approved, rejected …' })
  kind!: string;

  @Field(() => String, { nullable: true, description: 'For system actors: system, rule:<name>, mailbox:<name> …' })
  actorLabel!: string | null;

  @Field(() => String, { nullable: true })
  from!: string | null;

  @Field(() => String, { nullable: true })
  to!: string | null;

  @Field(() => String, { nullable: true, description: 'Further detail as JSON text (a reason, a note …)' })
  detail!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  actorId!: number | null;
}

export function presentTicketEvent(event: TicketEvent): TicketEventObject {
  return {
    id: String(event.id),
    kind: event.kind,
    actorId: event.actor?.id ?? null,
    actorLabel: event.actorLabel,
    from: event.fromValue,
    to: event.toValue,
    detail: event.detail === null ? null : JSON.stringify(event.detail),
    createdAt: event.createdAt,
  };
}
