/** Registers the contract's enums (defined once in src/entities/enums.ts) with type-graphql. */
import { registerEnumType } from 'type-graphql';
import { MessageDirection, Priority, Role, TicketStatus, TicketType } from '../../entities/enums.js';

registerEnumType(TicketStatus, { name: 'TicketStatus' });
registerEnumType(Priority, { name: 'Priority' });
registerEnumType(TicketType, { name: 'TicketType' });
registerEnumType(MessageDirection, { name: 'MessageDirection' });
registerEnumType(Role, { name: 'Role' });

export { MessageDirection, Priority, Role, TicketStatus, TicketType };
