/** /readyz's backlog age is computed when read, from the stored date of the oldest waiting message (F16). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeState } from '../../src/runtime-state.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RuntimeState mailbox health', () => {
  it('reports an oldest-unprocessed age that grows between reads while the backlog stays, and none without a backlog', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-28T10:00:00Z'));
    const state = new RuntimeState();
    state.mailboxes.set('box', { state: 'reconnecting', backlog: 3, oldestUnprocessedAt: new Date('2026-11-28T09:59:00Z') });
    expect((await state.readiness()).mailboxes.box).toMatchObject({ backlog: 3, oldestUnprocessedAgeSeconds: 60 });
    vi.setSystemTime(new Date('2026-11-28T10:05:00Z'));
    expect((await state.readiness()).mailboxes.box).toMatchObject({ backlog: 3, oldestUnprocessedAgeSeconds: 360 });
    state.mailboxes.set('box', { state: 'connected', backlog: 0, oldestUnprocessedAt: new Date('2026-11-28T09:59:00Z') });
    expect((await state.readiness()).mailboxes.box).toMatchObject({ backlog: 0, oldestUnprocessedAgeSeconds: null, oldestUnprocessedAt: null });
  });
});
