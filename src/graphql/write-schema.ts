/** `npm run schema`: writes schema.graphql at the repository root (run from dist/src/graphql). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { currentSchemaFile, SCHEMA_FILE_NAME } from './schema-file.js';

const target = fileURLToPath(new URL(`../../../${SCHEMA_FILE_NAME}`, import.meta.url));
writeFileSync(target, await currentSchemaFile());
process.stdout.write(`wrote ${target}\n`);
