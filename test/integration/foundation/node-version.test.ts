/**
 * On a Node.js other than 24 the gateway and the CLI say so in one line and exit (78; 75 for the
 * pipe door, so an MTA keeps the message), instead of crashing inside a library while loading.
 * Run for real with another Node.js found on the machine (Debian's is 20); without one, that part
 * says so and skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../../src/node-version.js';
import { assertBuilt, BIN, MAIN } from '../../harness/processes.js';

/** A node binary of another major version than the one running the tests, if the machine has one. */
function otherNode(): { path: string; version: string } | null {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version.split('.')[0] !== process.version.split('.')[0]) return { path, version };
  }
  return null;
}

const other = otherNode();
if (!other) console.warn('\n!!! node-version.test: no Node.js of another major version at /usr/bin/node or /usr/local/bin/node: the run on it is skipped !!!\n');

describe('the Node.js version', () => {
  it('is 24 or it is named wrong', () => {
    expect(nodeVersionProblem('v24.11.1')).toBeNull();
    expect(nodeVersionProblem(process.version)).toBeNull(); // the tests run on the right one
    for (const version of ['v20.20.2', 'v25.1.0', 'v4.0.0']) expect(nodeVersionProblem(version)).toBe(`needs Node.js 24 (package.json "engines", .nvmrc); this is ${version}`);
  });

  describe.skipIf(!other)('on another Node.js', () => {
    beforeAll(() => assertBuilt());
    const run = (script: string, args: string[]) => spawnSync(other!.path, [script, ...args], { encoding: 'utf8', input: '', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });

    it('the gateway and the CLI exit 78 with one line naming both versions', () => {
      for (const [script, args] of [[MAIN, []], [BIN, ['check']]] as const) {
        const result = run(script, [...args]);
        expect(result.status, result.stderr).toBe(78);
        expect(result.stderr).toBe(`postdesk: needs Node.js 24 (package.json "engines", .nvmrc); this is ${other!.version}\n`);
      }
    });

    it('the pipe door exits 75, so the MTA keeps the message for later', () => {
      const result = run(BIN, ['ingest']);
      expect(result.status, result.stderr).toBe(75);
      expect(result.stderr).toContain('needs Node.js 24');
    });
  });
});
