/**
 * Ordered, named lists that admins rearrange (rules, categories): one implementation of "insert
 * at a place", "put in this order" and the 0-based renumbering, so both behave the same.
 */
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import type { Problem } from './rule-definition.js';

export interface Positioned {
  name: string;
  position: number;
}

/**
 * Takes the list's lock until the transaction ends. Commands that renumber a list (create, update,
 * delete, reorder) take turns: two categories created at place 0 at once both got position 0.
 */
export function lockList(em: Em, list: 'rules' | 'categories'): Promise<void> {
  return lockKeys(em, [`ordered-list:${list}`]);
}

/** A requested 0-based place, clamped to the list; null/undefined: last. */
export function clampPosition(position: number | null | undefined, length: number): number {
  if (position == null) return length;
  return Math.max(0, Math.min(length, Math.trunc(position)));
}

/** Gives each item its index as position (touching only those whose position changes). */
export function renumber(items: readonly Positioned[]): void {
  items.forEach((item, i) => {
    if (item.position !== i) item.position = i;
  });
}

/** `list` with `item` moved (or inserted) at `position`, renumbered. */
export function placeAt<T extends Positioned>(list: readonly T[], item: T, position: number | null | undefined): T[] {
  const rest = list.filter((x) => x !== item);
  rest.splice(clampPosition(position, rest.length), 0, item);
  renumber(rest);
  return rest;
}

/**
 * The items in the order `names` gives, renumbered; `names` must name every item exactly once.
 * @param what e.g. "rule", "category", for the problem messages
 * @returns the reordered items, or the problems (nothing is changed then)
 */
export function reorder<T extends Positioned>(items: readonly T[], names: readonly string[], what: string): { ok: true; value: T[] } | { ok: false; problems: Problem[] } {
  const byName = new Map(items.map((x) => [x.name, x]));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (!byName.has(name)) problems.push({ field: ['names', String(i)], message: `no ${what} named "${name}"` });
    else if (seen.has(name)) problems.push({ field: ['names', String(i)], message: `"${name}" is listed twice` });
    seen.add(name);
  });
  const missing = items.filter((x) => !seen.has(x.name)).map((x) => x.name);
  if (missing.length > 0) problems.push({ field: ['names'], message: `every ${what} must be listed; missing: ${missing.join(', ')}` });
  if (problems.length > 0) return { ok: false, problems };
  const ordered = names.map((n) => byName.get(n)!);
  renumber(ordered);
  return { ok: true, value: ordered };
}
