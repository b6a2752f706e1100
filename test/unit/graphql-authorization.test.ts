/**
 * Schema walk (TESTPLAN S15): every root field and every field resolver of the built schema has
 * an explicit role rule, and the root fields match the authorisation table below. A new query or
 * mutation fails this test until someone decides who may call it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { Role } from '../../src/entities/enums.js';
import { buildGraphQLSchema } from '../../src/graphql/schema.js';

/** Root fields open to agents (they still see only their queues' tickets: ticket-access.ts). */
const AGENT_OPEN = new Set([
  'Query.me',
  'Query.queues',
  'Query.categories',
  'Query.ticket',
  'Query.tickets',
  'Query.ticketCounts',
  'Query.ticketStats', // over the agent's queues only
  'Query.savedReplies', // every queue's and the agent's queues'
  'Mutation.createTicket', // in a queue the agent works (FORBIDDEN for another)
  'Mutation.updateTicket',
  'Mutation.updateTickets', // every ticket in the agent's queues (FORBIDDEN otherwise, and then none changes)
  'Mutation.markAsSpam', // the same; blockSenders is FORBIDDEN to agents
  'Mutation.snoozeTicket',
  'Mutation.unsnoozeTicket',
  'Mutation.replyToTicket',
  'Mutation.addNote',
  'Mutation.forwardTicket', // a ticket of the agent's queues
  'Mutation.retryDelivery', // a message on a ticket of the agent's queues (FORBIDDEN otherwise)
  'Mutation.addTicketWatcher',
  'Mutation.removeTicketWatcher',
  'Mutation.addTicketCc',
  'Mutation.removeTicketCc',
  'Mutation.assignToMe',
  'Mutation.setRequesterLanguage',
  'Mutation.markDeliverable',
  'Mutation.reopenTicket',
  'Mutation.escalateTicket',
  'Mutation.closeTicket',
  'Mutation.mergeTickets', // both tickets in the agent's queues (FORBIDDEN otherwise)
  'Mutation.splitTicket', // the ticket and the target queue in the agent's queues (FORBIDDEN otherwise)
  // The category approver may be an agent; the command refuses everyone else (FORBIDDEN).
  'Mutation.approveTicket',
  'Mutation.rejectTicket',
]);

/** Root fields for admins only. */
const ADMIN_ONLY = new Set([
  'Query.agents',
  'Query.apiTokens',
  'Query.quarantinedMessages',
  'Query.rules',
  'Query.testRules',
  'Mutation.createQueue',
  'Mutation.updateQueue',
  'Mutation.deleteQueue',
  'Mutation.addQueueAgent',
  'Mutation.removeQueueAgent',
  'Mutation.addQueueWatcher',
  'Mutation.removeQueueWatcher',
  'Mutation.createAgent',
  'Mutation.updateAgent',
  'Mutation.deactivateAgent',
  'Mutation.createApiToken',
  'Mutation.revokeApiToken',
  'Mutation.retryQuarantinedMessage',
  'Mutation.retryQuarantinedMessages',
  'Mutation.dismissQuarantinedMessages',
  'Query.adminEvents',
  'Query.blockedSenders',
  'Mutation.blockSender',
  'Mutation.unblockSender',
  'Mutation.erasePerson',
  'Mutation.createRule',
  'Mutation.updateRule',
  'Mutation.deleteRule',
  'Mutation.setRuleEnabled',
  'Mutation.reorderRules',
  'Mutation.createCategory',
  'Query.organizations',
  'Mutation.createOrganization',
  'Mutation.updateOrganization',
  'Mutation.deleteOrganization',
  'Mutation.updateCategory',
  'Mutation.deleteCategory',
  'Mutation.setCategoryEnabled',
  'Mutation.reorderCategories',
  'Mutation.createSavedReply',
  'Mutation.updateSavedReply',
  'Mutation.deleteSavedReply',
]);

interface Described {
  schemaName: string;
  methodName: string;
  target: { name: string };
  roles?: Role[];
}
interface Storage {
  queries: Described[];
  mutations: Described[];
  fieldResolvers: Described[];
}

let schema: GraphQLSchema;
let storage: Storage;

beforeAll(async () => {
  schema = await buildGraphQLSchema();
  // type-graphql keeps its metadata (with the roles resolved while building) on this global.
  storage = (globalThis as unknown as { TypeGraphQLMetadataStorage: Storage }).TypeGraphQLMetadataStorage;
});

describe('the authorisation table', () => {
  it('classifies every root field of the schema, and nothing that is not in it', () => {
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    ];
    const unclassified = fields.filter((f) => !AGENT_OPEN.has(f) && !ADMIN_ONLY.has(f));
    expect(unclassified).toEqual([]);
    const stale = [...AGENT_OPEN, ...ADMIN_ONLY].filter((f) => !fields.includes(f));
    expect(stale).toEqual([]);
  });

  it('matches the roles the resolvers declare: AGENT where the table says so, ADMIN only elsewhere', () => {
    const declared = [...storage.queries.map((q) => ['Query', q] as const), ...storage.mutations.map((m) => ['Mutation', m] as const)];
    const names = new Set(Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`).concat(Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`)));
    let checked = 0;
    for (const [root, def] of declared) {
      const name = `${root}.${def.schemaName}`;
      if (!names.has(name)) continue; // metadata of resolver classes not in this schema
      checked++;
      expect(def.roles, `${name} has no @Authorized rule`).toBeDefined();
      if (AGENT_OPEN.has(name)) expect(def.roles, name).toContain(Role.AGENT);
      else expect(def.roles, name).toEqual([Role.ADMIN]);
    }
    expect(checked).toBe(names.size);
  });

  it('has a rule on every field resolver (nested fields are never open by default)', () => {
    expect(storage.fieldResolvers.length).toBeGreaterThan(10);
    const missing = storage.fieldResolvers.filter((f) => f.roles === undefined).map((f) => `${f.target.name}.${f.methodName}`);
    expect(missing).toEqual([]);
  });
});
