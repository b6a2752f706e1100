/** Builds the INBOUND message row and its attachments from a parsed message. */
import { deferBlob } from '../db/blobs.js';
import type { Em } from '../db/orm.js';
import { Attachment, Message, type Person, type RawSource, type Ticket } from '../entities/index.js';
import { MessageDirection } from '../entities/enums.js';
import { isUnauthenticated, UNAUTHENTICATED_FLAG } from './authenticate-sender.js';
import { provenanceColumns, type Provenance } from './store.js';
import type { ParsedMessage } from './types.js';

export interface InboundMessageInput {
  parsed: ParsedMessage;
  messageId: string;
  synthetic: boolean;
  contentHash: string;
  author: Person | null;
  raw: RawSource;
  provenance: Provenance;
  flags: string[];
  receivedAt: Date;
}

export function writeInboundMessage(em: Em, ticket: Ticket, input: InboundMessageInput): Message {
  const { parsed, provenance } = input;
  const message = new Message(ticket, MessageDirection.INBOUND);
  message.author = input.author;
  message.to = parsed.to;
  message.cc = parsed.cc;
  message.subject = parsed.subject;
  message.bodyText = parsed.text;
  message.visibleText = parsed.visibleText;
  message.bodyHtml = parsed.html;
  message.messageId = input.messageId;
  message.messageIdSynthetic = input.synthetic;
  message.contentHash = input.contentHash;
  message.inReplyTo = parsed.inReplyTo;
  message.references = parsed.references;
  message.flags = [...new Set(isUnauthenticated(provenance.auth) ? [...input.flags, UNAUTHENTICATED_FLAG] : input.flags)];
  message.auth = provenance.auth ?? null;
  message.door = provenance.door;
  Object.assign(message, provenanceColumns(provenance));
  message.rawSource = input.raw;
  message.createdAt = input.receivedAt;
  em.persist(message);
  for (const part of parsed.attachments) {
    const attachment = new Attachment(message, part.filename, part.detectedType ?? part.contentType, part.size, part.sha256);
    attachment.inline = part.inline;
    attachment.contentId = part.contentId;
    em.persist(attachment);
    deferBlob(em, 'attachment', attachment, part.content);
  }
  return message;
}
