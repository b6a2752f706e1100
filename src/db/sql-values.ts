/**
 * Values written into SQL parameters in the forms PostgreSQL needs from em.execute, which spreads
 * a JS array into a list of parameters (so `= any(?)` would break) and takes LIKE patterns as given.
 */

/**
 * A PostgreSQL array literal (`{1,2,3}`), bound as one parameter and cast (`?::int[]`). For
 * numbers and for words without commas, quotes, braces, backslashes or spaces (domains, dates).
 */
export function arrayLiteral(items: readonly (number | string)[]): string {
  return `{${items.join(',')}}`;
}

/** A LIKE / ILIKE pattern matching `text` anywhere, its wildcards (`%`, `_`) and backslashes taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
