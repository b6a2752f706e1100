import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { QuarantineStatus } from '../../entities/enums.js';
import type { QuarantinedMessage } from '../../entities/index.js';
import { PageInfo } from './pagination.js';
import { UserError } from './payloads.js';
import { PersonType, presentPerson } from './person.type.js';

registerEnumType(QuarantineStatus, {
  name: 'QuarantineStatus',
  valuesConfig: {
    PENDING: { description: 'waiting for an admin: retry it, or dismiss it' },
    RESOLVED: { description: 'a retry made it a ticket, comment or note' },
    DISMISSED: { description: 'an admin decided it needs nothing more; the raw bytes are kept, and a retry still works' },
  },
});

/** Where a record stands; an ingested message counts as resolved even if it was dismissed before. */
export function quarantineStatus(record: Pick<QuarantinedMessage, 'resolvedAt' | 'dismissedAt'>): QuarantineStatus {
  if (record.resolvedAt) return QuarantineStatus.RESOLVED;
  return record.dismissedAt ? QuarantineStatus.DISMISSED : QuarantineStatus.PENDING;
}

@ObjectType('QuarantinedMessage', { simpleResolvers: true })
export class QuarantinedMessageType {
  @Field(() => ID)
  id!: string;

  /** Catalogue code, e.g. MESSAGE_UNPARSEABLE, RATE_LIMITED, AUTOMATIC_UNTHREADED. */
  @Field(() => String)
  reasonCode!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: 'The From address, when the header block could be read (for a message too large to fetch: as the mail server gave it)' })
  from!: string | null;

  @Field(() => String, { nullable: true, description: 'The Subject, when the header block could be read' })
  subject!: string | null;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String)
  door!: string;

  @Field(() => String, { nullable: true })
  mailbox!: string | null;

  @Field(() => [String], { nullable: true, description: 'Where a message from the SMTP door was sent (RCPT TO, Bccs included); a retry routes by them again. Null for the other doors' })
  envelopeRecipients!: string[] | null;

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

  @Field(() => QuarantineStatus)
  status!: QuarantineStatus;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  dismissedAt!: Date | null;

  @Field(() => PersonType, { nullable: true, description: 'The admin who dismissed it' })
  dismissedBy!: PersonType | null;

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

@InputType('QuarantineFilter')
export class QuarantineFilter {
  @Field(() => [QuarantineStatus], { nullable: true, description: 'e.g. [PENDING]: what still needs a decision' })
  status?: QuarantineStatus[] | null;

  @Field(() => [String], { nullable: true, description: 'Catalogue codes, e.g. ["RATE_LIMITED", "AUTOMATIC_UNTHREADED"]' })
  reasonCode?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Mailbox name' })
  mailbox?: string | null;

  @Field(() => String, { nullable: true, description: 'The From address (any case): everything one sender got quarantined' })
  from?: string | null;
}

@ObjectType('DismissQuarantinedPayload', { simpleResolvers: true })
export class DismissQuarantinedPayload {
  @Field(() => [QuarantinedMessageType], { description: 'In the order of the ids given; empty when anything was refused (then none is dismissed)' })
  quarantinedMessages!: QuarantinedMessageType[];

  @Field(() => [UserError])
  userErrors!: UserError[];
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

@ObjectType('RetryQuarantinedPayload', { simpleResolvers: true })
export class RetryQuarantinedPayload {
  @Field(() => [QuarantinePayload], { description: 'One per id, in the order given: what its retry did (userErrors name the id as ["ids", i])' })
  results!: QuarantinePayload[];

  @Field(() => [UserError], { description: 'What is wrong with the list as a whole; then nothing was retried' })
  userErrors!: UserError[];
}

/** `rawSource` and `dismissedBy` must be loaded (the source's size and sha256; never its bytes). */
export function presentQuarantined(record: QuarantinedMessage): QuarantinedMessageType {
  return {
    id: String(record.id),
    reasonCode: record.reasonCode,
    reason: record.reason,
    from: record.sender,
    subject: record.subject,
    attempts: record.attempts,
    door: record.door,
    mailbox: record.mailbox,
    envelopeRecipients: record.envelope ? [...(record.envelope.recipients ?? [])] : null,
    uid: record.uid === null ? null : String(record.uid),
    size: record.rawSource?.size ?? null,
    sha256: record.rawSource?.sha256 ?? null,
    rawUrl: record.rawSource ? `/quarantine/${record.id}/raw` : null,
    createdAt: record.createdAt,
    lastAttemptAt: record.lastAttemptAt,
    status: quarantineStatus(record),
    resolvedAt: record.resolvedAt,
    dismissedAt: record.dismissedAt,
    dismissedBy: record.dismissedBy ? presentPerson(record.dismissedBy) : null,
    refetchRequestedAt: record.refetchRequestedAt,
  };
}
