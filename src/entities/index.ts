/** Every entity, for the ORM's discovery. */
import { ApiToken } from './api-token.entity.js';
import { AppSetting } from './app-setting.entity.js';
import { Attachment } from './attachment.entity.js';
import { BlockedSender } from './blocked-sender.entity.js';
import { Category, type CategoryField } from './category.entity.js';
import { InboundReceipt } from './inbound-receipt.entity.js';
import { MailboxState } from './mailbox-state.entity.js';
import { Message } from './message.entity.js';
import { Organization } from './organization.entity.js';
import { OutboundDelivery } from './outbound-delivery.entity.js';
import { Person } from './person.entity.js';
import { QuarantinedMessage } from './quarantined-message.entity.js';
import { Queue } from './queue.entity.js';
import { RawSource } from './raw-source.entity.js';
import { Rule } from './rule.entity.js';
import { SavedReply } from './saved-reply.entity.js';
import { TicketEvent } from './ticket-event.entity.js';
import { Ticket } from './ticket.entity.js';

export type { CategoryField };

export {
  ApiToken,
  AppSetting,
  InboundReceipt,
  Attachment,
  BlockedSender,
  Category,
  MailboxState,
  Message,
  Organization,
  OutboundDelivery,
  Person,
  QuarantinedMessage,
  Queue,
  RawSource,
  Rule,
  SavedReply,
  Ticket,
  TicketEvent,
};

export const ENTITIES = [
  ApiToken,
  AppSetting,
  InboundReceipt,
  Attachment,
  BlockedSender,
  Category,
  MailboxState,
  Message,
  Organization,
  OutboundDelivery,
  Person,
  QuarantinedMessage,
  Queue,
  RawSource,
  Rule,
  SavedReply,
  Ticket,
  TicketEvent,
];
