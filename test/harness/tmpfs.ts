/**
 * A tmpfs of a chosen size, for a test or bench that fills a disk for real (TESTPLAN D16). Mounting
 * needs root: each call throws with mount's own message (in `stderr`) otherwise.
 */
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function mountTmpfs(dir: string, bytes: number): void {
  mount(['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'postdesk-tmpfs', dir]);
}

/** A new size for the tmpfs at `dir`; what it holds stays. */
export function resizeTmpfs(dir: string, bytes: number): void {
  mount(['-o', `remount,size=${bytes}`, dir]);
}

/** Lazily: a server still stopping in it does not make this fail. */
export function unmountTmpfs(dir: string): void {
  execFileSync('umount', ['--lazy', dir]);
}

export function usedBytes(dir: string): number {
  const stats = statfsSync(dir);
  return (stats.blocks - stats.bfree) * stats.bsize;
}

/** The first line of why a mount failed. */
export function mountFailure(error: unknown): string {
  return String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim().split('\n')[0] ?? '';
}
