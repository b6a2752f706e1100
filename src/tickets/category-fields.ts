/**
 * A category's own fields, such as the "Instance ID" a cloud team needs before it can act. Admins
 * define them per category (a `name` for the API, a `label` for people and for mail); each ticket
 * of the category carries a value per field.
 *
 * Values come from agents (updateTicket) or from the customer's mail: a line "Instance ID: i-0abc"
 * (the label or the name, in any case) in the new text of the first message, or of a later reply
 * (the answer to "please send your instance ID"), fills a field that has no value yet. Mail never
 * overwrites a value, and quoted history is not read, so the agent's own question in a quote
 * fills nothing. Automatic mail and mail failing an enforcing DMARC policy fill nothing either.
 */
import type { Em } from '../db/orm.js';
import type { Category, CategoryField, Person, Ticket } from '../entities/index.js';
import type { FieldError } from '../queues/create-queue.js';
import { recordEvent } from './record-event.js';

export const MAX_CATEGORY_FIELDS = 20;
export const MAX_FIELD_VALUE_LENGTH = 500;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Mail text read for values: a "Label: value" line sits near the top, not 100 KB down. */
const SCANNED_CHARACTERS = 100_000;

export interface FieldValueInput {
  readonly name: string;
  /** null or '' clears the value. */
  readonly value?: string | null;
}

/** An admin's list of fields for a category, checked; problems name `fields.N.name` / `fields.N.label`. */
export function checkFieldDefinitions(input: readonly CategoryField[], problems: FieldError[]): CategoryField[] {
  if (input.length > MAX_CATEGORY_FIELDS) problems.push({ field: ['fields'], message: `at most ${MAX_CATEGORY_FIELDS} fields per category` });
  const seen = new Set<string>();
  return input.map((raw, i) => {
    const name = raw.name.trim();
    const label = raw.label.trim();
    if (!NAME.test(name)) problems.push({ field: ['fields', String(i), 'name'], message: 'must start with a letter and hold at most 50 letters, digits and underscores' });
    else if (seen.has(name.toLowerCase())) problems.push({ field: ['fields', String(i), 'name'], message: `"${name}" is named twice` });
    if (label.length === 0 || label.length > 100 || CONTROL.test(label) || label.includes(':')) {
      problems.push({ field: ['fields', String(i), 'label'], message: 'must be 1 to 100 characters, without control characters or ":"' });
    } else if (seen.has(label.toLowerCase()) && label.toLowerCase() !== name.toLowerCase()) {
      problems.push({ field: ['fields', String(i), 'label'], message: `"${label}" already names another field` });
    }
    // Names and labels share one space: either may start a line of mail.
    seen.add(name.toLowerCase());
    seen.add(label.toLowerCase());
    return { name, label };
  });
}

/**
 * Values for `fields` in mail text: per field, the first line "Label: value" or "name: value" (any
 * case, optionally after a list bullet). Values are cut to MAX_FIELD_VALUE_LENGTH characters.
 */
export function fieldValuesInText(fields: readonly CategoryField[], text: string): Map<string, string> {
  const found = new Map<string, string>();
  if (fields.length === 0) return found;
  const byKey = new Map<string, string>();
  for (const field of fields) {
    byKey.set(field.label.toLowerCase(), field.name);
    byKey.set(field.name.toLowerCase(), field.name);
  }
  for (const line of text.slice(0, SCANNED_CHARACTERS).split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 1 || colon > 120) continue;
    const key = line
      .slice(0, colon)
      .replace(/^\s*[-*•]?\s*/, '')
      .trim()
      .toLowerCase();
    const name = byKey.get(key);
    if (name === undefined || found.has(name)) continue;
    const value = cleanValue(line.slice(colon + 1));
    if (value) found.set(name, value);
  }
  return found;
}

function cleanValue(raw: string): string {
  return raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_FIELD_VALUE_LENGTH).trim();
}

/** Fills the ticket's empty fields from the new text of a customer's mail; one `field` event per value, by the sender. */
export function fillFieldsFromMail(em: Em, ticket: Ticket, category: Category | null, text: string, sender: Person | null): void {
  if (!category?.fields?.length) return;
  for (const [name, value] of fieldValuesInText(category.fields, text)) {
    if (ticket.fieldValues[name]) continue;
    setFieldValue(em, ticket, name, value, sender);
  }
}

/**
 * updateTicket's `fields`, checked against the category the ticket will have: every name must be
 * one of its fields, every value one line of at most MAX_FIELD_VALUE_LENGTH characters.
 * @returns the new value per field name (null: clear)
 */
export function checkFieldValues(category: Category | null, input: readonly FieldValueInput[], errors: FieldError[]): Map<string, string | null> {
  const values = new Map<string, string | null>();
  const names = new Set((category?.fields ?? []).map((f) => f.name));
  input.forEach((entry, i) => {
    const path = ['input', 'fields', String(i)];
    if (!names.has(entry.name)) {
      const why = category ? `category "${category.name}" has no field "${entry.name}"` : 'the ticket has no category, so no fields';
      errors.push({ field: [...path, 'name'], message: why });
      return;
    }
    const value = entry.value?.trim() ?? '';
    if (value.length > MAX_FIELD_VALUE_LENGTH || CONTROL.test(value)) {
      errors.push({ field: [...path, 'value'], message: `must be one line of at most ${MAX_FIELD_VALUE_LENGTH} characters` });
      return;
    }
    values.set(entry.name, value === '' ? null : value);
  });
  return values;
}

/** Sets (or, with null, clears) one field's value, recording a `field` event with old → new. */
export function setFieldValue(em: Em, ticket: Ticket, name: string, value: string | null, actor: Person | null): void {
  const before = ticket.fieldValues[name] ?? null;
  if (before === value) return;
  const next = { ...ticket.fieldValues };
  if (value === null) delete next[name];
  else next[name] = value;
  // A new object: the ORM compares JSON properties by value, and so do readers of the old one.
  ticket.fieldValues = next;
  recordEvent(em, ticket, { kind: 'field', actor, from: before, to: value, detail: { field: name } });
}
