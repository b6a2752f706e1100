/** Timing, polling, temp dirs, the machine's description and an ordered clean-up stack shared by the benches. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export { sleep };

/** The project root (the folder whose package.json is named "postdesk"), wherever the bench was compiled to. */
export const ROOT: string = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'postdesk') return dir;
    if (dir === dirname(dir)) throw new Error('bench: cannot find the postdesk package root above ' + fileURLToPath(import.meta.url));
  }
})();

/** What a bench ran on, for its first line: Node, cores and CPU model, and Dovecot's version when it uses one. */
export function machineSummary(options: { dovecot?: boolean } = {}): string {
  const parts = [`node ${process.version}`, `${cpus().length} cores (${cpus()[0]?.model ?? '?'})`];
  if (options.dovecot) parts.push(`dovecot ${versionOf('/usr/sbin/dovecot', ['--version'])}`);
  return parts.join(', ');
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] ?? '?';
  } catch {
    return '?';
  }
}

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now();

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Rejects with a TimeoutError when `promise` has not settled after `ms` (the work itself is not cancelled). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what}: no result after ${(ms / 1000).toFixed(0)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined/false, and resolves
 * with it; rejects with a TimeoutError after `timeoutMs`.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, intervalMs: number, timeoutMs: number, what: string): Promise<T> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (now() > deadline) throw new TimeoutError(`${what}: not reached after ${(timeoutMs / 1000).toFixed(0)} s`);
    await sleep(intervalMs);
  }
}

/** A temp dir that other users can enter (PostgreSQL runs as `postgres`, Dovecot as `nobody`). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Clean-up steps run in reverse order of registration, each at most once, each even if an earlier one
 * failed. `runAll()` is what a bench calls in `finally`; SIGINT/SIGTERM run it too.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];
  private running: Promise<void> | null = null;
  /** Set by a signal: start nothing new. */
  aborted = false;

  /** @returns a function that drops the step again (after it was run elsewhere, for instance) */
  add(what: string, run: () => Promise<void> | void): () => void {
    const step = { what, run };
    this.steps.push(step);
    return () => {
      const at = this.steps.indexOf(step);
      if (at >= 0) this.steps.splice(at, 1);
    };
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await withTimeout(Promise.resolve().then(step.run), 30_000, `clean-up "${step.what}"`);
        } catch (error) {
          console.error(`[bench] clean-up "${step.what}" failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /** Ctrl-C or a SIGTERM: clean up, then exit with 130/143. */
  installSignalHandlers(): void {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        this.aborted = true;
        console.error(`\n[bench] ${signal}: stopping servers…`);
        void this.runAll().finally(() => process.exit(code));
      });
    }
  }
}
