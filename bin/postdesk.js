#!/usr/bin/env node
// The `postdesk` command (package.json "bin"): runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('postdesk: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(70);
}
const { runCli } = await import(cli.href);
process.exitCode = await runCli(process.argv.slice(2));
