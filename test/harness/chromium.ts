/**
 * Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol with Node's own
 * WebSocket and fetch: no puppeteer, no downloaded browser. A fresh profile per launch, and every
 * background feature that would reach the internet turned off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary, or null when none is installed (`apt-get install -y chromium`). */
export function findChromium(): string | null {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface ChromiumPage {
  /** Every URL the page requested (documents, scripts, fetches…), in order. */
  readonly requests: string[];
  /** Console messages and browser log entries (CSP violations land here). */
  readonly logs: string[];
  navigate(url: string): Promise<void>;
  /** Evaluates an expression in the page and returns its value (awaiting promises). */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy; throws after `timeoutMs`. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--remote-debugging-port=0',
];

async function devtoolsPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not open its DevTools port within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (${code}) before it was ready:\n${stderr}`));
    });
  });
}

/** Starts Chromium with one blank tab and connects to that tab. */
export async function openChromiumPage(binary: string): Promise<ChromiumPage> {
  const profile = mkdtempSync(join(tmpdir(), 'postdesk-chromium-'));
  // TMPDIR inside the profile: Chromium's own temporary folders (org.chromium.Chromium.*) go with it.
  const child = spawn(binary, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: profile } });
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // Chromium's helper processes (crashpad, zygote) may still be writing into the profile for a
    // moment after the browser exits: ENOTEMPTY once in CI. rmSync retries that.
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };
  try {
    const port = await devtoolsPort(child);
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const page = targets.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium opened no page target');
    const socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error('could not connect to the DevTools page target')), { once: true });
    });

    let nextId = 1;
    const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
    const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as CdpMessage;
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method) {
        for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
      }
    });
    const send = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      });
    const on = (method: string, listener: (params: Record<string, unknown>) => void) => {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    };

    const requests: string[] = [];
    const logs: string[] = [];
    on('Network.requestWillBeSent', (p) => requests.push(String((p.request as { url: string }).url)));
    on('Log.entryAdded', (p) => logs.push(`${(p.entry as { level: string }).level}: ${(p.entry as { text: string }).text}`));
    on('Runtime.consoleAPICalled', (p) => logs.push(`console.${String(p.type)}: ${JSON.stringify(p.args)}`));
    on('Runtime.exceptionThrown', (p) => logs.push(`exception: ${JSON.stringify(p.exceptionDetails)}`));
    await Promise.all([send('Network.enable'), send('Log.enable'), send('Runtime.enable'), send('Page.enable')]);

    const evaluate = async <T>(expression: string): Promise<T> => {
      const result = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (result.exceptionDetails) throw new Error(`page script failed: ${JSON.stringify(result.exceptionDetails)}`);
      return (result.result as { value: T }).value;
    };

    return {
      requests,
      logs,
      async navigate(url) {
        const loaded = new Promise<void>((resolve) => on('Page.loadEventFired', () => resolve()));
        await send('Page.navigate', { url });
        await loaded;
      },
      evaluate,
      async waitFor(expression, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        while (!(await evaluate<boolean>(`Boolean(${expression})`))) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async close() {
        socket.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
