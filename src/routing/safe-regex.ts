/**
 * Regular expressions from rules run on RE2 semantics (re2js): matching time is linear in the input,
 * so no pattern, however hostile, can backtrack catastrophically (ReDoS). Patterns RE2 cannot run in
 * linear time (back-references, look-around) are refused with a clear message.
 */
import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 1000;

export type SafeRegexResult = { ok: true; regex: RE2JS } | { ok: false; message: string };

/** Compiles a case-insensitive pattern (use `(?-i)` inside it for case-sensitive parts). */
export function compileSafeRegex(pattern: string, maxLength = MAX_PATTERN_LENGTH): SafeRegexResult {
  if (pattern.length > maxLength) return { ok: false, message: `regular expression is longer than ${MAX_PATTERN_LENGTH} characters` };
  try {
    return { ok: true, regex: RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `invalid or unsafe regular expression (RE2 syntax; no back-references or look-around): ${reason}` };
  }
}
