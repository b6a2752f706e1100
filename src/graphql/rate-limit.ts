/**
 * A per-token budget of GraphQL root fields per minute (GRAPHQL_RATE_LIMIT, default 600).
 *
 * Every root field of the executed operation costs one, aliases included: `{ a: ticket(number: 1)
 * { id } b: ticket(number: 2) { id } }` costs two, so aliasing cannot multiply the work a token
 * may ask for. Over budget, the whole request is refused before anything executes, with
 * `extensions.code = "RATE_LIMITED"`, HTTP 429 and a `Retry-After` header.
 *
 * Where the counter lives: in this process, as a token bucket per API token (capacity = the
 * budget, refilled continuously at budget/minute). Deliberately not in PostgreSQL: the limit
 * protects the gateway's CPU and the database from one runaway client, and a shared counter
 * would add a write (an UPDATE with its WAL and row lock, contended by every request of that
 * token) to every read, which is the cost the limit is meant to keep down (bench:api's p95 target
 * for a page is 30 ms). The price: with K instances behind a load balancer a token may get up to
 * K × the budget, and a restart forgets what was spent (a bucket starts full anyway). The
 * per-sender mail limit, where exactness matters across instances, is counted in PostgreSQL.
 */
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Config } from '../config/env.js';

export const RATE_LIMITED = 'RATE_LIMITED';

/** Buckets kept before full (idle) ones are swept; a full bucket is the same as no bucket. */
const SWEEP_ABOVE = 10_000;

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** Token buckets keyed by API token id. `now` is injectable so unit tests count, not wait. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  private level(bucket: { tokens: number; at: number }, t: number): number {
    return Math.min(this.perMinute, bucket.tokens + (t - bucket.at) * this.perMs);
  }

  /** Spends `cost` from `key`'s bucket if it holds that much; otherwise spends nothing. */
  take(key: number, cost: number): Take {
    const t = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    const tokens = this.level(bucket, t);
    if (tokens < cost) {
      // A request larger than the whole budget can never pass; say a minute rather than forever.
      const wait = cost > this.perMinute ? 60 : Math.ceil((cost - tokens) / this.perMs / 1000);
      return { ok: false, retryAfterSeconds: Math.max(1, wait) };
    }
    if (!this.buckets.has(key) && this.buckets.size >= SWEEP_ABOVE) this.sweep(t);
    this.buckets.set(key, { tokens: tokens - cost, at: t });
    return { ok: true, remaining: Math.floor(tokens - cost) };
  }

  private sweep(t: number): void {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, t) >= this.perMinute) this.buckets.delete(key);
  }
}

/**
 * Root fields the operation executes: the distinct response keys (alias or name) of its top
 * selection set, through fragment spreads and inline fragments, which is how graphql-js groups
 * them for execution (`{ queues queues }` runs once; `{ a: queues b: queues }` twice).
 * `__typename` is free (it touches nothing). @skip/@include are ignored: a skipped field still
 * counts, which errs on the side of the budget.
 */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const keys = new Set<string>();
  const visited = new Set<string>();
  const collect = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        // Validation refuses fragment cycles; `visited` keeps a repeated spread from being walked twice.
        if (fragment && !visited.has(fragment.name.value)) {
          visited.add(fragment.name.value);
          collect(fragment.selectionSet);
        }
      }
    }
  };
  collect(operation.selectionSet);
  return keys.size;
}

/** One limiter per configuration, i.e. per gateway (tests run several gateways in one process). */
const limiters = new WeakMap<Config, TokenBucketLimiter>();

function limiterFor(config: Config): TokenBucketLimiter | null {
  if (config.graphqlRateLimit <= 0) return null;
  let limiter = limiters.get(config);
  if (!limiter) {
    limiter = new TokenBucketLimiter(config.graphqlRateLimit);
    limiters.set(config, limiter);
  }
  return limiter;
}

/** Charges the operation's root fields to the caller's token; throws RATE_LIMITED (HTTP 429) when over budget. */
export function chargeRootFields(
  context: { config: Config; principal: { tokenId: number } },
  document: DocumentNode,
  operation: OperationDefinitionNode,
): void {
  charge(context, rootFieldCount(document, operation), 'this request asks for {cost}; each alias counts');
}

/**
 * Charges a bulk command what it does beyond its one root field (`updateTickets` over 100 tickets
 * costs 100, as 100 `updateTicket` calls would), so a bulk call cannot multiply a token's budget.
 * Throws RATE_LIMITED before the command runs.
 */
export function chargeBulk(context: { config: Config; principal: { tokenId: number } }, items: number): void {
  charge(context, items - 1, 'this bulk command costs one per item, {cost} beyond its root field');
}

function charge(context: { config: Config; principal: { tokenId: number } }, cost: number, explanation: string): void {
  const limiter = limiterFor(context.config);
  if (!limiter || cost <= 0) return;
  const taken = limiter.take(context.principal.tokenId, cost);
  if (taken.ok) return;
  throw new GraphQLError(
    `Rate limit of ${limiter.perMinute} root fields a minute for this token reached (${explanation.replace('{cost}', String(cost))}); retry in ${taken.retryAfterSeconds} s.`,
    {
      extensions: {
        code: RATE_LIMITED,
        retryAfterSeconds: taken.retryAfterSeconds,
        http: { status: 429, headers: new Map([['retry-after', String(taken.retryAfterSeconds)]]) },
      },
    },
  );
}
