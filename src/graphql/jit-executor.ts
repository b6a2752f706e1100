/**
 * Runs GraphQL operations with graphql-jit instead of graphql-js's generic executor.
 *
 * Why: in bench:api the API is CPU-bound on one thread, and graphql-js's walk of every field
 * (completeValue, argument and type checks per field, per item) was the largest single share of a
 * request's CPU. graphql-jit compiles each operation once into plain functions that call the same
 * resolvers: with the gateway's own schema, resolvers and loaders on a real database, executing and
 * serialising a page of 50 tickets went from 6.3 to 4.4 ms of CPU, a 50-message ticket from 4.1 to
 * 3.0 ms. It is what fastify's own GraphQL server (mercurius) uses for the same reason.
 *
 * How: Apollo Server's gateway interface is its one hook for another executor. Everything before
 * execution stays Apollo's: parsing, validation, the document cache, our limits and rate limit
 * (plugins), error formatting. Compiled operations are kept per parsed document (Apollo's document
 * cache hands repeated queries the same one), for the 500 documents used last.
 *
 * Variables are coerced by graphql-js first: ill-typed variables get graphql-js's exact errors,
 * which Apollo answers with BAD_USER_INPUT and HTTP 400, as it did before.
 */
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  GraphQLError,
  execute,
  getVariableValues,
  type ASTVisitor,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { GraphQLContext } from './context.js';
import { unstorableVariable } from './storable-input.js';

type Gateway = ApolloServerOptionsWithGateway<GraphQLContext>['gateway'];

/**
 * Compiled operations by document (then by operation name, '' for the only one), the most recently
 * used last. Bounded here: Apollo's document cache is sized by the documents' text, not by the code
 * compiled from them, so a caller sending endless distinct queries must not grow this without end.
 */
const compiled = new Map<DocumentNode, Map<string, CompiledQuery>>();
export const COMPILED_DOCUMENTS = 500;

/** How many documents have compiled operations kept (for tests). */
export const compiledDocuments = (): number => compiled.size;

function compiledOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult {
  const byName = compiled.get(document) ?? new Map<string, CompiledQuery>();
  compiled.delete(document);
  compiled.set(document, byName);
  if (compiled.size > COMPILED_DOCUMENTS) compiled.delete(compiled.keys().next().value!);
  const known = byName.get(operationName ?? '');
  if (known) return known;
  const result = compileQuery(schema, document, operationName);
  if (isCompiledQuery(result)) byName.set(operationName ?? '', result);
  return result;
}

/**
 * graphql-jit's errors leave `extensions` undefined when the thrown error has none (our AppError),
 * where graphql-js gives an object; Apollo reads `extensions.code` and, failing, answered every
 * such error as a bare "Internal server error". A graphql-js error with the same message, path,
 * locations and original error is what Apollo and format-error.ts expect.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions ?? {} });
  (copy as { locations: GraphQLError['locations'] }).locations = error.locations;
  return copy;
}

/**
 * Refuses the alias `__proto__`: graphql-jit builds results as object literals, where that key sets
 * the object's prototype instead of a field (the field silently went missing). graphql-js would
 * answer it; no client needs it. Apollo runs this with graphql-js's validation (GRAPHQL_VALIDATION_FAILED).
 */
export function noProtoAliasRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.alias?.value === '__proto__') context.reportError(new GraphQLError('The alias "__proto__" is not allowed.', { nodes: node }));
    },
  };
}

/** An Apollo "gateway" that serves one fixed schema and executes with graphql-jit. */
export function jitExecutor(schema: GraphQLSchema): Gateway {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        async executor({ document, operation, request, context }) {
          const variables = request.variables ?? {};
          // The name the client sent (the context's `operationName` is the resolved operation's, null here).
          const operationName = request.operationName ?? undefined;
          // No operation to run (several and none named, or an unknown name): graphql-js's own
          // answer, which it gives before executing anything, so Apollo reports it as before.
          if (!operation) return execute({ schema, document, operationName, variableValues: variables, contextValue: context });
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
          if (coerced.errors) return { errors: coerced.errors };
          const unstorable = unstorableVariable(coerced.coerced);
          if (unstorable) return { errors: [unstorable] };
          const query = compiledOperation(schema, document, operationName);
          if (!isCompiledQuery(query)) return query;
          const result = await query.query(undefined, context, variables);
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
        },
      };
    },
    async stop() {},
  };
}
