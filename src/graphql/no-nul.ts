/**
 * Refuses the NUL character (U+0000) in every string a request passes in, at the door. PostgreSQL
 * cannot store it in text or jsonb, nor take it in a query parameter: a reply body, a note, a search
 * or a queue name carrying one reached the database and failed there, as an internal error (found by
 * `npm run fuzz:api`). No field of ours has a use for it, so one rule here, rather than a check in
 * every command, keeps it out of everything downstream.
 *
 * Strings written in the document are checked by a validation rule (GRAPHQL_VALIDATION_FAILED, as
 * any other bad document); strings passed as variables, once graphql-js has coerced them, by
 * `nulInVariables` (BAD_USER_INPUT, as any other bad variable value).
 */
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

const NUL = '\u0000';

const MESSAGE = 'must not contain the NUL character (U+0000)';

export function noNulStringRule(context: ValidationContext): ASTVisitor {
  return {
    StringValue(node) {
      if (node.value.includes(NUL)) context.reportError(new GraphQLError(`A string value ${MESSAGE}.`, { nodes: node }));
    },
  };
}

/** The path of the first string (or object key) holding a NUL in a coerced value, e.g. ["input", "name"], or null. */
function nulPath(value: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], [...path, i]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A JSON argument's keys too: PostgreSQL refuses NUL in a jsonb key as in a value.
      const found = key.includes(NUL) ? [...path, key] : nulPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The error for the first variable holding a NUL anywhere in its value, or null when none does. */
export function nulInVariables(variables: Record<string, unknown>): GraphQLError | null {
  const path = nulPath(variables, []);
  if (!path) return null;
  const [name, ...inner] = path;
  const where = inner.length ? ` at ${inner.join('.')}` : '';
  return new GraphQLError(`Variable "$${String(name)}"${where} ${MESSAGE}.`, { extensions: { code: 'BAD_USER_INPUT', field: path } });
}
