/**
 * The one check for an email address a person types in (GraphQL input, configuration). zod's
 * format check alone let through addresses longer than the columns that hold them, which then
 * failed in PostgreSQL as an internal error (found by `npm run fuzz:api`).
 */
import { z } from 'zod';

/** person.email and the queue address columns are varchar(320): a 64-character local part, @, a 255-character domain (RFC 3696). */
export const MAX_EMAIL_CHARS = 320;

export function emailAddress(message = 'must be an email address') {
  return z.email({ message }).max(MAX_EMAIL_CHARS, { message: `must be at most ${MAX_EMAIL_CHARS} characters` });
}

/** The domain part of an address, lower-case ('' when there is none). */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1).toLowerCase();
}
