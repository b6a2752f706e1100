/** Registers the contract's enums (defined once in src/entities/enums.ts) with type-graphql. */
import { registerEnumType } from 'type-graphql';
import { MessageDirection, Priority, Role, Satisfaction, TicketStatus, TicketType } from '../../entities/enums.js';

registerEnumType(TicketStatus, { name: 'TicketStatus' });
registerEnumType(Priority, { name: 'Priority' });
registerEnumType(TicketType, { name: 'TicketType' });
registerEnumType(MessageDirection, { name: 'MessageDirection' });
registerEnumType(Role, { name: 'Role' });
registerEnumType(Satisfaction, { name: 'Satisfaction', description: "The requester's rating, given by mail from the links in the closing notice" });

export { MessageDirection, Priority, Role, Satisfaction, TicketStatus, TicketType };
