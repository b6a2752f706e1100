/**
 * schema.graphql at the repository root: the API as an artefact that reviewers can diff and clients
 * can generate code from. Written by `npm run schema`; test/unit/schema-file.test.ts fails when the
 * committed file no longer matches the resolvers.
 */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildGraphQLSchema } from './schema.js';

export const SCHEMA_FILE_NAME = 'schema.graphql';

const HEADER = '# Generated from the resolvers by `npm run schema`; do not edit by hand.\n\n';

/**
 * The schema as SDL, types and fields sorted by name, so the file changes only when the API does
 * (not when a resolver class moves).
 */
export function renderSchemaFile(schema: GraphQLSchema): string {
  return `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** Builds the schema from the resolvers and renders it. */
export async function currentSchemaFile(): Promise<string> {
  return renderSchemaFile(await buildGraphQLSchema());
}
