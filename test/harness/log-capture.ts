/** A real pino logger (src/log.ts, redaction included) writing into memory, for tests that check what is logged. */
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export interface CapturedLog {
  log: Logger;
  /** The lines written so far, as written. */
  lines(): string[];
  /** The same lines, parsed. */
  entries(): Record<string, unknown>[];
}

export function captureLog(level: 'debug' | 'info' = 'info'): CapturedLog {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const lines = () => chunks.join('').split('\n').filter(Boolean);
  return { log: createLogger(level, stream), lines, entries: () => lines().map((l) => JSON.parse(l) as Record<string, unknown>) };
}
