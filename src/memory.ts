/**
 * Gives memory back after a large message, so the gateway's resident size stays near its idle size
 * between big attachments instead of ratcheting up (inbound issue: peak RSS ≤ 300 MB while
 * ingesting ten 20 MB attachments).
 *
 * Why: a 27 MB message leaves some 100 MB of garbage (the raw bytes, the decoded attachment, the
 * PostgreSQL bind messages). V8 frees such buffers only when it collects the small objects that
 * own them, which can be several messages later, so two or three messages' worth piled up. And the
 * young generation, grown to 128 MB at start-up, stays resident. A last-resort collection frees
 * both: measured in bench:ingest's memory phase and at idle (214 → 147 MiB).
 *
 * It needs `--expose-gc`, which `npm start` and the Docker image pass; without it (tests, a
 * hand-started process) this does nothing. They also set glibc's MALLOC_MMAP_THRESHOLD_=32768:
 * the 64 KB chunks a large message passes through (socket reads, decoded base64) are then mapped
 * one by one and go back to the system when freed, instead of fragmenting malloc's heap, which
 * never shrank (memory phase: 338 → 272 MiB peak with this collection in place).
 */

/** Messages at least this large schedule a collection once they are committed. */
export const RECLAIM_AFTER_BYTES = 4 * 1024 * 1024;

type GcFunction = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let scheduled: NodeJS.Immediate | null = null;

/**
 * Collects everything collectable and shrinks the heap, soon (coalesced): on the next turn of the
 * event loop, once the caller's frames that still reference the message are gone.
 */
export function reclaimMemorySoon(): void {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (!gc || scheduled) return;
  scheduled = setImmediate(() => {
    scheduled = null;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });
  scheduled.unref();
}
