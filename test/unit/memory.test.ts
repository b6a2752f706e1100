/**
 * Around a large message the gateway asks V8 for a last-resort collection: at once before it, once
 * on the next turn of the event loop after it (memory.ts). What that frees is measured by
 * bench:ingest's memory phase.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reclaimMemory, reclaimMemorySoon } from '../../src/memory.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const globals = globalThis as { gc?: (options?: unknown) => void };
const originalGc = globals.gc;

afterEach(() => {
  if (originalGc) globals.gc = originalGc;
  else delete globals.gc;
});

describe('reclaimMemory', () => {
  it('runs a synchronous last-resort major collection at once', () => {
    const gc = vi.fn();
    globals.gc = gc;
    reclaimMemory();
    expect(gc).toHaveBeenCalledExactlyOnceWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });

  it('does nothing when the process was started without --expose-gc', () => {
    delete globals.gc;
    expect(() => reclaimMemory()).not.toThrow();
  });
});

describe('reclaimMemorySoon', () => {
  it('runs one synchronous last-resort major collection on the next turn, however often it was asked', async () => {
    const gc = vi.fn();
    globals.gc = gc;
    reclaimMemorySoon();
    reclaimMemorySoon();
    expect(gc).not.toHaveBeenCalled(); // not inside the caller's frame, which still holds the message
    await nextTurn();
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });

    reclaimMemorySoon(); // a later message schedules a new one
    await nextTurn();
    expect(gc).toHaveBeenCalledTimes(2);
  });

  it('does nothing when the process was started without --expose-gc', async () => {
    delete globals.gc;
    expect(() => reclaimMemorySoon()).not.toThrow();
    await nextTurn();
    const gc = vi.fn();
    globals.gc = gc;
    await nextTurn();
    expect(gc).not.toHaveBeenCalled(); // nothing was left scheduled
  });
});
