/**
 * API tokens: 256 random bits, shown once, stored only as SHA-256 (TESTPLAN S18).
 *
 * A lookup by hash cannot leak the secret through timing (the attacker does not control the
 * hash), and the stored hash is still compared in constant time before it is trusted.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiToken, Person } from '../entities/index.js';
import { Role } from '../entities/enums.js';
import type { Em } from '../db/orm.js';
import { readRows } from '../db/read-query.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';

const TOKEN_PREFIX = 'pd_';
/** How stale lastUsedAt may get before a request writes it again (one write per minute at most). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface Principal {
  /** The caller as an entity of the request's EntityManager, mapped on first use (mutations need it; reads do not). */
  readonly person: Person;
  readonly personId: number;
  readonly email: string;
  readonly role: Role;
  readonly tokenId: number;
}

/** A live token's row with its person's columns (as the person table names them). */
type TokenRow = Record<string, unknown> & { token_id: number; token_hash: string; token_role: Role; token_last_used_at: Date | string | null };

const AUTHENTICATE_SQL = `select t.id as token_id, t.token_hash, t.role as token_role, t.last_used_at as token_last_used_at,
    p.id, p.email, p.name, p.role, p.active, p.watch_opt_out, p.undeliverable_since, p.created_at
  from api_token t join person p on p.id = t.person_id where t.token_hash = $1 and t.revoked_at is null`;

export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `given` is the configured secret `expected`, compared in constant time (no database). */
export function matchesConfiguredSecret(expected: string | null, given: string | null): boolean {
  if (expected === null || given === null) return false;
  return timingSafeEqual(Buffer.from(hashToken(expected), 'hex'), Buffer.from(hashToken(given), 'hex'));
}

/** The part of a token that may be shown again later, to tell tokens apart. */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 6);
}

export interface IssuedToken {
  readonly secret: string;
  readonly token: ApiToken;
}

/**
 * Creates a token for a person, making them staff with `role` (and creating them if unknown).
 * `secret` is given only for ADMIN_TOKEN, whose value the operator chose. The caller flushes.
 * The secret is in the result and nowhere else.
 */
export async function issueToken(
  em: Em,
  input: { email: string; role: Role; name?: string | null; label?: string | null; secret?: string },
): Promise<IssuedToken> {
  const person = await findOrCreatePerson(em, input.email, input.name ?? null);
  person.role = input.role;
  person.active = true;
  const secret = input.secret ?? generateTokenSecret();
  // An operator-chosen ADMIN_TOKEN may be short: show none of it.
  const prefix = input.secret === undefined ? visiblePrefix(secret) : 'env';
  const token = new ApiToken(hashToken(secret), prefix, input.role, person);
  token.label = input.label ?? null;
  em.persist(token);
  return { secret, token };
}

/**
 * Resolves a bearer secret to its principal, or null when it is unknown, revoked, or belongs to a
 * deactivated or no-longer-staff person.
 */
export async function authenticate(em: Em, secret: string): Promise<Principal | null> {
  if (!secret.startsWith(TOKEN_PREFIX) && secret.length < 16) return null;
  const hash = hashToken(secret);
  // Every request runs this: one prepared statement. The person is mapped into the request's
  // EntityManager, as if the ORM had loaded it, only when something asks for the entity (a mutation
  // recording its actor): mapping it on every read was 3 % of a ticket read's CPU in bench:api.
  const rows = await readRows<TokenRow>(em, AUTHENTICATE_SQL, [hash]);
  const row = rows[0];
  if (!row) return null;
  if (!timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
  const { token_id: tokenId, token_hash: _hash, token_role: tokenRole, token_last_used_at: lastUsedAt, ...personRow } = row;
  if (personRow.active !== true || personRow.role === null) return null;
  const now = new Date();
  if (!lastUsedAt || now.getTime() - new Date(lastUsedAt).getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ApiToken, { id: tokenId }, { lastUsedAt: now });
  }
  // The person's current role wins: demoting an admin takes effect on their next request.
  const role = tokenRole === Role.ADMIN && personRow.role === Role.ADMIN ? Role.ADMIN : Role.AGENT;
  let person: Person | undefined;
  return {
    get person() {
      return (person ??= em.map(Person, personRow));
    },
    personId: Number(personRow.id),
    email: String(personRow.email),
    role,
    tokenId,
  };
}
