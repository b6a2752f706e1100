/**
 * Reads one decoded MIME part from its stream: size and SHA-256 of all of it, the bytes themselves
 * only up to a limit, so a 60 MB part that policy refuses anyway never sits in memory (TESTPLAN M10).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface ReadPart {
  /** All the bytes, or null when the part was larger than the keep limit. */
  content: Buffer | null;
  /** The first bytes, up to the head limit (for parts read only for what they start with). */
  head: Buffer;
  size: number;
  /** Hex SHA-256 of the whole part. */
  sha256: string;
}

/**
 * Drains `stream` to its end.
 * @param keepLimit keep all bytes only while the part is at most this large
 * @param headLimit keep this many first bytes in any case
 */
export async function readPart(stream: Readable, keepLimit: number, headLimit = 0): Promise<ReadPart> {
  const hash = createHash('sha256');
  let chunks: Buffer[] | null = [];
  const headChunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    if (size < headLimit) headChunks.push(Buffer.from(bytes.subarray(0, headLimit - size))); // a copy: a view would keep the whole chunk
    size += bytes.length;
    if (chunks && size <= keepLimit) chunks.push(bytes);
    else chunks = null;
  }
  return {
    content: chunks ? Buffer.concat(chunks, size) : null,
    head: Buffer.concat(headChunks),
    size,
    sha256: hash.digest('hex'),
  };
}
