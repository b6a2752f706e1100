/**
 * TESTPLAN S17: error leakage in production mode. A gateway with NODE_ENV=production gets over a
 * hundred malformed or invalid requests (syntax errors, unknown fields and arguments, wrong
 * argument types, bad variables, invalid enum values, deep nesting, huge numbers, broken
 * fragments and operations, bodies that are not GraphQL at all) and a series of real internal
 * failures (the table a resolver, the authentication or a mutation reads is renamed away for one
 * request). No response may carry a stack trace, SQL, a file path or a "did you mean" hint; each
 * internal failure is a generic INTERNAL_SERVER_ERROR while the log keeps the detail.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { leaks } from '../../harness/leaks.js';
import { buildMail } from '../../harness/mail.js';

let production: TestApp;
let h: IngestHarness;
let ticketNumber: number;

beforeAll(async () => {
  // The test database runs without fsync; production mode would refuse it otherwise.
  production = await startTestApp({ NODE_ENV: 'production', REQUIRE_DURABLE_DATABASE: 'false', SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, production.databaseUrl);
  const outcome = await h.ingest(await buildMail({ subject: 'Printer on fire', text: 'It smokes.' }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  ticketNumber = outcome.ticketNumber;
});
afterAll(async () => {
  await h?.close();
  await production?.stop();
});

interface Raw {
  status: number;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
}

async function send(init: { body?: string; contentType?: string; method?: string; path?: string; token?: string | null }): Promise<Raw> {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
  const token = init.token === undefined ? production.adminToken : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.method === 'GET') headers['apollo-require-preflight'] = 'true';
  const response = await fetch(`${production.url}${init.path ?? '/graphql'}`, { method: init.method ?? 'POST', headers, body: init.body });
  const text = await response.text();
  let body: Raw['body'] = null;
  try {
    body = JSON.parse(text) as Raw['body'];
  } catch {
    body = null;
  }
  return { status: response.status, text, body };
}

const query = (q: string, variables?: unknown, operationName?: string) => send({ body: JSON.stringify({ query: q, variables, operationName }) });

/** Malformed or invalid documents: each must be refused with an error and leak nothing. */
const DOCUMENTS: { name: string; query: string; variables?: unknown; operationName?: string }[] = [];
const add = (name: string, q: string, variables?: unknown, operationName?: string) => DOCUMENTS.push({ name, query: q, variables, operationName });

// 1. Syntax errors.
for (const [i, q] of [
  '{ queues { name ',
  '{ queues { name } ',
  '{ queues { name } } }',
  '{',
  '}',
  '',
  '   ',
  'query',
  'query {',
  'mutation',
  '{ queues( { name } }',
  '{ queues { name, , } ',
  '{ ticket(number: ) { id } }',
  '{ ticket(number 1) { id } }',
  '{ ticket(number: 1 { id } }',
  '{ tickets(filter: { search: "unterminated }) { totalCount } }',
  '{ tickets(filter: { search: """never closed }) { totalCount } }',
  '{ ticket(number: 0x1F) { id } }',
  '{ ticket(number: 1.2.3) { id } }',
  '{ ticket(number: 01) { id } }',
  '{ ticket(number: -) { id } }',
  '{ tickets(filter: { search: "bad \\u12 escape" }) { totalCount } }',
  '{ queues { na#me } }',
  '{ queues { name } } garbage',
  'query Q($: Int) { queues { name } }',
  'query Q($n Int) { queues { name } }',
  'fragment on Queue { name } { queues { ...F } }',
  '{ queues @ { name } }',
  '{ queues { ... } }',
  '<script>alert(1)</script>',
  'SELECT * FROM ticket',
  "{ ticket(number: 1) { subject } } ' OR 1=1 --",
  '\u0000{ queues { name } }',
  '{ queues { name } }\u0007',
] .entries()) add(`syntax ${i}`, q);

// 2. Unknown fields (each one close to a real name, so graphql-js would suggest it).
for (const [i, q] of [
  '{ queuez { name } }',
  '{ queues { nme } }',
  '{ queues { keyword } }',
  '{ ticket(number: 1) { subjet } }',
  '{ ticket(number: 1) { mesages { id } } }',
  '{ ticket(number: 1) { messages { bodyHTML } } }',
  '{ ticket(number: 1) { requester { mail } } }',
  '{ tickets { edge { node { id } } } }',
  '{ tickets { edges { nodes { id } } } }',
  '{ tickets { pageinfo { endCursor } } }',
  '{ tikets { totalCount } }',
  '{ agent { email } }',
  '{ ticketCount { total } }',
  'mutation { createQeue(input: { name: "x" }) { userErrors { message } } }',
  'mutation { replyTicket(number: 1, body: "x") { userErrors { message } } }',
  'mutation { updateTicket(number: 1, input: {}) { tiket { id } } }',
  '{ __schema { types { name } } }',
  '{ __type(name: "Ticket") { fields { name } } }',
] .entries()) add(`unknown field ${i}`, q);

// 3. Unknown or missing arguments.
for (const [i, q] of [
  '{ ticket(numbr: 1) { id } }',
  '{ ticket { id } }',
  '{ tickets(frist: 5) { totalCount } }',
  '{ tickets(filter: { serch: "x" }) { totalCount } }',
  '{ tickets(filter: { stauts: [OPEN] }) { totalCount } }',
  '{ tickets(orderBy: { feild: CREATED_AT, direction: ASC }) { totalCount } }',
  '{ tickets(orderBy: { field: CREATED_AT }) { totalCount } }',
  'mutation { createQueue(input: { nam: "x" }) { userErrors { message } } }',
  'mutation { createQueue { userErrors { message } } }',
  'mutation { replyToTicket(number: 1) { userErrors { message } } }',
  '{ queues(first: 1) { name } }',
  '{ ticket(number: 1, number: 2) { id } }',
] .entries()) add(`argument ${i}`, q);

// 4. Wrong argument types.
for (const [i, q] of [
  '{ ticket(number: "1") { id } }',
  '{ ticket(number: 1.5) { id } }',
  '{ ticket(number: true) { id } }',
  '{ ticket(number: null) { id } }',
  '{ ticket(number: [1]) { id } }',
  '{ ticket(number: { n: 1 }) { id } }',
  '{ tickets(first: "x") { totalCount } }',
  '{ tickets(after: 12) { totalCount } }',
  '{ tickets(filter: "OPEN") { totalCount } }',
  '{ tickets(filter: { search: 42 }) { totalCount } }',
  '{ tickets(filter: { queue: ["a", "b"] }) { totalCount } }',
  'mutation { createQueue(input: { name: 5 }) { userErrors { message } } }',
  'mutation { createQueue(input: { name: "x", keywords: [1, 2] }) { userErrors { message } } }',
  'mutation { setRuleEnabled(name: "x", enabled: "yes") { name } }',
  'mutation { retryQuarantinedMessage(id: 1.5) { userErrors { message } } }',
] .entries()) add(`argument type ${i}`, q);

// 5. Invalid enum values.
for (const [i, q] of [
  '{ tickets(filter: { status: [OPENN] }) { totalCount } }',
  '{ tickets(filter: { status: ["OPEN"] }) { totalCount } }',
  '{ tickets(filter: { status: [open] }) { totalCount } }',
  '{ tickets(filter: { priority: HIGHEST }) { totalCount } }',
  '{ tickets(filter: { type: INCIDENTS }) { totalCount } }',
  '{ tickets(orderBy: { field: CREATED, direction: ASC }) { totalCount } }',
  '{ tickets(orderBy: { field: CREATED_AT, direction: UP }) { totalCount } }',
  'mutation { updateTicket(number: 1, input: { status: DONE }) { userErrors { message } } }',
  'mutation { createAgent(input: { email: "a@example.com", role: ADMINS }) { userErrors { message } } }',
  'mutation { createAgent(input: { email: "a@example.com", role: true }) { userErrors { message } } }',
] .entries()) add(`enum ${i}`, q);

// 6. Bad variables.
add('variable undeclared', '{ ticket(number: $n) { id } }', { n: 1 });
add('variable unused', 'query($n: Int) { queues { name } }', { n: 1 });
add('variable unknown type', 'query($n: Integer) { ticket(number: $n) { id } }', { n: 1 });
add('variable type misspelt', 'query($f: TicketFiltr) { tickets(filter: $f) { totalCount } }', { f: {} });
add('variable wrong type', 'query($n: String!) { ticket(number: $n) { id } }', { n: '1' });
add('variable nullable into non-null', 'query($n: Int) { ticket(number: $n) { id } }', { n: 1 });
add('variable missing', 'query($n: Int!) { ticket(number: $n) { id } }', {});
add('variable null', 'query($n: Int!) { ticket(number: $n) { id } }', { n: null });
add('variable string for int', 'query($n: Int!) { ticket(number: $n) { id } }', { n: 'one' });
add('variable float for int', 'query($n: Int!) { ticket(number: $n) { id } }', { n: 1.5 });
add('variable object for int', 'query($n: Int!) { ticket(number: $n) { id } }', { n: { $gt: 0 } });
add('variable array for int', 'query($n: Int!) { ticket(number: $n) { id } }', { n: [1] });
add('variable huge int', 'query($n: Int!) { ticket(number: $n) { id } }', { n: 2 ** 53 });
add('variable input unknown field', 'query($f: TicketFilter) { tickets(filter: $f) { totalCount } }', { f: { serch: 'x' } });
add('variable input bad enum', 'query($f: TicketFilter) { tickets(filter: $f) { totalCount } }', { f: { status: ['OPENN'] } });
add('variable input wrong type', 'query($f: TicketFilter) { tickets(filter: $f) { totalCount } }', { f: { search: { $ne: '' } } });
add('variable list for input', 'query($f: TicketFilter) { tickets(filter: $f) { totalCount } }', { f: [] });
add('variable duplicated', 'query($n: Int!, $n: Int!) { ticket(number: $n) { id } }', { n: 1 });
add('variable in default position', 'query($n: Int = $m) { ticket(number: $n) { id } }', { n: 1 });
add('variables not an object', 'query($n: Int!) { ticket(number: $n) { id } }', 'n=1');
add('variables a list', 'query($n: Int!) { ticket(number: $n) { id } }', [1]);
add('variable mutation input missing', 'mutation($i: CreateQueueInput!) { createQueue(input: $i) { userErrors { message } } }', { i: {} });
add('variable mutation input bad keyword', 'mutation($i: CreateQueueInput!) { createQueue(input: $i) { userErrors { message } } }', { i: { name: 'x', keywords: { invoice: true } } });

// 7. Huge and out-of-range numbers.
add('huge int literal', '{ ticket(number: 99999999999) { id } }');
add('huge int literal 2', '{ ticket(number: 1e100) { id } }');
add('huge first', '{ tickets(first: 2147483648) { totalCount } }');
add('first too large', '{ tickets(first: 101) { totalCount } }');
add('first negative', '{ tickets(first: -1) { totalCount } }');
add('garbage cursor', '{ tickets(after: "not-a-cursor") { totalCount } }');
add('cursor of another list', '{ tickets(after: "eyJ0IjoiMjAyNi0wMS0wMSIsImlkIjoxfQ==") { totalCount } }');
add('int below 32 bits', '{ ticket(number: -2147483649) { id } }');

// 8. Deep nesting and selection sets.
// The schema has no cycle deeper than the depth limit, so deep documents name made-up fields.
const deep = (n: number, field: string) => `{ ${`${field} { `.repeat(n)}id${' }'.repeat(n)} }`;
add('deep nesting 12 levels', deep(12, 'ticket'));
add('deep nesting 60 levels', deep(60, 'queue'));
add('deep nesting 600 levels', deep(600, 'a'));
add('deep nesting of real fields', '{ tickets { edges { node { queue { agents { email { x { y { z { w { v } } } } } } } } } } }');
add('selection on a scalar', '{ queues { name { length } } }');
add('missing selection set', '{ queues }');
add('missing selection set nested', '{ ticket(number: 1) { requester } }');
add('empty selection set', '{ queues { } }');

// 9. Fragments.
add('unknown fragment', '{ queues { ...Missing } }');
add('fragment on unknown type', '{ queues { ...F } } fragment F on Queu { name }');
add('fragment on wrong type', '{ queues { ...F } } fragment F on Ticket { subject }');
add('fragment cycle', '{ queues { ...A } } fragment A on Queue { ...B } fragment B on Queue { ...A }');
add('fragment unused', '{ queues { name } } fragment F on Queue { name }');
add('fragment duplicate', '{ queues { ...F } } fragment F on Queue { name } fragment F on Queue { id }');
add('inline fragment on unknown type', '{ queues { ... on Queu { name } } }');
add('conflicting fields', '{ queues { name: id name } }');

// 10. Operations.
add('two anonymous operations', '{ queues { name } } { me { email } }');
add('duplicate operation names', 'query A { queues { name } } query A { me { email } }');
add('operation name not found', 'query A { queues { name } }', undefined, 'B');
add('operation name missing', 'query A { queues { name } } query B { me { email } }');
add('subscription', 'subscription { queues { name } }');
add('unknown directive', '{ queues @cached { name } }');
add('directive without argument', '{ queues @skip { name } }');
add('directive in wrong place', 'query @include(if: true) { queues { name } }');
add('type definition', 'type Evil { x: Int } { queues { name } }');
add('schema extension', 'extend type Query { evil: Int } { queues { name } }');

/** Requests that are not a GraphQL request at all. */
const REQUESTS: { name: string; send: () => Promise<Raw> }[] = [
  { name: 'body not JSON', send: () => send({ body: '{ "query": ' }) },
  { name: 'body a JSON string', send: () => send({ body: '"{ queues { name } }"' }) },
  { name: 'body a number', send: () => send({ body: '42' }) },
  { name: 'body null', send: () => send({ body: 'null' }) },
  { name: 'body empty object', send: () => send({ body: '{}' }) },
  { name: 'query not a string', send: () => send({ body: JSON.stringify({ query: { kind: 'Document' } }) }) },
  { name: 'query a number', send: () => send({ body: JSON.stringify({ query: 7 }) }) },
  { name: 'operationName not a string', send: () => send({ body: JSON.stringify({ query: '{ queues { name } }', operationName: 5 }) }) },
  { name: 'extensions not an object', send: () => send({ body: JSON.stringify({ query: '{ queues { name } }', extensions: 'x' }) }) },
  { name: 'persisted query hash', send: () => send({ body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }) }) },
  { name: 'XML body', send: () => send({ body: '<query>{ queues { name } }</query>', contentType: 'application/xml' }) },
  { name: 'GET without query', send: () => send({ method: 'GET', contentType: 'application/json' }) },
  { name: 'GET with malformed query', send: () => send({ method: 'GET', path: `/graphql?query=${encodeURIComponent('{ queuez {')}` }) },
  { name: 'GET with bad variables', send: () => send({ method: 'GET', path: `/graphql?query=${encodeURIComponent('query($n: Int!) { ticket(number: $n) { id } }')}&variables=%7Bnot-json` }) },
];

describe('error leakage in production mode (S17)', () => {
  it(`leaks nothing for ${DOCUMENTS.length} malformed or invalid documents and ${REQUESTS.length} malformed requests`, async () => {
    expect(DOCUMENTS.length + REQUESTS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(DOCUMENTS.map((d) => `${d.query}\u0000${JSON.stringify(d.variables)}\u0000${d.operationName}`)).size).toBe(DOCUMENTS.length);
    const found: string[] = [];
    const codes = new Map<string, number>();
    const check = (name: string, response: Raw) => {
      const problems = leaks(response.text);
      if (problems.length) found.push(`${name}: ${problems.join(', ')} in ${response.text.slice(0, 300)}`);
      if (response.status >= 500) found.push(`${name}: HTTP ${response.status}`);
      const errors = response.body?.errors ?? [];
      // Fastify's own refusals (before GraphQL) are `{ error, message }`; everything else GraphQL errors.
      const code = errors[0]?.extensions?.code ?? (response.body as { error?: string } | null)?.error ?? `HTTP ${response.status}`;
      if (errors.length === 0 && response.status < 400) found.push(`${name}: accepted (${response.text.slice(0, 120)})`);
      codes.set(String(code), (codes.get(String(code)) ?? 0) + 1);
      // Bad input is the caller's problem: answering it as an internal failure would be a bug (and noise in the log).
      if (code === 'INTERNAL_SERVER_ERROR') found.push(`${name}: answered as an internal failure`);
    };
    for (const d of DOCUMENTS) check(d.name, await query(d.query, d.variables, d.operationName));
    for (const r of REQUESTS) check(r.name, await r.send());
    console.log(`[S17] ${DOCUMENTS.length + REQUESTS.length} malformed requests, answers by code: ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(found).toEqual([]);
  });

  it('answers real internal failures (tables gone under resolvers, authentication and a mutation) with a generic error; the log has the detail', async () => {
    const failures: { table: string; query: string; variables?: Record<string, unknown> }[] = [
      { table: 'queue', query: '{ queues { name } }' },
      { table: 'ticket', query: '{ tickets(first: 5) { totalCount edges { node { number } } } }' },
      { table: 'ticket', query: `{ ticket(number: ${ticketNumber}) { subject } }` },
      { table: 'ticket', query: '{ ticketCounts { total waitingForCustomer } }' },
      { table: 'message', query: `{ ticket(number: ${ticketNumber}) { messages { bodyText } } }` },
      { table: 'ticket_event', query: `{ ticket(number: ${ticketNumber}) { events { kind } } }` },
      { table: 'ticket_event', query: `mutation { updateTicket(number: ${ticketNumber}, input: { priority: HIGH }) { userErrors { message } } }` },
      { table: 'category', query: '{ categories { name } }' },
      { table: 'rule', query: '{ rules { name } }' },
      { table: 'quarantined_message', query: '{ quarantinedMessages { totalCount } }' },
      { table: 'person', query: `mutation { createAgent(input: { email: "new@example.com", role: AGENT }) { userErrors { message } } }` },
      // Authentication itself reads the token table: a failure there must not leak either.
      { table: 'api_token', query: '{ me { email } }' },
    ];
    const client = new pg.Client({ connectionString: production.databaseUrl });
    await client.connect();
    const found: string[] = [];
    try {
      for (const [i, f] of failures.entries()) {
        await client.query(`alter table ${f.table} rename to ${f.table}_away`);
        let response: Raw;
        try {
          response = await query(f.query, f.variables);
        } finally {
          await client.query(`alter table ${f.table}_away rename to ${f.table}`);
        }
        const problems = leaks(response.text);
        if (problems.length) found.push(`#${i} ${f.table}: ${problems.join(', ')} in ${response.text.slice(0, 300)}`);
        if (/_away/.test(response.text)) found.push(`#${i} ${f.table}: names the table`);
        const error = response.body?.errors?.[0];
        if (error?.extensions?.code !== 'INTERNAL_SERVER_ERROR' || !/^(Internal server error|Context creation failed: Internal server error)$/.test(error.message)) {
          found.push(`#${i} ${f.table}: ${response.text.slice(0, 200)}`);
        }
      }
    } finally {
      await client.end();
    }
    expect(found).toEqual([]);
    // The operator still learns what happened.
    const log = production.logLines().join('\n');
    for (const table of new Set(failures.map((f) => f.table))) expect(log, table).toMatch(new RegExp(`relation \\\\?"${table}\\\\?" does not exist`));
    // And the gateway still works afterwards.
    const after = await query('{ queues { name } }');
    expect(after.body?.errors).toBeUndefined();
  });
});
