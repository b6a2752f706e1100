/**
 * The variables a template sees. Built from entities into plain strings here, so templates never
 * touch an entity (no lazy loading, no accidental fields) and every value is text.
 */
import type { Message, Person, Ticket } from '../entities/index.js';
import { taggedSubject } from '../mail/headers.js';
import { bodyText } from './sanitize.js';
import type { PhraseKey, TemplateVariables } from './templates.js';
import { inDefaultWording, type Wording } from './wording.js';

const BODY_LIMIT = 100_000;

export function personDisplay(p: { email: string; name: string | null } | null): string {
  if (!p) return '';
  return p.name ? `${p.name} <${p.email}>` : p.email;
}

/** @param wording the mail's (wording.ts); mail built without one is worded in the default templates' language */
export function ticketVariables(ticket: Ticket, wording: Wording | null = null): TemplateVariables {
  const requester = ticket.requester;
  return {
    number: ticket.number,
    tag: `[#${ticket.number}]`,
    subject: ticket.subject,
    tagged: taggedSubject(ticket.number, ticket.subject),
    status: ticket.status,
    priority: ticket.priority,
    type: ticket.type,
    queue: ticket.queue?.name ?? '',
    category: ticket.category?.name ?? '',
    fields: fieldLines(ticket),
    fieldsRequest: fieldsRequest(ticket, wording),
    queueNote: ticket.queue?.acknowledgementNote ? `${ticket.queue.acknowledgementNote}\n\n` : '',
    assignee: ticket.assignee ? personDisplay(ticket.assignee) : '(nobody)',
    createdAt: ticket.createdAt.toISOString(),
    requester: { email: requester.email, name: requester.name ?? '', display: personDisplay(requester) },
  };
}

/** The category's fields, one "Label: value" line each ("(not given)" while empty); '' without fields. */
function fieldLines(ticket: Ticket): string {
  const fields = ticket.category?.fields ?? [];
  return fields.map((f) => `${f.label}: ${ticket.fieldValues[f.name] ?? '(not given)'}`).join('\n');
}

/**
 * For mail to the customer: the category's fields still without a value, as lines to fill in and
 * send back ("Instance ID: "), which a reply's "Instance ID: i-0abc" then fills (category-fields.ts);
 * '' when nothing is missing. It ends with an empty line, so templates put it right before the
 * next paragraph and mail without it has no gap.
 */
function fieldsRequest(ticket: Ticket, wording: Wording | null): string {
  const missing = (ticket.category?.fields ?? []).filter((f) => !ticket.fieldValues[f.name]);
  if (missing.length === 0) return '';
  return `${phraseIn(wording, 'fields-request')}\n\n${missing.map((f) => `${f.label}: `).join('\n')}\n\n`;
}

/** @param visible the new text only (quoted history stripped), for notifications about replies */
export function messageVariables(message: Message | null, visible = false): TemplateVariables {
  if (!message) return { text: '', subject: '', from: '' };
  const text = bodyText(visible && message.visibleText?.trim() ? message.visibleText : message.bodyText);
  return {
    text: text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}\n[…]` : text,
    subject: message.subject ?? '',
    from: message.author ? personDisplay(message.author) : '(unknown sender)',
    date: message.createdAt.toISOString(),
  };
}

export function recipientVariables(r: { email: string; name: string | null }): TemplateVariables {
  return { email: r.email, name: r.name ?? '', greeting: r.name ?? r.email };
}

export function actorVariables(actor: Person | null, wording: Wording | null = null): TemplateVariables {
  if (!actor) return { name: 'postdesk', email: '', by: '' };
  const name = actor.name ?? actor.email;
  return { name, email: actor.email, by: phraseIn(wording, 'worked-on-by', { name }) };
}

/** A phrase in the mail's wording, else as the built-in templates word it. */
function phraseIn(wording: Wording | null, key: PhraseKey, values: TemplateVariables = {}): string {
  return wording ? wording.phrase(key, values) : inDefaultWording(key, values);
}
