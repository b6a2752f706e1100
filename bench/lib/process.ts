/** Runs a Node script as a child process and keeps its output, for benches that drive real servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './util.js';

export interface ChildNode {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Complete stdout lines so far. */
  readonly stdoutLines: string[];
  stderr(): string;
  /** Exit code or signal name once exited; null while running. */
  exitStatus(): number | string | null;
  readonly exited: Promise<number | string>;
  /**
   * Sends `signal` (SIGTERM by default) and waits up to `graceMs` for the exit, then SIGKILLs.
   * @returns the exit code or signal name
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

const MAX_KEPT_LINES = 200_000;

/** Starts `node <script> …args` with exactly `env` (plus PATH), stdin closed. */
export function startNode(script: string, args: readonly string[], env: Record<string, string>, cwd?: string): ChildNode {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const stdoutLines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (stdoutLines.length < MAX_KEPT_LINES) stdoutLines.push(line);
  });
  child.stdout!.on('end', () => {
    if (partial) stdoutLines.push(partial);
    partial = '';
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (err.length < 1_000_000) err += chunk;
  });
  let status: number | string | null = null;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      status = code ?? signal ?? -1;
      resolve(status);
    }),
  );
  // If the bench itself dies, do not leave the child behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  return {
    child,
    pid: child.pid,
    stdoutLines,
    stderr: () => err,
    exitStatus: () => status,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (status !== null) return status;
      child.kill(signal);
      const result = await Promise.race([exited, sleep(graceMs).then(() => null)]);
      if (result !== null) return result;
      child.kill('SIGKILL');
      return exited;
    },
  };
}
