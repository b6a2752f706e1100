import { BlobType, type Opt, type Rel } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Message } from './message.entity.js';

/**
 * A file on a message. The bytes live in PostgreSQL, written in the same transaction as the
 * message, so a crash can never leave one without the other. Loaded only when downloaded.
 */
@Entity({ tableName: 'attachment' })
export class Attachment {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => Message, { deleteRule: 'cascade', index: true })
  message: Rel<Message>;

  /** Display name, cleaned of path separators and control characters; never used as a path. */
  @Property({ type: 'string', length: 255 })
  filename: string;

  @Property({ type: 'string', length: 255 })
  contentType: string;

  @Property({ type: 'integer' })
  size: number;

  @Property({ type: 'string', length: 64, index: true })
  sha256: string;

  @Property({ type: 'boolean' })
  inline: boolean & Opt = false;

  @Property({ type: 'string', length: 998, nullable: true })
  contentId: string | null = null;

  /** Written by src/db/blobs.ts as a binary parameter; empty on an entity created in this process. */
  @Property({ type: BlobType, lazy: true })
  content: Buffer = Buffer.alloc(0);

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(message: Message, filename: string, contentType: string, size: number, sha256: string) {
    this.message = message;
    this.filename = filename;
    this.contentType = contentType;
    this.size = size;
    this.sha256 = sha256;
  }
}
