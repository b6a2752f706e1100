/**
 * Imported first by main.ts and cli.ts, so it runs before any library loads: on a Node.js other
 * than the one package.json's "engines" names, one line that says so and an exit, instead of a
 * library's TypeError while loading (undici's on Node 20). npm install already refuses other
 * versions (.npmrc engine-strict); this catches a shell that switched Node afterwards.
 */
import { EXIT } from './exit-codes.js';

export const REQUIRED_NODE_MAJOR = 24;

/** What is wrong with running on Node.js `version` (process.version); null: nothing. */
export function nodeVersionProblem(version: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  return major === REQUIRED_NODE_MAJOR ? null : `needs Node.js ${REQUIRED_NODE_MAJOR} (package.json "engines", .nvmrc); this is ${version}`;
}

const problem = nodeVersionProblem(process.version);
if (problem) {
  process.stderr.write(`postdesk: ${problem}\n`);
  // The pipe door answers 75 so the MTA keeps the message and delivers it again once Node is mended.
  process.exit(process.argv.includes('ingest') ? EXIT.TEMPFAIL : EXIT.CONFIG);
}
