/**
 * What must never reach an API client: stack frames, SQL and PostgreSQL wording, file paths and
 * module names, and graphql-js's suggestions (which reveal the schema with introspection off).
 * Shared by the error-leakage test (TESTPLAN S17) and `npm run fuzz:api`.
 */
export const LEAKS: [string, RegExp][] = [
  ['stack trace', /stacktrace|\bat [\w.<>]+ \(|\bat (?:async )?\/|\n\s+at /i],
  ['SQL', /\bselect\b[^"]*\bfrom\b|\binsert into\b|\bdelete from\b|\bupdate "?\w+"? set\b|\brelation "|\bcolumn "|syntax error at or near|violates .* constraint|\bpg_|postgres|kysely|mikro-?orm/i],
  ['file path', /\/work\/|\/home\/|\/tmp\/|\/usr\/|node_modules|file:\/\/|[\w-]+\.(?:ts|js|mjs|cjs)\b(?::\d+)?/i],
  ['suggestion', /did you mean/i],
];

/** The kinds of leak found in a text (empty when none). */
export function leaks(text: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
}
