/**
 * Limits on what one GraphQL request may ask for, so a single caller cannot make the gateway (or
 * PostgreSQL) do unbounded work: depth, aliases, directives, estimated cost, query nodes, tokens
 * and batched operations.
 *
 * Every refusal is `BAD_USER_INPUT` (HTTP 400) with `reason: QUERY_LIMIT_EXCEEDED` and `limit`
 * naming which one, so clients can tell "your query is too big" from other bad input. The one
 * exception is the token cap, which graphql-js enforces while parsing (`GRAPHQL_PARSE_FAILED`).
 *
 * Depth, aliases and directives use graphql-armor's rules; the cost uses graphql-query-complexity
 * (the estimator type-graphql documents) because it sees the request's variables: a page size
 * passed as `first: $n` costs the same as a literal `first: 100`, which armor's rule would miss.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  validate,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { createRequire } from 'node:module';
import type { ErrorCode } from '../errors.js';
import type { GraphQLContext } from './context.js';
import { chargeRootFields } from './rate-limit.js';

// graphql-query-complexity's ESM build imports `graphql/index.mjs`, a second copy of graphql next
// to the CommonJS one type-graphql builds the schema with, and its `instanceof` checks then fail.
// Its CommonJS build shares the one copy.
const { getComplexity } = createRequire(import.meta.url)('graphql-query-complexity') as typeof import('graphql-query-complexity');

export const LIMITS = {
  /** Deepest selection, counting every field level (a connection's edges and node count too). */
  maxDepth: 10,
  /** Estimated objects and fields to resolve; see listAwareEstimator. */
  maxCost: 10_000,
  /** Aliased fields per operation (`__typename` aliases are free). */
  maxAliases: 20,
  /** Directives per operation. */
  maxDirectives: 20,
  /** Fields, fragments and inline fragments visited while estimating the cost (fragment fan-out). */
  maxQueryNodes: 2_000,
  /** Lexical tokens per document, checked by graphql-js while parsing (before anything else). */
  maxTokens: 20_000,
  /**
   * What a list without a page size is assumed to hold (a ticket's messages, a message's
   * attachments, a queue's agents). Most are shorter; a long thread is longer.
   */
  unpagedListSize: 10,
  /** What a connection (`…Connection` with `first`) is assumed to return when `first` is not given: its maximum. */
  defaultPageSize: 100,
} as const;

/** The catalogue code every refusal carries as `extensions.reason`. */
const REASON: ErrorCode = 'QUERY_LIMIT_EXCEEDED';

export type LimitName = 'depth' | 'cost' | 'aliases' | 'directives' | 'nodes' | 'batch';

/** The one shape of every refusal (HTTP 400, BAD_USER_INPUT, reason QUERY_LIMIT_EXCEEDED). */
export function limitExceeded(limit: LimitName, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', reason: REASON, limit, http: { status: 400 } },
  });
}

const isIntrospection = (name: string) => name.startsWith('__');

/**
 * Cost = one per field, plus its selection multiplied by how many items it may return:
 * - a field with `first` (or `last`) returns that many; when not given (and the schema has no
 *   default), a connection is assumed to return defaultPageSize and a plain list unpagedListSize;
 * - the `edges`/`nodes` list of a connection adds nothing more: its connection already counted the page;
 * - any other list is assumed to hold unpagedListSize items;
 * - introspection is free here (depth and node caps still apply), so IDEs can load the schema.
 * E.g. `tickets(first: 100) { edges { node { messages { attachments { id } } } } }` costs about
 * 100 × 10 × 10 = 11,300 and is refused; a page of 50 tickets with queue, requester, assignee and
 * their messages' text costs about 1,800.
 */
export const listAwareEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isIntrospection(field.name) || isIntrospection(type.name)) return 0;
  const paged = field.args.some((a) => a.name === 'first' || a.name === 'last');
  if (paged) {
    const requested = [args.first, args.last].find((v): v is number => typeof v === 'number');
    const fallback = getNamedType(field.type).name.endsWith('Connection') ? LIMITS.defaultPageSize : LIMITS.unpagedListSize;
    return 1 + Math.max(1, requested ?? fallback) * childComplexity;
  }
  if (isListType(getNullableType(field.type))) {
    if (type.name.endsWith('Connection')) return 1 + childComplexity;
    return 1 + LIMITS.unpagedListSize * childComplexity;
  }
  return 1 + childComplexity;
};

/**
 * Structural verdicts per parsed document: Apollo's document cache hands the same DocumentNode to
 * repeated queries, and depth, aliases and directives do not depend on the variables.
 */
const structuralVerdicts = new WeakMap<DocumentNode, GraphQLError | null>();

/** Runs graphql-armor's structural rules, collecting their refusals instead of throwing. */
function structuralProblems(schema: GraphQLSchema, document: DocumentNode): GraphQLError[] {
  const problems: GraphQLError[] = [];
  const refuse = (limit: LimitName) => (_context: ValidationContext | null, error: GraphQLError) => {
    // armor prefixes "Syntax Error: " although nothing is wrong with the syntax.
    problems.push(limitExceeded(limit, error.message.replace(/^Syntax Error: /, '')));
  };
  const common = { propagateOnRejection: false, exposeLimits: true } as const;
  validate(schema, document, [
    maxDepthRule({ ...common, n: LIMITS.maxDepth, flattenFragments: true, onReject: [refuse('depth')] }),
    maxAliasesRule({ ...common, n: LIMITS.maxAliases, onReject: [refuse('aliases')] }),
    maxDirectivesRule({ ...common, n: LIMITS.maxDirectives, onReject: [refuse('directives')] }),
  ]);
  return problems;
}

/**
 * Costs already estimated, per parsed document, by operation and by the values of the variables
 * the estimate reads. Apollo hands repeated queries the same DocumentNode, so the next page (a new
 * `after`) or another ticket number costs a lookup instead of a walk of the whole query (3 % of a
 * ticket read's CPU in bench:api). Only costs within the limit are kept: a refusal, and a request
 * whose variables do not fit their types, are estimated afresh every time.
 */
const knownCosts = new WeakMap<DocumentNode, { variables: readonly string[]; costs: Map<string, number> }>();
/** Distinct variable values remembered per document before its entries are dropped and relearned. */
const COSTS_PER_DOCUMENT = 64;

/** The variables whose values can change the estimate: those in `first`/`last` arguments and in directives (@include, @skip). */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (args: readonly ArgumentNode[] | undefined) => {
    for (const arg of args ?? []) visit(arg.value, { Variable: (variable) => void names.add(variable.name.value) });
  };
  visit(document, {
    Field: (field) => collect(field.arguments?.filter((arg) => arg.name.value === 'first' || arg.name.value === 'last')),
    Directive: (directive) => collect(directive.arguments),
  });
  return [...names].sort();
}

/** The estimated cost of the operation; throws limitExceeded('nodes') for a document too large to estimate. */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  let known = knownCosts.get(document);
  if (!known) knownCosts.set(document, (known = { variables: costVariables(document), costs: new Map() }));
  // An omitted variable ([]: its default applies) differs from an explicit null ([null]).
  const key = `${operationName ?? ''}\n${JSON.stringify(known.variables.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : [])))}`;
  const cached = known.costs.get(key);
  if (cached !== undefined) return cached;
  const cost = estimateCostAfresh(schema, document, operationName, variables);
  if (cost !== null && cost <= LIMITS.maxCost) {
    if (known.costs.size >= COSTS_PER_DOCUMENT) known.costs.clear();
    known.costs.set(key, cost);
  }
  return cost ?? 0;
}

/** The estimate, or null when the variables do not fit their types. */
function estimateCostAfresh(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number | null {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      estimators: [listAwareEstimator],
      maxQueryNodes: LIMITS.maxQueryNodes,
    });
  } catch (error) {
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      throw limitExceeded('nodes', `Query has more than ${LIMITS.maxQueryNodes} fields and fragments.`);
    }
    // Variables that do not fit their types: nothing will execute, and Apollo refuses them next
    // with BAD_USER_INPUT naming the variable, a better answer than any we could give here.
    if (error instanceof GraphQLError) return null;
    throw error;
  }
}

/**
 * The Apollo plugin applying the limits once the operation is known (after graphql-js has
 * validated the document, before anything executes), then the token's rate limit.
 */
export function queryLimitsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation, contextValue }) {
          // The schema has no subscription type; graphql-js would only notice while executing, and
          // its plain error would read as an internal failure (INTERNAL_SERVER_ERROR, logged as one).
          if (operation?.operation === 'subscription' && !schema.getSubscriptionType()) {
            throw new GraphQLError('Subscriptions are not supported.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          let verdict = structuralVerdicts.get(document);
          if (verdict === undefined) {
            verdict = structuralProblems(schema, document)[0] ?? null;
            structuralVerdicts.set(document, verdict);
          }
          if (verdict) throw verdict;
          const cost = estimateCost(schema, document, request.operationName ?? undefined, request.variables ?? {});
          if (cost > LIMITS.maxCost) {
            throw limitExceeded(
              'cost',
              `Query cost limit of ${LIMITS.maxCost} exceeded, estimated ${Math.round(cost)}: ask for fewer items (first) or fewer nested lists.`,
            );
          }
          // Last, so a request refused above spends none of the token's budget (rate-limit.ts).
          if (operation) chargeRootFields(contextValue, document, operation);
        },
      };
    },
  };
}

/**
 * Hides graphql-js's "Did you mean …?" hints when introspection is off: they reveal the schema
 * field by field to someone guessing names, which is what turning introspection off prevents.
 */
export function hideSuggestionsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          // Also the lexer's ", did you mean to use a double quote?": harmless, but one rule is simpler to check.
          for (const error of errors) error.message = error.message.replace(/,? ?did you mean [^?]*\?/gi, '');
        },
      };
    },
  };
}

/**
 * Batched HTTP requests (a JSON array of operations) are off: no postdesk client needs them, and
 * each operation would pass the limits on its own while the array multiplies the work. Apollo
 * refuses them too (allowBatchedHttpRequests defaults to false); this fastify preHandler refuses
 * them first, with the same code as the other limits.
 */
export async function refuseBatchedRequests(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method === 'POST' && Array.isArray(request.body)) {
    const error = limitExceeded('batch', 'Batched requests (a JSON array of operations) are not accepted: send one operation per request.');
    await reply.code(400).send({ errors: [{ message: error.message, extensions: { code: 'BAD_USER_INPUT', reason: REASON, limit: 'batch' } }] });
  }
}

/** The options to spread into `new ApolloServer({...})`. */
export function apolloLimitOptions(introspection: boolean) {
  return {
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: LIMITS.maxTokens },
    plugins: [queryLimitsPlugin(), ...(introspection ? [] : [hideSuggestionsPlugin()])],
  };
}
