/**
 * Applies a routing decision to a new ticket inside the ingest transaction; recordRoutingSteps then
 * records every step as a TicketEvent (`actorLabel` rule:<name>, keyword:<word>, address:<addr>, queue:<name>,
 * category:<name>, emergency or default; `detail.text` says it in words).
 *
 * Names in rules are resolved here: a queue, category or person that no longer exists is skipped
 * with a `routing-skipped` event rather than failing the message.
 */
import type { Em } from '../db/orm.js';
import { Category, Person, Queue, type Ticket } from '../entities/index.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';
import { MAX_CCS } from '../ingest/people.js';
import { recordEvent } from '../tickets/record-event.js';
import type { RoutingDecision, RoutingStep } from './decide.js';
import { setStatus } from '../tickets/change-status.js';

export async function applyRouting(em: Em, ticket: Ticket, decision: RoutingDecision, exclude: ReadonlySet<string>): Promise<void> {
  const skipped = (step: RoutingStep, why: string) =>
    recordEvent(em, ticket, { kind: 'routing-skipped', actorLabel: step.actor, to: step.value, detail: { text: `${step.text}: ${why}` } });
  const finalStep = (kind: RoutingStep['kind']) => decision.steps.findLast((s) => s.kind === kind);

  if (decision.queue !== null) {
    // Its watchers come in the same statement: the new-ticket notification mails them next.
    const queue = await em.findOne(Queue, { name: decision.queue }, { populate: ['watchers'], strategy: 'joined' });
    if (queue) ticket.queue = queue;
    else skipped(finalStep('queue')!, `no queue named ${decision.queue}`);
  }
  ticket.priority = decision.priority;
  ticket.type = decision.type;
  // A rule may close a new ticket: closed when it arrived, and then awaiting no reply.
  setStatus(ticket, decision.status, ticket.createdAt);
  if (decision.category !== null) {
    const category = await em.findOne(Category, { name: decision.category });
    if (category) ticket.category = category;
    else skipped(finalStep('category')!, `no category named ${decision.category}`);
  }
  if (decision.assignee !== null) {
    const agent = await em.findOne(Person, { email: decision.assignee, role: { $ne: null }, active: true });
    if (agent) ticket.assignee = agent;
    else skipped(finalStep('assignee')!, `${decision.assignee} is not an active agent`);
  }
  for (const email of decision.watchers) {
    const person = await em.findOne(Person, { email });
    if (person) ticket.watchers.add(person);
    else skipped(decision.steps.find((s) => s.kind === 'watcher-added' && s.value === email)!, `nobody is known as ${email}`);
  }
  for (const email of decision.ccs) {
    if (exclude.has(email) || ticket.ccs.length >= MAX_CCS) continue;
    ticket.ccs.add(await findOrCreatePerson(em, email));
  }
}

/** The decision's steps as the ticket's history, after its `created` event. */
export function recordRoutingSteps(em: Em, ticket: Ticket, decision: RoutingDecision): void {
  for (const step of decision.steps) {
    recordEvent(em, ticket, { kind: step.kind, actorLabel: step.actor, to: step.value, detail: { text: step.text } });
  }
}
