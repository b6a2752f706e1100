/**
 * A queue's settings beyond its name, address, keywords and people, which createQueue and
 * updateQueue both take: auto-close days, escalation address, the signature of agents' replies,
 * the acknowledgement's note, the language of its mail and its opening times (queue-hours.ts).
 * One schema and one setter, so a queue can be set up in one call and changed the same way later.
 */
import { z } from 'zod';
import type { Queue } from '../entities/index.js';
import { emailAddress } from '../people/email-address.js';
import { canonicalLanguage, languageTag } from '../people/language.js';
import { applyQueueHours, queueHoursSchema } from './queue-hours.js';

/** One line of text (a name, a keyword): not blank, no control characters. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { message: 'must not be blank' })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: 'must not contain control characters' });

/** Several lines of text (a signature): tabs and line breaks allowed, no other control characters. */
const lines = (max: number) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), { message: 'must not contain control characters other than tabs and line breaks' });

const MAX_SIGNATURE_CHARS = 2000;

/** Fields of the input schemas; null or absent leaves a setting alone, '' clears it where said. */
export const queueSettingsSchema = {
  autoCloseDays: z.number().int().min(0, { message: 'must be 0 (never) or more' }).max(3650, { message: 'must be at most 3650' }).nullish(),
  /** '' removes it (escalateTicket then mails ESCALATION_ADDRESS). */
  escalationAddress: z.union([z.literal(''), emailAddress()]).nullish(),
  /** '' (or only whitespace) goes back to the default. */
  signature: lines(MAX_SIGNATURE_CHARS).nullish(),
  /** '' (or only whitespace) removes it. */
  acknowledgementNote: lines(MAX_SIGNATURE_CHARS).nullish(),
  /** '' goes back to the desk's default templates. */
  language: z.union([z.literal(''), languageTag()]).nullish(),
  ...queueHoursSchema,
};

type QueueSettings = z.output<z.ZodObject<typeof queueSettingsSchema>>;

/** Sets what `input` (parsed by queueSettingsSchema) names; `change` hears each real change, old → new. */
export function applyQueueSettings(queue: Queue, input: QueueSettings, change: (field: string, from: unknown, to: unknown) => void): void {
  if (input.autoCloseDays != null && input.autoCloseDays !== queue.autoCloseDays) {
    change('autoCloseDays', queue.autoCloseDays, input.autoCloseDays);
    queue.autoCloseDays = input.autoCloseDays;
  }
  if (input.escalationAddress != null) {
    const escalation = input.escalationAddress.toLowerCase() || null;
    if (escalation !== queue.escalationAddress) change('escalationAddress', queue.escalationAddress, escalation);
    queue.escalationAddress = escalation;
  }
  for (const field of ['signature', 'acknowledgementNote'] as const) {
    if (input[field] == null) continue;
    const text = input[field].replace(/\r\n?/g, '\n').trim() || null;
    if (text !== queue[field]) change(field, queue[field], text);
    queue[field] = text;
  }
  if (input.language != null) {
    const language = canonicalLanguage(input.language);
    if (language !== queue.language) change('language', queue.language, language);
    queue.language = language;
  }
  applyQueueHours(queue, input, change);
}
