/** Attachment metadata; the bytes are downloaded from `url` (src/http/attachments.ts). */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { AttachmentRow } from '../loaders.js';

/** The download path of an attachment, served by src/http/attachments.ts. */
export const attachmentPath = (id: number): string => `/attachments/${id}`;

@ObjectType('Attachment', { simpleResolvers: true })
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

  @Field(() => Boolean, { description: "Shown in the message's body (an image the HTML references by cid:), not attached beside it" })
  inline!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The Content-ID without angle brackets: `bodyHtml` shows this file where it has `<img src="cid:…">` with this value; null when none',
  })
  contentId!: string | null;
}

export function presentAttachment(row: AttachmentRow): AttachmentObject {
  const id = Number(row.id);
  return {
    id: String(id),
    filename: row.filename,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    url: attachmentPath(id),
    inline: row.inline,
    contentId: row.content_id,
  };
}
