/**
 * The same mutation sent several times at once (two admins, a double click, an agent adding a CC
 * the ingest is creating) must answer each call as it would have a moment later: one queue,
 * agent, rule or category and "already exists" for the rest; a CC or watcher added once and "ok"
 * (already there) for the rest. Each call used to be a check and then an insert, so all but one
 * failed on the unique index as INTERNAL_SERVER_ERROR. db/transaction.ts now runs a transaction
 * that lost such a race again, where its check finds the winner's row.
 *
 * Commands on one ticket take turns (ticketToWork locks its row): closing it eight times at once
 * closes it once, and agents assigning it to themselves at once leave a history in which each
 * change starts from the one before. Before, each read the ticket as it was before any of them.
 * A customer's reply takes its turn the same way, and so do two messages naming one upload.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gql, type GraphQLResponse } from '../../harness/graphql-client.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { upload } from '../../harness/upload.js';

const AT_ONCE = 8;

let gw: TestApp;
let ticketNumber: number;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', GRAPHQL_RATE_LIMIT: '100000' });
  ticketNumber = (await newTicket('Shared printer')).number;
});
afterAll(async () => {
  await gw?.stop();
});

/** Sends the same call AT_ONCE times at once; fails on any internal error. */
async function atOnce(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse[]> {
  const responses = await Promise.all(Array.from({ length: AT_ONCE }, () => gql(gw.url, gw.adminToken, query, variables)));
  const internal = responses.filter((r) => r.status >= 500 || r.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'));
  expect(internal.map((r) => JSON.stringify(r.errors))).toEqual([]);
  return responses;
}

/** A new ticket through the pipeline: its number and queue. */
async function newTicket(subject: string, from?: string): Promise<{ number: number; queue: string }> {
  const h = await createIngestHarness({}, gw.databaseUrl);
  try {
    const outcome = await h.ingest(await buildMail({ subject, from, text: 'Please help.' }));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    const [row] = await queryDatabase<{ name: string }>(gw.databaseUrl, `select q.name from ticket t join queue q on q.id = t.queue_id where t.number = $1`, [outcome.ticketNumber]);
    return { number: outcome.ticketNumber, queue: row!.name };
  } finally {
    await h.close();
  }
}

const count = async (sql: string, params: unknown[]) => Number((await queryDatabase<{ n: string }>(gw.databaseUrl, sql, params))[0]!.n);

/** Calls answered with a userError (or BAD_USER_INPUT error) saying the thing already exists. */
function alreadyExists(responses: GraphQLResponse[], field: string): number {
  return responses.filter((r) => /already (exists|an agent)|another queue already/.test(JSON.stringify(r.errors ?? (r.data as Record<string, { userErrors?: unknown }>)[field]?.userErrors ?? ''))).length;
}

describe(`the same mutation ${AT_ONCE} times at once`, () => {
  it('createQueue: one queue, "already exists" for the others', async () => {
    const responses = await atOnce(`mutation($n: String!) { createQueue(input: { name: $n, emailAddress: "racing@example.com" }) { queue { name } userErrors { field message } } }`, { n: 'Racing' });
    expect(await count(`select count(*) as n from queue where name = $1`, ['Racing'])).toBe(1);
    expect(alreadyExists(responses, 'createQueue')).toBe(AT_ONCE - 1);
  });

  it('createAgent: one agent, "already an agent" for the others', async () => {
    const responses = await atOnce(`mutation { createAgent(input: { email: "racer@example.com", role: AGENT }) { agent { email } userErrors { field message } } }`, {});
    expect(await count(`select count(*) as n from person where email = $1 and role is not null`, ['racer@example.com'])).toBe(1);
    expect(alreadyExists(responses, 'createAgent')).toBe(AT_ONCE - 1);
    expect(await count(`select count(*) as n from ticket_event where kind = 'agent-created' and to_value = $1`, ['racer@example.com'])).toBe(1);
  });

  it('createRule and createCategory: one each, "already exists" for the others', async () => {
    const rules = await atOnce(`mutation { createRule(input: { name: "Racing rule", conditions: { field: "subject", operator: "contains", value: "race" }, actions: [{ setPriority: "HIGH" }] }) { name } }`, {});
    expect(await count(`select count(*) as n from rule where name = $1`, ['Racing rule'])).toBe(1);
    expect(alreadyExists(rules, 'createRule')).toBe(AT_ONCE - 1);
    const categories = await atOnce(`mutation { createCategory(input: { name: "Racing category" }) { name } }`, {});
    expect(await count(`select count(*) as n from category where name = $1`, ['Racing category'])).toBe(1);
    expect(alreadyExists(categories, 'createCategory')).toBe(AT_ONCE - 1);
  });

  it('createOrganization of different names claiming one domain: one gets it, the others are told whose it is', async () => {
    const query = `mutation($n: String!) { createOrganization(input: { name: $n, domains: ["racing.example"] }) { name } }`;
    const responses = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => gql(gw.url, gw.adminToken, query, { n: `Racer ${i}` })));
    expect(await count(`select count(*) as n from organization where 'racing.example' = any(domains)`, [])).toBe(1);
    expect(responses.filter((r) => /racing\.example belongs to "Racer \d"/.test(r.errors?.[0]?.message ?? '')).length).toBe(AT_ONCE - 1);
  });

  it('closeTicket: closed once, "already closed" for the others', async () => {
    const { number } = await newTicket('Close me once');
    const responses = await atOnce(`mutation($n: Int!) { closeTicket(number: $n) { ticket { status } userErrors { message } } }`, { n: number });
    const closed = responses.filter((r) => (r.data as { closeTicket: { ticket: unknown } }).closeTicket.ticket !== null);
    expect(closed).toHaveLength(1);
    expect(responses.filter((r) => /already closed/.test(JSON.stringify(r.data)))).toHaveLength(AT_ONCE - 1);
    expect(await count(`select count(*) as n from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'status'`, [number])).toBe(1);
  });

  it('assignToMe by two agents at once: every change in the history starts where the one before ended', async () => {
    const { number, queue } = await newTicket('Who takes it?');
    const tokens: string[] = [];
    for (const email of ['first.taker@example.com', 'second.taker@example.com']) {
      await gql(gw.url, gw.adminToken, `mutation($e: String!, $q: String!) { createAgent(input: { email: $e, role: AGENT }) { agent { email } } addQueueAgent(queue: $q, email: $e) { queue { name } } }`, { e: email, q: queue });
      const created = await gql<{ createApiToken: { secret: string } }>(gw.url, gw.adminToken, `mutation($e: String!) { createApiToken(input: { email: $e }) { secret } }`, { e: email });
      tokens.push(created.data!.createApiToken.secret);
    }
    const query = `mutation($n: Int!) { assignToMe(number: $n) { ticket { assignee { email } } userErrors { message } } }`;
    const responses = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => gql(gw.url, tokens[i % 2]!, query, { n: number })));
    expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
    const events = await queryDatabase<{ from_value: string | null; to_value: string }>(
      gw.databaseUrl,
      `select e.from_value, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'assignee' order by e.id`,
      [number],
    );
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]!.from_value).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i]!.from_value, `event ${i + 1} of ${events.length}`).toBe(events[i - 1]!.to_value);
    const [ticket] = await queryDatabase<{ email: string }>(gw.databaseUrl, `select p.email from ticket t join person p on p.id = t.assignee_id where t.number = $1`, [number]);
    expect(ticket!.email).toBe(events.at(-1)!.to_value);
  });

  it('createCategory at one place: each category gets a place of its own', async () => {
    const responses = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) => gql(gw.url, gw.adminToken, `mutation($n: String!) { createCategory(input: { name: $n, position: 0 }) { name } }`, { n: `First ${i}` })),
    );
    expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
    const positions = (await queryDatabase<{ position: number }>(gw.databaseUrl, `select position from category order by position`)).map((r) => r.position);
    expect(positions).toEqual(positions.map((_, i) => i));
  });

  it('addTicketCc of a new person and addTicketWatcher: added once, every call answered with the ticket', async () => {
    for (const [mutation, email, table, kind] of [
      ['addTicketCc', 'new.colleague@example.org', 'ticket_cc', 'cc-added'],
      ['addTicketWatcher', 'admin@postdesk.invalid', 'ticket_watcher', 'watcher-added'],
    ] as const) {
      const responses = await atOnce(`mutation($n: Int!, $e: String!) { ${mutation}(number: $n, email: $e) { ticket { number } userErrors { message } } }`, { n: ticketNumber, e: email });
      for (const r of responses) expect((r.data as Record<string, { ticket: { number: number } | null }>)[mutation]!.ticket?.number, mutation).toBe(ticketNumber);
      expect(await count(`select count(*) as n from ${table} x join person p on p.id = x.person_id where p.email = $1`, [email])).toBe(1);
      expect(await count(`select count(*) as n from ticket_event where kind = $1 and to_value = $2`, [kind, email])).toBe(1);
    }
  });
});

describe('a customer reply while the ticket is being changed', () => {
  it('waits for the change and moves the ticket from the status it now has', async () => {
    // Deterministic: another transaction holds the ticket's row while it closes the ticket (as an
    // agent's command does). The reply's ingest must wait for it and then see CLOSED (a reply
    // with new text reopens: CLOSED → OPEN). Without the lock it read WAITING_FOR_CUSTOMER first,
    // waited only when it wrote, and recorded WAITING_FOR_CUSTOMER → OPEN over the close.
    const { number } = await newTicket('Back and forth');
    await gql(gw.url, gw.adminToken, `mutation($n: Int!) { updateTicket(number: $n, input: { status: WAITING_FOR_CUSTOMER }) { userErrors { message } } }`, { n: number });
    const agent = new pg.Client({ connectionString: gw.databaseUrl });
    await agent.connect();
    const h = await createIngestHarness({}, gw.databaseUrl);
    try {
      await agent.query('begin');
      await agent.query(`select id from ticket where number = $1 for update`, [number]);
      await agent.query(`update ticket set status = 'CLOSED', closed_at = now(), updated_at = now() where number = $1`, [number]);
      const reply = h.ingest(await buildMail({ subject: `Re: [#${number}] Back and forth`, text: 'Here is what you asked for.' }));
      await eventually(async () => (await count(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`, [])) > 0, 'the ingest waiting for the row');
      await agent.query('commit');
      expect((await reply).kind).toBe('comment');
    } finally {
      await agent.end();
      await h.close();
    }
    const events = await queryDatabase<{ kind: string; from_value: string; to_value: string }>(
      gw.databaseUrl,
      `select e.kind, e.from_value, e.to_value from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind in ('status', 'reopened') order by e.id`,
      [number],
    );
    expect(events.at(-1)).toEqual({ kind: 'reopened', from_value: 'CLOSED', to_value: 'OPEN' });
  });
});

describe('a category deleted while a ticket is being given it', () => {
  it('answers "no category" once the deletion commits, not an internal error', async () => {
    // Deterministic: another transaction has deleted the category but not committed. updateTicket
    // still reads it, then waits on the foreign key when it writes; the deletion commits and the
    // key is gone. That failed as INTERNAL_SERVER_ERROR; the transaction now runs again and its
    // lookup finds no such category.
    const { number } = await newTicket('Which category?');
    await gql(gw.url, gw.adminToken, `mutation { createCategory(input: { name: "Doomed" }) { name } }`);
    const admin = new pg.Client({ connectionString: gw.databaseUrl });
    await admin.connect();
    try {
      await admin.query('begin');
      await admin.query(`delete from category where name = 'Doomed'`);
      const update = gql<{ updateTicket: { userErrors: { field: string[]; message: string }[] } }>(
        gw.url,
        gw.adminToken,
        `mutation($n: Int!) { updateTicket(number: $n, input: { category: "Doomed" }) { ticket { category } userErrors { field message } } }`,
        { n: number },
      );
      await eventually(async () => (await count(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`, [])) > 0, 'updateTicket waiting on the category');
      await admin.query('commit');
      const response = await update;
      expect(response.errors).toBeUndefined();
      expect(response.data!.updateTicket.userErrors.map((e) => e.field.join('.'))).toEqual(['input.category']);
    } finally {
      await admin.end();
    }
  });
});

/**
 * Two mutations (by default the same one twice) while another session holds the row they change:
 * both calls read and wait before either writes, and then go one after the other (deterministic,
 * unlike calls merely sent at once). Both must answer without an error.
 */
async function twiceWhileRowHeld(lockRow: string, params: unknown[], mutation: string, second = mutation): Promise<GraphQLResponse[]> {
  const holder = new pg.Client({ connectionString: gw.databaseUrl });
  await holder.connect();
  try {
    await holder.query('begin');
    await holder.query(lockRow, params);
    const calls = [gql(gw.url, gw.adminToken, mutation), gql(gw.url, gw.adminToken, second)];
    await eventually(async () => (await count(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`, [])) === 2, 'both calls waiting');
    await holder.query('commit');
    const responses = await Promise.all(calls);
    expect(responses.map((r) => r.errors)).toEqual([undefined, undefined]);
    return responses;
  } finally {
    await holder.end();
  }
}

describe('two changes to one agent at once', () => {
  const COLLEAGUE = 'future-colleague@example.com';
  const holdPerson = `select id from person where email = $1 for update`;

  it('createAgent for a known customer: made staff once, the second call answers "already an agent"', async () => {
    // Without the row lock in createAgent both calls saw no role, both set it, and both answered
    // with the agent (two agent-created events; seen once in CI).
    await newTicket('From a future colleague', COLLEAGUE);
    const responses = await twiceWhileRowHeld(holdPerson, [COLLEAGUE], `mutation { createAgent(input: { email: "${COLLEAGUE}", role: AGENT }) { agent { email } userErrors { field message } } }`);
    expect(alreadyExists(responses, 'createAgent')).toBe(1);
    expect(await count(`select count(*) as n from ticket_event where kind = 'agent-created' and to_value = $1`, [COLLEAGUE])).toBe(1);
  });

  it('updateAgent twice: one role change in the history, from what it replaced', async () => {
    // The agent the test above made.
    await twiceWhileRowHeld(holdPerson, [COLLEAGUE], `mutation { updateAgent(email: "${COLLEAGUE}", input: { role: ADMIN }) { agent { role } userErrors { message } } }`);
    const events = await queryDatabase<{ from_value: string; to_value: string }>(gw.databaseUrl, `select from_value, to_value from ticket_event where kind = 'agent-role' and detail->>'agent' = $1`, [COLLEAGUE]);
    expect(events).toEqual([{ from_value: 'AGENT', to_value: 'ADMIN' }]);
  });
});

describe('two changes to one queue at once', () => {
  it('updateQueue twice: one keyword change in the history', async () => {
    await gql(gw.url, gw.adminToken, `mutation { createQueue(input: { name: "Held", keywords: ["old"] }) { userErrors { message } } }`);
    await twiceWhileRowHeld(`select id from queue where name = $1 for update`, ['Held'], `mutation { updateQueue(name: "Held", input: { keywords: ["new"] }) { queue { keywords } userErrors { message } } }`);
    const events = await queryDatabase<{ kind: string }>(gw.databaseUrl, `select kind from ticket_event where kind like 'queue-%' and detail->>'queue' = $1`, ['Held']);
    expect(events).toEqual([{ kind: 'queue-keywords' }]);
  });
});

describe('one upload named by two messages at once', () => {
  it('one message carries the file; the other is told the upload is gone and writes nothing', async () => {
    // Two tickets, so the ticket row lock does not already make the calls take turns. Without the
    // upload's row lock both passed their check, both wrote a message, and the second went out
    // without its file while answering as if it carried it.
    const first = (await newTicket('Statement wanted')).number;
    const second = (await newTicket('Statement wanted too')).number;
    const sent = await upload(gw.url, gw.adminToken, 'statement.txt', 'balance: 0.00\n');
    expect(sent.status).toBe(201);
    const replyTo = (n: number) => `mutation { replyToTicket(number: ${n}, body: "The statement.", attachments: ["${sent.body.id}"]) { ticket { number } userErrors { field message } } }`;
    const responses = await twiceWhileRowHeld(`select id from upload where id = $1 for update`, [Number(sent.body.id)], replyTo(first), replyTo(second));
    const userErrors = responses.map((r) => (r.data as { replyToTicket: { userErrors: { field: string[] }[] } }).replyToTicket.userErrors.map((e) => e.field.join('.')));
    expect(userErrors.sort()).toEqual([[], ['attachments.0']]);
    expect(await count(`select count(*) as n from attachment where filename = $1`, ['statement.txt'])).toBe(1);
    expect(await count(`select count(*) as n from message m join ticket t on t.id = m.ticket_id where t.number = any($1) and m.direction = 'OUTBOUND'`, [[first, second]])).toBe(1);
  });
});
