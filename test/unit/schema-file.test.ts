/** schema.graphql (committed) must be what the resolvers build now. */
import { existsSync, readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { currentSchemaFile, renderSchemaFile, SCHEMA_FILE_NAME } from '../../src/graphql/schema-file.js';

const committedPath = new URL(`../../${SCHEMA_FILE_NAME}`, import.meta.url);

describe('schema.graphql', () => {
  it('matches the schema the resolvers build (if not: run npm run schema and commit the file)', async () => {
    const current = await currentSchemaFile();
    const committed = existsSync(committedPath) ? readFileSync(committedPath, 'utf8') : '(missing)';
    if (committed !== current) {
      const a = committed.split('\n');
      const b = current.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      const where = line === -1 ? `the built schema has more lines from line ${a.length + 1}` : `first difference at line ${line + 1}: committed "${a[line]}", built "${b[line] ?? '(end)'}"`;
      expect.fail(`${SCHEMA_FILE_NAME} is stale or missing: run npm run schema and commit the file (${where})`);
    }
  });

  it('is printed in a stable order, whatever order types and fields were declared in', () => {
    const a = buildSchema('type Query { b: B a: Int } type B { y: Int x: Int }');
    const b = buildSchema('type B { x: Int y: Int } type Query { a: Int b: B }');
    expect(renderSchemaFile(a)).toBe(renderSchemaFile(b));
    expect(renderSchemaFile(a)).toContain('type B {\n  x: Int\n  y: Int\n}');
  });
});
