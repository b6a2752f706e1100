/**
 * Categories: create, change, enable/disable, reorder, delete. A category that requires approval
 * starts its tickets in PENDING_APPROVAL; its approver (besides admins) may approve them. A
 * disabled category is skipped by rules (decide.ts) and refused by updateTicket; tickets that have
 * it keep it. Ordering works exactly as for rules (ordering.ts). Problems are BAD_USER_INPUT.
 * A category's own fields (category-fields.ts) are replaced as a whole list; tickets keep the
 * values of fields that are removed, shown again if a field of that name returns.
 */
import type { Em } from '../db/orm.js';
import { Category, Person, Rule, type CategoryField } from '../entities/index.js';
import { checkFieldDefinitions } from '../tickets/category-fields.js';
import { AppError } from '../errors.js';
import { recordEvent } from '../tickets/record-event.js';
import { badInput, checkUniqueName, renameInRules, ruleSets } from './manage-rules.js';
import { lockList, placeAt, renumber, reorder } from './ordering.js';
import type { Problem } from './rule-definition.js';

export interface CategoryInput {
  name?: string | null;
  requiresApproval?: boolean | null;
  /** Email of an active agent; '' or null on update removes the approver. */
  approver?: string | null;
  /** Default true. */
  enabled?: boolean | null;
  /** 0-based place in the list; default: last. */
  position?: number | null;
  /** The whole list of the category's fields; null or absent on update keeps them. */
  fields?: readonly CategoryField[] | null;
}

/** All categories in their admin-given order. */
export function listCategories(em: Em): Promise<Category[]> {
  return em.find(Category, {}, { populate: ['approver'], orderBy: { position: 'asc', id: 'asc' } });
}

async function checkInput(em: Em, input: CategoryInput, current: Category | null): Promise<{ name: string; approver: Person | null | undefined; fields: CategoryField[] | undefined }> {
  const problems: Problem[] = [];
  const name = await checkUniqueName(input.name, current, async (n) => (await em.count(Category, { name: n })) > 0, 'a category', problems);
  let approver: Person | null | undefined;
  if (input.approver) {
    approver = await em.findOne(Person, { email: input.approver.trim().toLowerCase(), role: { $ne: null }, active: true });
    if (!approver) problems.push({ field: ['approver'], message: `${input.approver} is not an active agent` });
  } else if (input.approver !== undefined) {
    approver = null;
  }
  const fields = input.fields == null ? undefined : checkFieldDefinitions(input.fields, problems);
  if (problems.length > 0) throw badInput(problems);
  return { name, approver, fields };
}

export async function createCategory(em: Em, input: CategoryInput, actor: Person): Promise<Category> {
  await lockList(em, 'categories');
  const { name, approver, fields } = await checkInput(em, input, null);
  const category = new Category(name, input.requiresApproval ?? false);
  category.approver = approver ?? null;
  category.fields = fields ?? [];
  category.enabled = input.enabled ?? true;
  placeAt(await listCategories(em), category, input.position);
  em.persist(category);
  recordEvent(em, null, { kind: 'category-created', actor, to: name, detail: describe(category) });
  await em.flush();
  return category;
}

export async function updateCategory(em: Em, currentName: string, input: CategoryInput, actor: Person): Promise<Category> {
  await lockList(em, 'categories');
  const category = await findCategory(em, currentName);
  const { name, approver, fields } = await checkInput(em, input, category);
  const renamed = name !== category.name;
  if (renamed) await renameInRules(em, 'setCategory', category.name, name);
  category.name = name;
  if (input.requiresApproval != null) category.requiresApproval = input.requiresApproval;
  if (approver !== undefined) category.approver = approver;
  if (input.enabled != null) category.enabled = input.enabled;
  if (fields !== undefined) category.fields = fields;
  if (input.position != null) placeAt(await listCategories(em), category, input.position);
  category.updatedAt = new Date(); // the rule-set cache watches it (enabled changes routing)
  recordEvent(em, null, { kind: 'category-updated', actor, from: currentName, to: name, detail: describe(category) });
  await em.flush();
  return category;
}

/** A category that rules still set cannot be deleted (the rules would silently stop working). */
export async function deleteCategory(em: Em, name: string, actor: Person): Promise<Category> {
  await lockList(em, 'categories');
  const category = await findCategory(em, name);
  const users = (await em.find(Rule, {})).filter((r) => ruleSets(r.actions, 'setCategory', name)).map((r) => r.name);
  if (users.length > 0) throw badInput([{ field: ['name'], message: `category "${name}" is set by rules ${users.map((u) => `"${u}"`).join(', ')}; change them first` }]);
  renumber((await listCategories(em)).filter((c) => c !== category));
  em.remove(category);
  recordEvent(em, null, { kind: 'category-deleted', actor, from: name });
  await em.flush();
  return category;
}

/** Puts the categories in the given order; the list must name every category exactly once. */
export async function reorderCategories(em: Em, names: readonly string[], actor: Person): Promise<Category[]> {
  await lockList(em, 'categories');
  const categories = await listCategories(em);
  const reordered = reorder(categories, names, 'category');
  if (!reordered.ok) throw badInput(reordered.problems);
  recordEvent(em, null, { kind: 'categories-reordered', actor, from: categories.map((c) => c.name).join(', '), to: names.join(', ') });
  await em.flush();
  return reordered.value;
}

function describe(category: Category): Record<string, unknown> {
  return {
    requiresApproval: category.requiresApproval,
    approver: category.approver?.email ?? null,
    enabled: category.enabled,
    position: category.position,
    fields: category.fields,
  };
}

async function findCategory(em: Em, name: string): Promise<Category> {
  const category = await em.findOne(Category, { name }, { populate: ['approver'] });
  if (!category) throw new AppError('NOT_FOUND', `no category named "${name}"`, 'user', ['name']);
  return category;
}
