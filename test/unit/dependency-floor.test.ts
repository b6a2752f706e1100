/**
 * TESTPLAN S10: the mail libraries that parse and build untrusted mail must be at or above the
 * releases that fixed their known vulnerabilities. Every installed copy counts, the ones nested
 * under other packages (mailauth, mailparser) too, because each of them runs.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Version = [number, number, number];

/** Acceptable when at least `floor` and outside every `excluded` range (inclusive). */
const FLOORS: Record<string, { floor: Version; excluded: Array<[Version, Version]> }> = {
  nodemailer: { floor: [8, 0, 5], excluded: [[[9, 1, 0], [10, 0, 4]]] },
  mailparser: { floor: [3, 9, 4], excluded: [] },
};

function parseVersion(text: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!match) throw new Error(`not a release version: ${text}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Every installed copy of `name` under `nodeModules`, at any depth, with its version. */
function installedCopies(nodeModules: string, name: string): Array<{ path: string; version: string }> {
  const copies: Array<{ path: string; version: string }> = [];
  const manifest = join(nodeModules, name, 'package.json');
  if (existsSync(manifest)) {
    copies.push({ path: join(nodeModules, name), version: JSON.parse(readFileSync(manifest, 'utf8')).version });
  }
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const packageDirs = entry.name.startsWith('@')
      ? readdirSync(join(nodeModules, entry.name)).map((scoped) => join(nodeModules, entry.name, scoped))
      : [join(nodeModules, entry.name)];
    for (const dir of packageDirs) {
      const nested = join(dir, 'node_modules');
      if (existsSync(nested)) copies.push(...installedCopies(nested, name));
    }
  }
  return copies;
}

function acceptable(version: string, name: string): boolean {
  const { floor, excluded } = FLOORS[name]!;
  const v = parseVersion(version);
  return compare(v, floor) >= 0 && excluded.every(([low, high]) => compare(v, low) < 0 || compare(v, high) > 0);
}

describe('dependency floor (TESTPLAN S10)', () => {
  it('knows the vulnerable ranges', () => {
    expect(acceptable('8.0.4', 'nodemailer')).toBe(false);
    expect(acceptable('8.0.5', 'nodemailer')).toBe(true);
    expect(acceptable('9.1.0', 'nodemailer')).toBe(false);
    expect(acceptable('10.0.4', 'nodemailer')).toBe(false);
    expect(acceptable('10.0.5', 'nodemailer')).toBe(true);
    expect(acceptable('3.9.3', 'mailparser')).toBe(false);
    expect(acceptable('3.9.4', 'mailparser')).toBe(true);
  });

  for (const name of Object.keys(FLOORS)) {
    it(`every installed ${name} is outside the vulnerable releases`, () => {
      const copies = installedCopies(join(import.meta.dirname, '../../node_modules'), name);
      expect(copies.length, `${name} is not installed`).toBeGreaterThan(0);
      const vulnerable = copies.filter((copy) => !acceptable(copy.version, name));
      expect(vulnerable, `vulnerable copies of ${name}`).toEqual([]);
    });
  }
});
