/** The enums of CONTRACT.md, defined once; the GraphQL layer registers these same objects. */

export enum TicketStatus {
  OPEN = 'OPEN',
  IN_PROGRESS = 'IN_PROGRESS',
  WAITING_FOR_CUSTOMER = 'WAITING_FOR_CUSTOMER',
  PENDING_APPROVAL = 'PENDING_APPROVAL',
  CLOSED = 'CLOSED',
}

export enum Priority {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  URGENT = 'URGENT',
}

/** The requester's rating of how their ticket was handled (tickets/satisfaction.ts). */
export enum Satisfaction {
  GOOD = 'GOOD',
  BAD = 'BAD',
}

export enum TicketType {
  INCIDENT = 'INCIDENT',
  PROBLEM = 'PROBLEM',
  CHANGE = 'CHANGE',
  QUESTION = 'QUESTION',
}

export enum MessageDirection {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
  NOTE = 'NOTE',
}

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}

/** How a message reached postdesk. */
export enum Door {
  IMAP = 'IMAP',
  SMTP = 'SMTP',
  PIPE = 'PIPE',
  API = 'API',
}

export enum DeliveryStatus {
  QUEUED = 'QUEUED',
  SENT = 'SENT',
  FAILED = 'FAILED',
}

/** Where a quarantined message stands: waiting for an admin, ingested by a retry, or dismissed. */
export enum QuarantineStatus {
  PENDING = 'PENDING',
  RESOLVED = 'RESOLVED',
  DISMISSED = 'DISMISSED',
}
