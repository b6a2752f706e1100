/** One entry of a ticket's history: who changed what from which value to which. */
import { Field, ID, ObjectType } from 'type-graphql';
import type { EventRow } from '../loaders.js';
import { asInstance } from './as-instance.js';

@ObjectType('TicketEvent', { simpleResolvers: true })
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

export function presentTicketEvent(row: EventRow): TicketEventObject {
  return asInstance(TicketEventObject, {
    id: String(row.id),
    kind: row.kind,
    actorId: row.actor_id === null ? null : Number(row.actor_id),
    actorLabel: row.actor_label,
    from: row.from_value,
    to: row.to_value,
    detail: row.detail === null ? null : typeof row.detail === 'string' ? row.detail : JSON.stringify(row.detail),
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  });
}
