/**
 * Runs the built gateway and CLI (dist/) as real child processes, as a user or an MTA would.
 * The built code is what ships; vitest's transform can hide import-order bugs tsc output has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = `${ROOT}dist/src/main.js`;
export const BIN = `${ROOT}bin/postdesk.js`;

/** Fails loudly when the build is missing (`npm test` builds first through its pretest script). */
export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does it in pretest)`);
}

export interface RunningProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr contains `text`; rejects if the process exits first or 30 s pass. */
  waitForOutput(text: string | RegExp): Promise<void>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** @param input bytes for standard input (closed after them); none: stdin is not connected */
export function startProcess(script: string, args: string[], env: Record<string, string>, input?: Buffer): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (input) child.stdin?.end(input);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    listeners.forEach((l) => l());
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    listeners.forEach((l) => l());
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(text) {
      const seen = () => (typeof text === 'string' ? (out + err).includes(text) : text.test(out + err));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${String(text)}; output:\n${out}\n${err}`)), 30_000);
        const check = () => seen() && done();
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        void exited.then((code) => done(seen() ? undefined : new Error(`exited (${code}) before printing ${String(text)}:\n${out}\n${err}`)));
        check();
      });
    },
  };
}

/** Runs a command to completion. */
export async function runProcess(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = startProcess(script, args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
