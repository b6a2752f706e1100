/** Registers the contract's enums (defined once in src/entities/enums.ts) with type-graphql. */
import { registerEnumType } from 'type-graphql';
import { DeliveryStatus, MessageDirection, Priority, Role, Satisfaction, TicketStatus, TicketType } from '../../entities/enums.js';

registerEnumType(TicketStatus, { name: 'TicketStatus' });
registerEnumType(Priority, { name: 'Priority' });
registerEnumType(TicketType, { name: 'TicketType' });
registerEnumType(MessageDirection, { name: 'MessageDirection' });
registerEnumType(Role, { name: 'Role' });
registerEnumType(Satisfaction, { name: 'Satisfaction', description: "The requester's rating, given by mail from the links in the closing notice" });

registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  valuesConfig: {
    QUEUED: { description: 'Waiting to be sent, or to be tried again after a temporary failure (lastError says why)' },
    SENT: { description: 'Accepted by the SMTP relay' },
    FAILED: { description: 'Refused for good, or given up after OUTBOUND_RETRY_LIMIT attempts: retryDelivery sends it again' },
  },
});

export { DeliveryStatus, MessageDirection, Priority, Role, Satisfaction, TicketStatus, TicketType };
