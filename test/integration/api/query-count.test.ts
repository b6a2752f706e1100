/**
 * No N+1 (issue 5 item 6): the SQL statements behind `tickets(first: 50)` with queue, requester,
 * assignee, category fields, CCs, watchers, messages and their attachments, links, saved replies and the
 * people's languages and bounces are counted with MikroORM's query
 * logger on a real PostgreSQL; a page of 50 tickets needs exactly as many as a page of 5.
 * The schema and context are the gateway's own (buildGraphQLSchema, createLoaders). The same page
 * through the gateway's graphql-jit executor must come back exactly as graphql-js gives it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getOperationAST, graphql, parse, validate, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config/env.js';
import { migrate, openOrm, type Orm } from '../../../src/db/orm.js';
import { Attachment, Category, Message, Person, Queue, SavedReply, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, Role } from '../../../src/entities/enums.js';
import type { GraphQLContext } from '../../../src/graphql/context.js';
import { COMPILED_DOCUMENTS, compiledDocuments, jitExecutor, noProtoAliasRule } from '../../../src/graphql/jit-executor.js';
import { createLoaders } from '../../../src/graphql/loaders.js';
import { buildGraphQLSchema } from '../../../src/graphql/schema.js';
import { createLogger } from '../../../src/log.js';
import { createTestDatabase } from '../../harness/postgres.js';

let orm: Orm;
let schema: GraphQLSchema;
let statements: string[] = [];
let counting = false;
const dataDir = mkdtempSync(join(tmpdir(), 'postdesk-count-'));
const config = loadConfig({ DATABASE_URL: 'postgres://unused', DATA_DIR: dataDir, NODE_ENV: 'test' });

const PAGE = `query($queue: String) { tickets(first: 50, filter: { queue: $queue }) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    number subject status priority type category fields { name label value } createdAt updatedAt
    queue { name keywords agents { email } watchers { email } defaultAssignee { email } }
    language requester { email name language undeliverableSince } assignee { email name } ccs { email undeliverableSince } watchers { email }
    lastMessage { bodyText }
    messages { direction bodyText from { email name } to { email } attachments { filename size sha256 url } delivery { status attempts } }
    events { kind actor { email } from to }
    mergedInto linkedTo linkedFrom savedReplies { name text }
  } } } }`;

/** Seeds `count` tickets in a new queue and category (with a field), each with CCs, a watcher, 3 messages with an attachment each. */
async function seed(queueName: string, count: number): Promise<void> {
  const em = orm.em.fork();
  const agent = new Person(`agent-${queueName}@example.com`, `Agent ${queueName}`);
  agent.role = Role.AGENT;
  const queue = new Queue(queueName);
  queue.agents.add(agent);
  queue.watchers.add(agent);
  queue.defaultAssignee = agent;
  const category = new Category(`${queueName} category`);
  category.fields = [{ name: 'instanceId', label: 'Instance ID' }];
  const savedReply = new SavedReply(`${queueName} reply`, 'Hello {{requester.greeting}}, {{agent.name}} on {{ticket.tag}} here.');
  savedReply.queue = queue;
  em.persist([agent, queue, category, savedReply]);
  for (let i = 0; i < count; i++) {
    const requester = new Person(`customer-${queueName}-${i}@customer.test`, `Customer ${i}`);
    const ticket = new Ticket(`${queueName} ticket ${i}`, requester);
    ticket.queue = queue;
    ticket.assignee = agent;
    ticket.category = category;
    ticket.fieldValues = { instanceId: `i-${i}` };
    ticket.ccs.add(new Person(`cc1-${queueName}-${i}@customer.test`), new Person(`cc2-${queueName}-${i}@customer.test`));
    ticket.watchers.add(agent);
    for (let m = 0; m < 3; m++) {
      const message = new Message(ticket, m === 1 ? MessageDirection.OUTBOUND : MessageDirection.INBOUND);
      message.author = m === 1 ? agent : requester;
      message.bodyText = `message ${m} of ticket ${i}`;
      if (m === 0) message.bodyHtml = `<p>message ${m} of ticket ${i}</p>`;
      message.to = [{ email: 'support@example.com', name: null }];
      em.persist(new Attachment(message, `file-${m}.pdf`, 'application/pdf', 10, 'a'.repeat(64)));
      em.persist(message);
    }
    em.persist(ticket);
  }
  await em.flush();
}

/** The context an admin's request gets (its own EntityManager and loaders). */
async function adminContext(): Promise<GraphQLContext> {
  const em = orm.em.fork();
  const admin = await em.findOneOrFail(Person, { role: Role.ADMIN });
  const principal = { person: admin, personId: admin.id, email: admin.email, role: Role.ADMIN, tokenId: 0 };
  return { principal, em, orm, secret: 'test', config, log: createLogger('warn', new PassThrough()), loaders: createLoaders(em, principal, config) };
}

interface PageMessage {
  bodyHtml?: string | null;
  bodyText?: string;
  visibleText?: string;
  attachments?: unknown[];
}

async function countStatements(
  queueName: string,
  source = PAGE,
): Promise<{ statements: number; sql: string[]; tickets: number; messages: PageMessage[]; attachments: number; nodes: Record<string, unknown>[] }> {
  const context = await adminContext();
  statements = [];
  counting = true;
  const result = await graphql({ schema, source, variableValues: { queue: queueName }, contextValue: context });
  counting = false;
  expect(result.errors).toBeUndefined();
  const edges = (result.data as { tickets: { edges: { node: { messages: PageMessage[] } }[] } }).tickets.edges;
  const messages = edges.flatMap((e) => e.node.messages);
  return { statements: statements.length, sql: statements, tickets: edges.length, messages, attachments: messages.flatMap((m) => m.attachments ?? []).length, nodes: edges.map((e) => e.node) };
}

beforeAll(async () => {
  const url = await createTestDatabase();
  orm = await openOrm(url, (line) => {
    if (counting) statements.push(line);
  });
  await migrate(orm);
  await bootstrap(orm.em.fork(), loadConfig({ DATABASE_URL: url, DATA_DIR: config.dataDir, NODE_ENV: 'test' }));
  schema = await buildGraphQLSchema();
  await seed('Small', 5);
  await seed('Large', 50);
});
afterAll(async () => {
  await orm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SQL statements per page', () => {
  it('are the same for 50 tickets as for 5 (every relation batched by a DataLoader)', async () => {
    const small = await countStatements('Small');
    const large = await countStatements('Large');
    expect(small).toMatchObject({ tickets: 5, attachments: 15 });
    expect(small.messages).toHaveLength(15);
    expect(large).toMatchObject({ tickets: 50, attachments: 150 });
    expect(large.messages).toHaveLength(150);
    const filled = large.nodes.map((n) => (n.savedReplies as { name: string; text: string }[])[0]?.text ?? '');
    expect(filled.filter((text) => /^Hello Customer \d+, .+ on \[#\d+\] here\.$/.test(text))).toHaveLength(50);
    console.log(`tickets(first: 50) with every relation: ${small.statements} SQL statements for 5 tickets, ${large.statements} for 50`);
    expect(large.statements).toBe(small.statements);
    // One statement per relation kind, not per ticket (the page, count, scope, queue + its
    // collections, people, CCs, watchers, messages, attachments, events, last message).
    expect(large.statements).toBeLessThan(25);
  });

  it('read HTML bodies only when the query selects them, in one statement for the whole page', async () => {
    const query = (fields: string) => `query($queue: String) { tickets(first: 50, filter: { queue: $queue }) { edges { node { messages { ${fields} } } } } }`;
    const text = await countStatements('Large', query('bodyText'));
    const html = await countStatements('Large', query('bodyText bodyHtml'));
    expect(text.messages).toHaveLength(150);
    expect(text.sql.filter((line) => line.includes('body_html'))).toEqual([]);
    expect(html.statements).toBe(text.statements + 1);
    const bodies = html.messages.map((m) => m.bodyHtml);
    expect(bodies.filter((b) => b === null)).toHaveLength(100);
    expect(bodies.filter((b) => typeof b === 'string' && /^<p>message 0 of ticket \d+<\/p>$/.test(b))).toHaveLength(50);
  });

  it('read the new part of messages only when the query selects it, in one statement for the whole page', async () => {
    const query = (fields: string) => `query($queue: String) { tickets(first: 50, filter: { queue: $queue }) { edges { node { messages { ${fields} } } } } }`;
    const text = await countStatements('Large', query('bodyText'));
    const visible = await countStatements('Large', query('bodyText visibleText'));
    expect(text.sql.filter((line) => line.includes('visible_text'))).toEqual([]);
    expect(visible.statements).toBe(text.statements + 1);
    // Seeded without a visible part (as an agent's reply or a note is): the whole text stands in.
    expect(visible.messages).toHaveLength(150);
    for (const m of visible.messages) expect(m.visibleText).toBe(m.bodyText);
  });

  it('read attachments only when the query selects them, in one statement for the whole page; authors come with their messages', async () => {
    const query = (fields: string) => `query($queue: String) { tickets(first: 50, filter: { queue: $queue }) { edges { node { messages { ${fields} } } } } }`;
    const text = await countStatements('Large', query('bodyText'));
    const withAuthors = await countStatements('Large', query('bodyText from { email name }'));
    const withFiles = await countStatements('Large', query('bodyText attachments { filename size }'));
    expect(text.sql.filter((line) => /\battachment\b/.test(line))).toEqual([]);
    expect(withAuthors.statements).toBe(text.statements);
    expect(withFiles.statements).toBe(text.statements + 1);
    expect(withFiles.attachments).toBe(150);
    expect(new Set(withFiles.messages.flatMap((m) => m.attachments as { filename: string }[]).map((a) => a.filename))).toEqual(new Set(['file-0.pdf', 'file-1.pdf', 'file-2.pdf']));
  });
});

describe('the graphql-jit executor the gateway runs (jit-executor.ts)', () => {
  it('answers the page exactly as graphql-js does', async () => {
    const document = parse(PAGE);
    const operation = getOperationAST(document);
    const { executor } = await jitExecutor(schema).load({ apollo: { graphRef: null, keyHash: null, key: null } } as never);
    const request = { document, operation, request: { variables: { queue: 'Large' } }, context: await adminContext() };
    const jit = await executor!(request as never);
    const js = await graphql({ schema, source: PAGE, variableValues: { queue: 'Large' }, contextValue: await adminContext() });
    expect(jit.errors).toBeUndefined();
    expect((jit.data as { tickets: { edges: unknown[] } }).tickets.edges).toHaveLength(50);
    expect(JSON.stringify(jit.data)).toBe(JSON.stringify(js.data));
  });

  it('keeps compiled operations for a bounded number of documents, however many distinct queries arrive', async () => {
    const { executor } = await jitExecutor(schema).load({ apollo: { graphRef: null, keyHash: null, key: null } } as never);
    for (let i = 0; i < COMPILED_DOCUMENTS + 50; i++) {
      const document = parse(`{ me { email a${i}: name } }`);
      const result = await executor!({ document, operation: getOperationAST(document), request: {}, context: await adminContext() } as never);
      expect(result.errors).toBeUndefined();
    }
    expect(compiledDocuments()).toBe(COMPILED_DOCUMENTS);
  });

  it('is protected from the one alias an object literal mistakes for a prototype', () => {
    const refused = validate(schema, parse('{ me { __proto__: email } }'), [noProtoAliasRule]);
    expect(refused.map((e) => e.message)).toEqual(['The alias "__proto__" is not allowed.']);
    expect(validate(schema, parse('{ me { proto: email constructor: name } }'), [noProtoAliasRule])).toEqual([]);
  });
});
