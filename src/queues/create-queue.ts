/**
 * The createQueue command: validates input, then stores the queue. Validation failures come back
 * as data (field + message) so every door can show them; nothing is stored when any fails.
 */
import { z } from 'zod';
import type { Em } from '../db/orm.js';
import { Person, Queue } from '../entities/index.js';
import { emailAddress } from '../people/email-address.js';
import { recordEvent } from '../tickets/record-event.js';
import { applyQueueSettings, queueSettingsSchema, text } from './queue-settings.js';

export interface FieldError {
  field: string[];
  message: string;
}

export type CommandResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const MAX_KEYWORDS = 200;

const inputSchema = z.object({
  name: text(100),
  keywords: z.array(text(100)).max(MAX_KEYWORDS, { message: `at most ${MAX_KEYWORDS} keywords` }).nullish(),
  emailAddress: emailAddress().nullish(),
  defaultAssignee: emailAddress().nullish(),
  /** May approve or reject the queue's PENDING_APPROVAL tickets (besides admins). */
  approver: emailAddress().nullish(),
  ...queueSettingsSchema,
});

export type CreateQueueInputData = z.input<typeof inputSchema>;

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String), message: issue.message }));
}

/**
 * Creates a queue with a `queue-created` admin event naming what was set; the caller's
 * transaction (if any) commits it.
 */
export async function createQueue(em: Em, actor: Person, raw: CreateQueueInputData): Promise<CommandResult<Queue>> {
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error) };
  const input = parsed.data;
  const errors: FieldError[] = [];

  if ((await em.count(Queue, { name: input.name })) > 0) {
    errors.push({ field: ['name'], message: `a queue named "${input.name}" already exists` });
  }
  const emailAddress = input.emailAddress?.toLowerCase() ?? null;
  if (emailAddress && (await em.count(Queue, { emailAddress })) > 0) {
    errors.push({ field: ['emailAddress'], message: `another queue already receives mail for ${emailAddress}` });
  }
  let assignee: Person | null = null;
  if (input.defaultAssignee) {
    assignee = await em.findOne(Person, { email: input.defaultAssignee.toLowerCase(), role: { $ne: null }, active: true });
    if (!assignee) errors.push({ field: ['defaultAssignee'], message: `no active agent has the address ${input.defaultAssignee}` });
  }
  let approver: Person | null = null;
  if (input.approver) {
    approver = await em.findOne(Person, { email: input.approver.toLowerCase(), role: { $ne: null }, active: true });
    if (!approver) errors.push({ field: ['approver'], message: `no active agent has the address ${input.approver}` });
  }
  if (errors.length > 0) return { ok: false, errors };

  const queue = new Queue(input.name);
  queue.approver = approver;
  queue.emailAddress = emailAddress;
  // Keywords keep their case for display; matching is case-insensitive. Duplicates are dropped.
  queue.keywords = [...new Map((input.keywords ?? []).map((k) => [k.toLowerCase(), k])).values()];
  queue.defaultAssignee = assignee;
  if (assignee) queue.agents.add(assignee);
  const settings: Record<string, unknown> = { keywords: queue.keywords, emailAddress, defaultAssignee: assignee?.email ?? null, approver: approver?.email ?? null };
  applyQueueSettings(queue, input, (field, _from, to) => (settings[field] = to));
  em.persist(queue);
  const detail = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== null));
  recordEvent(em, null, { kind: 'queue-created', actor, to: queue.name, detail });
  await em.flush();
  return { ok: true, value: queue };
}
