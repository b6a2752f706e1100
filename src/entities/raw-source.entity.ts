import { BlobType, type Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** A message's bytes exactly as received (byte-identical), kept for audit, download and retry. */
@Entity({ tableName: 'raw_source' })
export class RawSource {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'string', length: 64, index: true })
  sha256: string;

  @Property({ type: 'integer' })
  size: number;

  /** Written by src/db/blobs.ts as a binary parameter; empty on an entity created in this process. */
  @Property({ type: BlobType, lazy: true })
  content: Buffer = Buffer.alloc(0);

  @Property({ type: 'datetime' })
  receivedAt: Date & Opt = new Date();

  constructor(sha256: string, size: number) {
    this.sha256 = sha256;
    this.size = size;
  }
}
