/**
 * Refuses, at the door, strings that PostgreSQL cannot take, wherever a request passes them in:
 *
 * - the NUL character (U+0000): refused in text, jsonb and query parameters alike;
 * - an unpaired surrogate (half of a UTF-16 pair, e.g. JSON's "\ud800" alone): jsonb refuses its
 *   escape, and text columns would silently get U+FFFD instead.
 *
 * A reply body, a note, a search, an escalation note or a queue name carrying one reached the
 * database and failed there, as an internal error (found by `npm run fuzz:api`). No field of ours
 * has a use for either, so one rule here, rather than a check in every command, keeps them out of
 * everything downstream.
 *
 * Strings written in the document are checked by a validation rule (GRAPHQL_VALIDATION_FAILED, as
 * any other bad document); strings passed as variables, once graphql-js has coerced them, by
 * `unstorableVariable` (BAD_USER_INPUT, as any other bad variable value).
 */
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/** What is wrong with a string for PostgreSQL, or null when nothing is. */
function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (!text.isWellFormed()) return 'must be well-formed Unicode (it holds an unpaired surrogate)';
  return null;
}

export function storableStringRule(context: ValidationContext): ASTVisitor {
  return {
    StringValue(node) {
      const problem = unstorable(node.value);
      if (problem) context.reportError(new GraphQLError(`A string value ${problem}.`, { nodes: node }));
    },
  };
}

/** The first string (or object key) in a coerced value that PostgreSQL cannot take: its path and problem. */
function firstUnstorable(value: unknown, path: (string | number)[]): { path: (string | number)[]; problem: string } | null {
  if (typeof value === 'string') {
    const problem = unstorable(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnstorable(value[i], [...path, i]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A JSON argument's keys too: jsonb takes them no better than its values.
      const found = firstUnstorable(key, [...path, key]) ?? firstUnstorable(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The error for the first variable holding such a string anywhere in its value, or null when none does. */
export function unstorableVariable(variables: Record<string, unknown>): GraphQLError | null {
  const found = firstUnstorable(variables, []);
  if (!found) return null;
  const [name, ...inner] = found.path;
  const where = inner.length ? ` at ${inner.join('.')}` : '';
  return new GraphQLError(`Variable "$${String(name)}"${where} ${found.problem}.`, { extensions: { code: 'BAD_USER_INPUT', field: found.path } });
}
