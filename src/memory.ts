/**
 * Gives memory back around a large message, so the gateway's resident size stays well below its
 * limit with big attachments instead of ratcheting up (inbound issue: peak RSS ≤ 300 MB while
 * ingesting ten 20 MB attachments).
 *
 * Why: a 27 MB message leaves some 100 MB of garbage (the raw bytes, the decoded attachment, the
 * PostgreSQL bind messages). V8 frees such buffers only when it collects the small objects that
 * own them, which can be several messages later, so two or three messages' worth piled up. And V8's
 * young generation, grown to 128 MB by start-up or API traffic, stays resident. A last-resort
 * collection frees both. It runs before a large message is fetched (whatever the API left behind),
 * once it is parsed (the parser's garbage, before the bytes are copied to PostgreSQL) and after
 * its commit, never for the small messages and requests that make up the traffic:
 * a young generation shrunk at start-up cost the API bench's ticket page 10–20 % of its throughput.
 *
 * It needs `--expose-gc`, which `npm start` and the Docker image pass; without it (tests, a
 * hand-started process) this does nothing. They also set glibc's MALLOC_MMAP_THRESHOLD_=32768:
 * the 64 KB chunks a large message passes through (socket reads, decoded base64) are then mapped
 * one by one and go back to the system when freed, instead of fragmenting malloc's heap, which
 * never shrank (memory phase: ~340 → 253–257 MiB peak with these collections in place).
 */

/** Messages at least this large are collected around: before the fetch, once parsed and after the commit. */
export const LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;

type GcFunction = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

const LAST_RESORT = { type: 'major', execution: 'sync', flavor: 'last-resort' } as const;

let scheduled: NodeJS.Immediate | null = null;

function exposedGc(): GcFunction | undefined {
  return (globalThis as { gc?: GcFunction }).gc;
}

/**
 * Collects everything collectable and shrinks the heap, now: a pause of the order of 200 ms (memory
 * phase: gateway CPU per 27 MB message 1.4 → about 2 s with three of these).
 */
export function reclaimMemory(): void {
  exposedGc()?.(LAST_RESORT);
}

/**
 * The same, soon (coalesced): on the next turn of the event loop, once the caller's frames that
 * still reference the message are gone.
 */
export function reclaimMemorySoon(): void {
  if (!exposedGc() || scheduled) return;
  scheduled = setImmediate(() => {
    scheduled = null;
    reclaimMemory();
  });
  scheduled.unref();
}
