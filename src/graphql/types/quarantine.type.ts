import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { QuarantinedMessage } from '../../entities/index.js';
import { PageInfo } from './pagination.js';
import { UserError } from './payloads.js';

@ObjectType('QuarantinedMessage', { simpleResolvers: true })
export class QuarantinedMessageType {
  @Field(() => ID)
  id!: string;

  /** Catalogue code, e.g. MESSAGE_UNPARSEABLE, RATE_LIMITED, AUTOMATIC_UNTHREADED. */
  @Field(() => String)
  reasonCode!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String)
  door!: string;

  @Field(() => String, { nullable: true })
  mailbox!: string | null;

  @Field(() => String, { nullable: true, description: 'IMAP UID (as a string: UIDs exceed 32 bits)' })
  uid!: string | null;

  @Field(() => Int, { nullable: true })
  size!: number | null;

  @Field(() => String, { nullable: true })
  sha256!: string | null;

  @Field(() => String, { nullable: true, description: 'HTTP path streaming the raw message (same bearer token)' })
  rawUrl!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'set by retryQuarantinedMessage for a message the mail server never handed over: its mailbox poller fetches it again, then clears this',
  })
  refetchRequestedAt!: Date | null;
}

@ObjectType('QuarantinedMessageEdge', { simpleResolvers: true })
export class QuarantinedMessageEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => QuarantinedMessageType)
  node!: QuarantinedMessageType;
}

@ObjectType('QuarantinedMessageConnection', { simpleResolvers: true })
export class QuarantinedMessageConnection {
  @Field(() => [QuarantinedMessageEdge])
  edges!: QuarantinedMessageEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType('QuarantinePayload', { simpleResolvers: true })
export class QuarantinePayload {
  @Field(() => QuarantinedMessageType, { nullable: true })
  quarantinedMessage!: QuarantinedMessageType | null;

  @Field(() => Int, { nullable: true, description: 'the ticket the message went to, when the retry succeeded' })
  ticketNumber!: number | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

/** `rawSource` must be loaded (its size and sha256; never its bytes). */
export function presentQuarantined(record: QuarantinedMessage): QuarantinedMessageType {
  return {
    id: String(record.id),
    reasonCode: record.reasonCode,
    reason: record.reason,
    attempts: record.attempts,
    door: record.door,
    mailbox: record.mailbox,
    uid: record.uid === null ? null : String(record.uid),
    size: record.rawSource?.size ?? null,
    sha256: record.rawSource?.sha256 ?? null,
    rawUrl: record.rawSource ? `/quarantine/${record.id}/raw` : null,
    createdAt: record.createdAt,
    lastAttemptAt: record.lastAttemptAt,
    resolvedAt: record.resolvedAt,
    refetchRequestedAt: record.refetchRequestedAt,
  };
}
