/**
 * Zip bombs for TESTPLAN S13, built in memory without ever holding the expanded bytes.
 *
 * Deflate data of N MiB of zeros is one compressed MiB of zeros, ended with a full flush (a
 * non-final block that ends byte-aligned and resets the compressor, so the copies reference nothing
 * before them), repeated N times, then an empty final block (0x03 0x00: BFINAL=1, fixed Huffman,
 * end-of-block; RFC 1951 3.2.3 and 3.2.6). The container is the plain zip format (PKWARE APPNOTE
 * 4.3.7 local header, 4.3.12 central directory, 4.3.16 end record), entries below 4 GiB so no
 * ZIP64 is needed. No zip library is a dependency of the project, and this is all it takes.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

const MIB = 1024 * 1024;
const ZERO_MIB = Buffer.alloc(MIB);
const FLUSHED_ZERO_MIB = deflateRawSync(ZERO_MIB, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

export interface ZipEntry {
  name: string;
  /** Raw deflate data (method 8). */
  deflated: Buffer;
  crc32: number;
  /** Uncompressed size, < 4 GiB. */
  size: number;
}

/** A zip entry holding `mib` MiB of zeros, about 1 KB per MiB. */
const zerosCrc = new Map<number, number>();

export function zerosEntry(name: string, mib: number): ZipEntry {
  let crc = zerosCrc.get(mib);
  if (crc === undefined) {
    crc = 0;
    for (let i = 0; i < mib; i++) crc = crc32(ZERO_MIB, crc);
    zerosCrc.set(mib, crc);
  }
  const deflated = Buffer.concat([...Array.from({ length: mib }, () => FLUSHED_ZERO_MIB), FINAL_EMPTY_BLOCK]);
  return { name, deflated, crc32: crc, size: mib * MIB };
}

/** A zip entry holding `content` compressed normally (a nested archive). */
export function fileEntry(name: string, content: Buffer): ZipEntry {
  return { name, deflated: deflateRawSync(content, { level: 9 }), crc32: crc32(content), size: content.length };
}

/** The zip archive of `entries`. */
export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(entry.crc32, 14);
    local.writeUInt32LE(entry.deflated.length, 18);
    local.writeUInt32LE(entry.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    local.copy(central, 6, 4, 30); // version needed … extra length: same fields as the local header
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.deflated);
    centrals.push(central, name);
    offset += local.length + name.length + entry.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Total uncompressed bytes a full recursive extraction would write, for the printout. */
export function nestedExpansion(layers: number, fanOut: number, leafBytes: number): number {
  return fanOut ** layers * leafBytes;
}

/**
 * A 42.zip-style archive: `layers` levels of `fanOut` copies of the level below, the leaf a zip of
 * one entry of `leafMib` MiB of zeros.
 */
export function nestedBomb(layers: number, fanOut: number, leafMib: number): Buffer {
  let level = zipArchive([zerosEntry('0.bin', leafMib)]);
  for (let depth = 1; depth <= layers; depth++) {
    const inner = level;
    level = zipArchive(Array.from({ length: fanOut }, (_, i) => fileEntry(`${depth}-${i}.zip`, inner)));
  }
  return level;
}
