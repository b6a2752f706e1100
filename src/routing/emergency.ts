import type { Config } from '../config/env.js';
import type { ParsedMessage } from '../ingest/types.js';

/** Mail is an emergency when it came through an EMERGENCY mailbox or names EMERGENCY_ADDRESS in To/Cc (any door). */
export function isEmergencyMail(parsed: Pick<ParsedMessage, 'to' | 'cc'>, mailboxRole: 'SUPPORT' | 'EMERGENCY' | null, config: Pick<Config, 'emergencyAddress'>): boolean {
  if (mailboxRole === 'EMERGENCY') return true;
  const address = config.emergencyAddress;
  return address !== null && [...parsed.to, ...parsed.cc].some((a) => a.email === address);
}
