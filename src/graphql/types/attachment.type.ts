/** Attachment metadata; the bytes are downloaded from `url` (src/http/attachments.ts). */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { Attachment } from '../../entities/index.js';

/** The download path of an attachment, served by src/http/attachments.ts. */
export const attachmentPath = (id: number): string => `/attachments/${id}`;

@ObjectType('Attachment')
export class AttachmentObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  filename!: string;

  @Field(() => String)
  contentType!: string;

  @Field(() => Int)
  size!: number;

  @Field(() => String)
  sha256!: string;

  @Field(() => String, { description: 'Path on this server; GET it with the same bearer token' })
  url!: string;
}

export function presentAttachment(attachment: Attachment): AttachmentObject {
  return {
    id: String(attachment.id),
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    sha256: attachment.sha256,
    url: attachmentPath(attachment.id),
  };
}
