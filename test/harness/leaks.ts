/**
 * What must never reach an API client: stack frames, SQL and PostgreSQL wording, file paths and
 * module names, and graphql-js's suggestions (which reveal the schema with introspection off).
 * Shared by the error-leakage test (TESTPLAN S17) and `npm run fuzz:api`.
 *
 * Every repetition is bounded: an error echoing a 70,000-character value made the unbounded
 * `[\w-]+\.js` backtrack for 3 s per answer (fuzz:api's checker stalled, and with requests in
 * flight their times looked like a gateway stall).
 */
export const LEAKS: [string, RegExp][] = [
  ['stack trace', /stacktrace|\bat [\w.<>]{1,200} \(|\bat (?:async )?\/|\n\s{1,20}at /i],
  ['SQL', /\bselect\b[^"]{0,500}\bfrom\b|\binsert into\b|\bdelete from\b|\bupdate "?\w+"? set\b|\brelation "|\bcolumn "|syntax error at or near|violates .{0,200} constraint|\bpg_|postgres|kysely|mikro-?orm/i],
  ['file path', /\/work\/|\/home\/|\/tmp\/|\/usr\/|node_modules|file:\/\/|[\w-]{1,100}\.(?:ts|js|mjs|cjs)\b(?::\d+)?/i],
  ['suggestion', /did you mean/i],
];

/** The kinds of leak found in a text (empty when none). */
export function leaks(text: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
}
