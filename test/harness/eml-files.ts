/** The .eml files under a folder (the shared corpus, the fixtures), at any depth, sorted. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** @returns [] when the folder does not exist (a clone without ../shared) */
export function emlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const walk = (at: string): string[] =>
    readdirSync(at).flatMap((name) => {
      const path = join(at, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith('.eml') ? [path] : [];
    });
  return walk(dir).sort();
}
