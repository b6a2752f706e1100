/**
 * Changing a queue after creation: name, keywords, address, default assignee, approver and the
 * settings createQueue also takes (queue-settings.ts); agents and watchers one at a time; deleting
 * it, its tickets moved to another queue.
 * Validation failures come back as data (field + message); every change is an admin event with
 * the actor and old → new.
 */
import { z } from 'zod';
import type { Em } from '../db/orm.js';
import { Person, Queue, Rule, SavedReply } from '../entities/index.js';
import { emailAddress } from '../people/email-address.js';
import { recordEvent } from '../tickets/record-event.js';
import { renameInRules, ruleSets } from '../routing/manage-rules.js';
import { toFieldErrors, type CommandResult, type FieldError } from './create-queue.js';
import { applyQueueSettings, queueSettingsSchema, text } from './queue-settings.js';

const updateSchema = z.object({
  name: text(100).nullish(),
  keywords: z.array(text(100)).max(200, { message: 'at most 200 keywords' }).nullish(),
  /** '' removes the address. */
  emailAddress: z.union([z.literal(''), emailAddress()]).nullish(),
  /** '' removes the default assignee. */
  defaultAssignee: z.union([z.literal(''), emailAddress()]).nullish(),
  /** '' removes the approver. */
  approver: z.union([z.literal(''), emailAddress()]).nullish(),
  ...queueSettingsSchema,
});

export type UpdateQueueData = z.input<typeof updateSchema>;

/**
 * The queue a command changes, its row locked until the commit: two admins changing one queue at
 * once take turns and the second sees what the first did (rules and categories take turns through
 * lockList). Without it both read the same row and the history had one change twice.
 */
async function findQueue(em: Em, name: string): Promise<Queue | null> {
  await em.execute(`select 1 from queue where name = ? for update`, [name]);
  return em.findOne(Queue, { name }, { populate: ['agents', 'watchers', 'defaultAssignee', 'approver'], refresh: true });
}

const activeStaff = (em: Em, email: string) => em.findOne(Person, { email: email.trim().toLowerCase(), role: { $ne: null }, active: true });

/**
 * @param defaultQueue DEFAULT_QUEUE: that queue keeps its name, since the variable names it (mail no
 *   rule, address or keyword routes would land in no queue)
 */
export async function updateQueue(em: Em, actor: Person, name: string, raw: UpdateQueueData, defaultQueue: string): Promise<CommandResult<Queue>> {
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error).map((e) => ({ ...e, field: ['input', ...e.field] })) };
  const input = parsed.data;
  const queue = await findQueue(em, name);
  if (!queue) return { ok: false, errors: [{ field: ['name'], message: `no queue named "${name}"` }] };
  const errors: FieldError[] = [];
  if (input.name && input.name !== queue.name && queue.name === defaultQueue) {
    errors.push({ field: ['input', 'name'], message: `"${queue.name}" is DEFAULT_QUEUE, where mail nothing else routes lands, and keeps its name; to make another queue the default, set DEFAULT_QUEUE to its name` });
  } else if (input.name && input.name !== queue.name && (await em.count(Queue, { name: input.name })) > 0) {
    errors.push({ field: ['input', 'name'], message: `a queue named "${input.name}" already exists` });
  }
  const address = input.emailAddress === undefined || input.emailAddress === null ? undefined : input.emailAddress.toLowerCase() || null;
  if (address && address !== queue.emailAddress && (await em.count(Queue, { emailAddress: address })) > 0) {
    errors.push({ field: ['input', 'emailAddress'], message: `another queue already receives mail for ${address}` });
  }
  let assignee: Person | null | undefined;
  if (input.defaultAssignee === '') assignee = null;
  else if (input.defaultAssignee) {
    assignee = await activeStaff(em, input.defaultAssignee);
    if (!assignee) errors.push({ field: ['input', 'defaultAssignee'], message: `no active agent has the address ${input.defaultAssignee}` });
  }
  let approver: Person | null | undefined;
  if (input.approver === '') approver = null;
  else if (input.approver) {
    approver = await activeStaff(em, input.approver);
    if (!approver) errors.push({ field: ['input', 'approver'], message: `no active agent has the address ${input.approver}` });
  }
  if (errors.length > 0) return { ok: false, errors };

  const change = (field: string, from: unknown, to: unknown) => {
    const show = (v: unknown) => (v === null || v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v));
    recordEvent(em, null, { kind: `queue-${field}`, actor, from: show(from), to: show(to), detail: { queue: queue.name } });
  };
  if (input.name && input.name !== queue.name) {
    const rules = await renameInRules(em, 'setQueue', queue.name, input.name);
    recordEvent(em, null, { kind: 'queue-name', actor, from: queue.name, to: input.name, detail: { queue: queue.name, ...(rules.length > 0 ? { rules } : {}) } });
    queue.name = input.name;
  }
  if (input.keywords) {
    const keywords = [...new Map(input.keywords.map((k) => [k.toLowerCase(), k])).values()];
    if (keywords.join('\n') !== queue.keywords.join('\n')) change('keywords', queue.keywords, keywords);
    queue.keywords = keywords;
  }
  if (address !== undefined && address !== queue.emailAddress) {
    change('emailAddress', queue.emailAddress, address);
    queue.emailAddress = address;
  }
  if (assignee !== undefined && assignee?.id !== queue.defaultAssignee?.id) {
    change('defaultAssignee', queue.defaultAssignee?.email, assignee?.email);
    queue.defaultAssignee = assignee;
    if (assignee && !queue.agents.contains(assignee)) queue.agents.add(assignee);
  }
  if (approver !== undefined && approver?.id !== queue.approver?.id) {
    change('approver', queue.approver?.email, approver?.email);
    queue.approver = approver;
  }
  applyQueueSettings(queue, input, change);
  await em.flush();
  return { ok: true, value: queue };
}

/** Adds or removes one agent or watcher (an active staff member) of a queue. */
export async function changeQueueMember(
  em: Em,
  actor: Person,
  queueName: string,
  email: string,
  relation: 'agents' | 'watchers',
  add: boolean,
): Promise<CommandResult<Queue>> {
  const queue = await findQueue(em, queueName);
  if (!queue) return { ok: false, errors: [{ field: ['queue'], message: `no queue named "${queueName}"` }] };
  const normalised = email.trim().toLowerCase();
  const collection = queue[relation];
  const current = collection.getItems().find((p) => p.email === normalised);
  const what = relation === 'agents' ? 'agent' : 'watcher';
  if (add) {
    if (current) return { ok: true, value: queue };
    const person = await activeStaff(em, normalised);
    if (!person) return { ok: false, errors: [{ field: ['email'], message: `${email} is not an active agent (createAgent first)` }] };
    collection.add(person);
  } else {
    if (!current) return { ok: false, errors: [{ field: ['email'], message: `${email} is not a ${what} of "${queue.name}"` }] };
    collection.remove(current);
    if (relation === 'agents' && queue.defaultAssignee?.id === current.id) queue.defaultAssignee = null;
  }
  recordEvent(em, null, { kind: `queue-${what}-${add ? 'added' : 'removed'}`, actor, ...(add ? { to: normalised } : { from: normalised }), detail: { queue: queue.name } });
  await em.flush();
  return { ok: true, value: queue };
}

/**
 * Deletes a queue a team no longer has. Its tickets, of every status, move to `moveTicketsTo`,
 * each with a `queue` event as updateTicket writes one (two statements, however many tickets);
 * its agents, watchers and saved replies go with it. Refused for DEFAULT_QUEUE and for a queue a
 * rule still routes to (the rule would name nothing). Returns the queue the tickets moved to.
 */
export async function deleteQueue(em: Em, actor: Person, name: string, moveTicketsTo: string, defaultQueue: string): Promise<CommandResult<Queue>> {
  const queue = await findQueue(em, name);
  if (!queue) return { ok: false, errors: [{ field: ['name'], message: `no queue named "${name}"` }] };
  const errors: FieldError[] = [];
  if (queue.name === defaultQueue) errors.push({ field: ['name'], message: `"${name}" is DEFAULT_QUEUE, where mail nothing else routes lands; set DEFAULT_QUEUE to another queue first` });
  const rules = (await em.find(Rule, {})).filter((r) => ruleSets(r.actions, 'setQueue', queue.name)).map((r) => `"${r.name}"`);
  if (rules.length > 0) errors.push({ field: ['name'], message: `rules ${rules.join(', ')} route to "${name}"; change them first` });
  const target = moveTicketsTo === name ? null : await findQueue(em, moveTicketsTo);
  if (!target) errors.push({ field: ['moveTicketsTo'], message: moveTicketsTo === name ? 'must be another queue' : `no queue named "${moveTicketsTo}"` });
  if (errors.length > 0 || !target) return { ok: false, errors };

  const inserted = await em.execute(
    `insert into ticket_event (ticket_id, actor_id, kind, from_value, to_value, created_at) select id, ?, 'queue', ?, ?, now() from ticket where queue_id = ?`,
    [actor.id, queue.name, target.name, queue.id],
    'run',
  );
  const tickets = (inserted as { affectedRows?: number }).affectedRows ?? 0;
  await em.execute(`update ticket set queue_id = ?, updated_at = now() where queue_id = ?`, [target.id, queue.id], 'run');
  const savedReplies = await em.count(SavedReply, { queue });
  recordEvent(em, null, { kind: 'queue-deleted', actor, from: queue.name, to: target.name, detail: { tickets, savedReplies } });
  em.remove(queue);
  await em.flush();
  return { ok: true, value: target };
}
