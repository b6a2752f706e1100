/** Builds the executable schema from the resolver classes. */
import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth.js';
import { AgentResolver } from './resolvers/agent.resolver.js';
import { ApiTokenResolver } from './resolvers/api-token.resolver.js';
import { AuditResolver } from './resolvers/audit.resolver.js';
import { BlockedSenderResolver } from './resolvers/blocked-sender.resolver.js';
import { OrganizationResolver } from './resolvers/organization.resolver.js';
import { PersonErasureResolver } from './resolvers/person-erasure.resolver.js';
import { QuarantineResolver } from './resolvers/quarantine.resolver.js';
import { QueueResolver } from './resolvers/queue.resolver.js';
import { RoutingResolver } from './resolvers/routing.resolver.js';
import { SavedReplyResolver } from './resolvers/saved-reply.resolver.js';
import { TicketMutationResolver } from './resolvers/ticket-mutation.resolver.js';
import { TicketStatsResolver } from './resolvers/ticket-stats.resolver.js';
import { MessageResolver, TicketConnectionResolver, TicketEventResolver, TicketResolver } from './resolvers/ticket.resolver.js';
import { PersonResolver } from './resolvers/person.resolver.js';
import './types/enums.js';

export const RESOLVERS = [
  QueueResolver,
  QuarantineResolver,
  RoutingResolver,
  TicketResolver,
  TicketMutationResolver,
  TicketStatsResolver,
  MessageResolver,
  TicketEventResolver,
  TicketConnectionResolver,
  AgentResolver,
  AuditResolver,
  BlockedSenderResolver,
  ApiTokenResolver,
  OrganizationResolver,
  PersonErasureResolver,
  SavedReplyResolver,
  PersonResolver,
] as const;

export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    authMode: 'error',
    // Input is validated by our own commands (zod), not by class-validator.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    emitSchemaFile: false,
  });
}
