/**
 * The built gateway (dist/src/main.js) as a child process, configured through its environment as a
 * user would run it; ready once GET /readyz answers 200.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startNode, type ChildNode } from './process.js';
import { now, pollUntil, removeDir, ROOT, tempDir, TimeoutError } from './util.js';

export interface GatewayMailbox {
  readonly name: string;
  /** imap://user:pass@host:port */
  readonly url: string;
  readonly folder?: string;
}

export interface GatewayOptions {
  readonly databaseUrl: string;
  readonly mailboxes: readonly GatewayMailbox[];
  /** Extra or overriding environment variables (SENDER_RATE_LIMIT, ATTACHMENT_MAX_MB, …). */
  readonly env?: Record<string, string>;
  /** How long start-up (migrations included) may take before /readyz must say 200. */
  readonly readyTimeoutMs?: number;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
  mailboxes: Record<string, { state: string; backlog: number | null; oldestUnprocessedAgeSeconds: number | null; lastError?: { reason: string; at: string } | null }>;
}

export interface LogProblem {
  readonly level: string;
  readonly msg: string;
  readonly count: number;
  /** The first such line, as logged. */
  readonly example: string;
}

export interface Gateway {
  readonly pid: number;
  readonly baseUrl: string;
  readonly process: ChildNode;
  /** performance.now() when the process was spawned and when /readyz first answered 200. */
  readonly spawnedAt: number;
  readonly readyAt: number;
  readiness(): Promise<Readiness | null>;
  /** Waits until every mailbox is connected with an empty backlog (the gateway idles). */
  waitIdle(timeoutMs: number): Promise<void>;
  /** warn/error/fatal lines (grouped by message) and lines that are not JSON. */
  logProblems(): LogProblem[];
  stderr(): string;
  /** stderr without the first-start admin-token notice (expected, and a secret). */
  unexpectedStderr(): string;
  /** SIGTERM, wait for the exit (SIGKILL after 15 s), remove DATA_DIR. */
  stop(): Promise<number | string>;
}

export const GATEWAY_MAIN = join(ROOT, 'dist', 'src', 'main.js');

/**
 * The environment variables and Node.js flags `npm start` gives the gateway (package.json: glibc's
 * mmap threshold, the heap limit, --expose-gc), so a bench measures the process users run.
 */
export function startScript(): { env: Record<string, string>; nodeFlags: string[] } {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const match = /^((?:[A-Z_]+=\S+\s+)*)node\s+(.*?)\s*dist\/src\/main\.js$/.exec(scripts.start ?? '');
  if (!match) throw new Error(`package.json's start script is not "[VAR=value ...] node [flags] dist/src/main.js": ${scripts.start}`);
  const env = Object.fromEntries(match[1]!.split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
  return { env, nodeFlags: match[2]!.split(/\s+/).filter(Boolean) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const LEVELS_SHOWN = new Set(['warn', 'error', 'fatal']);

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const port = await freePort();
  const dataDir = tempDir('postdesk-bench-data-');
  const start = startScript();
  const env: Record<string, string> = {
    ...start.env,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    SMTP_INBOUND_PORT: '0',
    LOG_LEVEL: 'warn',
    SUPPORT_ADDRESS: 'support@example.com',
    MAILBOXES: JSON.stringify(options.mailboxes.map((m) => ({ name: m.name, url: m.url, folder: m.folder ?? 'INBOX' }))),
    POLL_INTERVAL_MS: '60000',
    // npm start's flags, plus e.g. BENCH_GATEWAY_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway.
    NODE_OPTIONS: [...start.nodeFlags, process.env.BENCH_GATEWAY_NODE_OPTIONS ?? ''].join(' ').trim(),
    ...options.env,
  };
  const spawnedAt = now();
  const node = startNode(GATEWAY_MAIN, [], env, ROOT);
  const baseUrl = `http://127.0.0.1:${port}`;

  const readiness = async (): Promise<Readiness | null> => {
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as Readiness;
      return { ...body, ready: response.status === 200 && body.ready };
    } catch {
      return null;
    }
  };

  const logProblems = (): LogProblem[] => {
    const groups = new Map<string, { level: string; msg: string; count: number; example: string }>();
    for (const line of node.stdoutLines) {
      if (!line.trim()) continue;
      let level = 'text';
      let msg = line.slice(0, 200);
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        level = entry.level ?? 'unknown';
        msg = entry.msg ?? '(no msg)';
      } catch {
        // not JSON: always worth showing
      }
      if (level !== 'text' && !LEVELS_SHOWN.has(level)) continue;
      const key = `${level}\u0000${msg}`;
      const group = groups.get(key);
      if (group) group.count++;
      else groups.set(key, { level, msg, count: 1, example: line.length > 1500 ? `${line.slice(0, 1500)}…` : line });
    }
    return [...groups.values()];
  };

  const stop = async () => {
    try {
      return await node.stop('SIGTERM');
    } finally {
      removeDir(dataDir);
    }
  };

  let readyAt: number;
  try {
    readyAt = await pollUntil(
      async () => {
        const status = node.exitStatus();
        if (status !== null) throw new Error(`the gateway exited (${status}) before it was ready:\n${node.stderr()}\n${node.stdoutLines.slice(-20).join('\n')}`);
        const r = await readiness();
        return r?.ready ? now() : undefined;
      },
      25,
      options.readyTimeoutMs ?? 60_000,
      'gateway /readyz',
    );
  } catch (error) {
    await stop();
    if (error instanceof TimeoutError) {
      throw new Error(`${error.message}; last output:\n${node.stderr()}\n${node.stdoutLines.slice(-20).join('\n')}`, { cause: error });
    }
    throw error;
  }

  return {
    pid: node.pid,
    baseUrl,
    process: node,
    spawnedAt,
    readyAt,
    readiness,
    async waitIdle(timeoutMs) {
      await pollUntil(
        async () => {
          const r = await readiness();
          const boxes = Object.values(r?.mailboxes ?? {});
          return r?.ready && boxes.length === options.mailboxes.length && boxes.every((m) => m.state === 'connected' && m.backlog === 0);
        },
        50,
        timeoutMs,
        'gateway idle (mailboxes connected, backlog 0)',
      );
    },
    logProblems,
    stderr: () => node.stderr(),
    unexpectedStderr: () => node.stderr().replace(/postdesk: first start; your admin token[^\n]*\n\s*\S+\s*/g, '').trim(),
    stop,
  };
}
