/**
 * Fuzzing of the GraphQL API and the attachment URL (issue 5 items 2 and 8; TESTPLAN S14 and S17
 * at scale), a run for the night, not for CI:
 *
 *   npm run fuzz:api                 (FUZZ_SECONDS=600 by default)
 *
 * The built gateway runs as a child process with NODE_ENV=production and `npm start`'s flags on the
 * project's embedded PostgreSQL, seeded in SQL with a small help desk (bench/lib/seed-tickets.ts)
 * plus a few messages through `postdesk ingest` (one of them quarantined). Each request calls one
 * root field of schema.graphql, chosen at random, with arguments generated from their types
 * (bench/lib/api-fuzz-values.ts: mostly the seeded names, addresses, numbers, ids and the cursors
 * the API handed out, mixed with hostile values), passed as variables or written into the document,
 * and a random selection of the result up to four levels deep. It goes out as the admin, as an
 * agent who works some of the queues, without a token or with a made-up one; one request in twelve
 * downloads an attachment instead.
 *
 * Every answer must be JSON with an HTTP status below 500, carry no INTERNAL_SERVER_ERROR and no
 * code outside the catalogue, leak nothing in its errors (test/harness/leaks.ts), come within
 * FUZZ_SLOW_MS (5 s), and, for the agent, hold no ticket, message, attachment or event of a queue
 * the agent does not work at that moment (checked in SQL after each answer: the admin's calls
 * change who works where as the run goes). At the end the gateway must still be ready, and its log
 * must hold no error line. The admin and the agent are given back their role, their queues and
 * their tokens after each admin mutation (the fuzzer may well demote or revoke them).
 *
 * Failing requests are written to FUZZ_OUT (a temp folder by default, kept) as JSON; FUZZ_SEED
 * reproduces a run; FUZZ_REPLAY=<file or folder> sends kept requests again after a fix.
 * FUZZ_CONCURRENCY=<n> (default 1) keeps n requests in flight, to try races between mutations too.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import pg from 'pg';
import { leaks } from '../test/harness/leaks.js';
import { HOSTILE_STRINGS, ValueMaker, type KnownValues } from './lib/api-fuzz-values.js';
import { GATEWAY_MAIN, startGateway, type Gateway } from './lib/gateway.js';
import { gql } from './lib/graphql.js';
import { prng } from './lib/mail.js';
import { section } from './lib/phases.js';
import { startBenchPostgres } from './lib/postgres.js';
import { Report } from './lib/report.js';
import { readProcMemory, RssSampler } from './lib/rss.js';
import { seedTickets } from './lib/seed-tickets.js';
import { fmt, fmtMiB, fmtMs, summarize } from './lib/stats.js';
import { Cleanup, now, removeDir, ROOT, tempDir } from './lib/util.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31));
const SLOW_MS = Number(process.env.FUZZ_SLOW_MS ?? 5_000);
const OUT = process.env.FUZZ_OUT ?? tempDir('postdesk-fuzz-api-');
const REPLAY = process.env.FUZZ_REPLAY ?? null;
/**
 * Requests in flight at once. With more than one, races between mutations are tried too, but an
 * answer to the agent can no longer be checked against their queues (an admin call running
 * beside it may move a ticket or the agent), so that check is off.
 */
const CONCURRENCY = Math.max(1, Number(process.env.FUZZ_CONCURRENCY ?? 1));
const TIMEOUT_MS = 30_000;
const MAX_SELECTION_DEPTH = 4;
const REFRESH_EVERY = 200;
const STATUS_EVERY_MS = 30_000;
/** Kept per kind of failure (field and first problem); the count goes on. */
const KEEP_PER_KIND = 5;

/** Codes a client may see (README's error table and graphql-js/Apollo's own). */
const CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

type Role = 'admin' | 'agent' | 'none' | 'bogus';

type Call =
  | { readonly role: Role; readonly kind: 'graphql'; readonly field: string; readonly query: string; readonly variables: Record<string, unknown> }
  | { readonly role: Role; readonly kind: 'download'; readonly field: 'attachment URL'; readonly path: string };

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
}

interface Principals {
  readonly adminToken: string;
  readonly adminPersonId: number;
  readonly agentToken: string;
  readonly agentPersonId: number;
  /** The queues the agent works at the start (given back after each admin mutation). */
  readonly agentQueueIds: number[];
}

const report = new Report();
const cleanup = new Cleanup();

/** A GraphQL literal for `value` of `type`, or null when it has none (then it goes as a variable). */
function literal(value: unknown, type: GraphQLInputType): string | null {
  if (value === null) return 'null';
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (isListType(type)) {
    if (!Array.isArray(value)) return null;
    const items = value.map((v) => literal(v, type.ofType));
    return items.includes(null) ? null : `[${items.join(', ')}]`;
  }
  if (isEnumType(type)) return typeof value === 'string' && /^[_A-Za-z]\w*$/.test(value) ? value : null;
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => (fields[k] ? literal(v, fields[k].type) : null));
    return parts.includes(null) ? null : `{ ${Object.keys(value as object).map((k, i) => `${k}: ${parts[i]}`).join(', ')} }`;
  }
  if (isScalarType(type) && type.name === 'JSON') return jsonLiteral(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  return null;
}

function jsonLiteral(value: unknown): string | null {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value.map(jsonLiteral);
    return items.includes(null) ? null : `[${items.join(', ')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([k]) => !/^[_A-Za-z]\w*$/.test(k))) return null;
  const parts = entries.map(([, v]) => jsonLiteral(v));
  return parts.includes(null) ? null : `{ ${entries.map(([k], i) => `${k}: ${parts[i]}`).join(', ')} }`;
}

/** One operation: arguments as variables (or now and then literals) and a random selection. */
class OperationBuilder {
  private readonly declarations: string[] = [];
  private readonly variables: Record<string, unknown> = {};

  constructor(private readonly values: ValueMaker) {}

  private args(field: GraphQLField<unknown, unknown>): string {
    const parts: string[] = [];
    for (const arg of field.args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!required && !this.values.chance(0.5)) continue;
      const value = this.values.value(arg.type, arg.name);
      const inline = this.values.chance(0.15) ? literal(value, arg.type) : null;
      if (inline !== null) {
        parts.push(`${arg.name}: ${inline}`);
      } else {
        const name = `v${this.declarations.length + 1}`;
        this.declarations.push(`$${name}: ${String(arg.type)}`);
        this.variables[name] = value;
        parts.push(`${arg.name}: $${name}`);
      }
    }
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  private selection(type: GraphQLOutputType, depth: number): string {
    const named = getNamedType(type);
    if (!isObjectType(named)) return '__typename';
    const parts = ['__typename'];
    for (const field of Object.values(named.getFields())) {
      const inner = getNamedType(field.type);
      const composite = isCompositeType(inner);
      // Ids and ticket numbers always: the agent's answers are checked by them.
      const always = field.name === 'id' || (named.name === 'Ticket' && field.name === 'number');
      if (!always && !this.values.chance(composite ? 0.45 : 0.35)) continue;
      if (composite && depth >= MAX_SELECTION_DEPTH) continue;
      parts.push(`${field.name}${this.args(field)}${composite ? ` { ${this.selection(field.type, depth + 1)} }` : ''}`);
    }
    return parts.join(' ');
  }

  build(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): { query: string; variables: Record<string, unknown> } {
    const args = this.args(field);
    const selection = isCompositeType(getNamedType(field.type)) ? ` { ${this.selection(field.type, 2)} }` : '';
    const declared = this.declarations.length ? `(${this.declarations.join(', ')})` : '';
    return { query: `${operation} Fuzz${declared} { ${field.name}${args}${selection} }`, variables: this.variables };
  }
}

/** Objects of a type anywhere in an answer. */
function objectsOf(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const item of value) objectsOf(item, found);
  else if (value && typeof value === 'object') {
    found.push(value as Record<string, unknown>);
    for (const item of Object.values(value)) objectsOf(item, found);
  }
  return found;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** What the agent saw: ticket numbers and the ids of messages, attachments and events. */
function agentSaw(data: unknown): { tickets: number[]; messages: number[]; attachments: number[]; events: number[] } {
  const seen = { tickets: [] as number[], messages: [] as number[], attachments: [] as number[], events: [] as number[] };
  for (const o of objectsOf(data)) {
    const id = Number(o.id);
    if (o.__typename === 'Ticket' && typeof o.number === 'number') seen.tickets.push(o.number);
    else if (o.__typename === 'Message' && Number.isInteger(id)) seen.messages.push(id);
    else if (o.__typename === 'Attachment' && Number.isInteger(id)) seen.attachments.push(id);
    else if (o.__typename === 'TicketEvent' && Number.isInteger(id)) seen.events.push(id);
  }
  return seen;
}

/** Ticket numbers among those seen whose queue the agent does not work right now. */
async function outsideAgentScope(db: pg.Pool, agentPersonId: number, seen: ReturnType<typeof agentSaw>): Promise<number[]> {
  if (!seen.tickets.length && !seen.messages.length && !seen.attachments.length && !seen.events.length) return [];
  const { rows } = await db.query<{ number: number }>(
    `select t.number from ticket t
      where (t.number = any($1::int[])
          or t.id in (select ticket_id from message where id = any($2::int[]))
          or t.id in (select m.ticket_id from attachment a join message m on m.id = a.message_id where a.id = any($3::int[]))
          or t.id in (select ticket_id from ticket_event where id = any($4::int[])))
        and (t.queue_id is null or t.queue_id not in (select queue_id from queue_agent where person_id = $5))`,
    [seen.tickets, seen.messages, seen.attachments, seen.events, agentPersonId],
  );
  return rows.map((r) => r.number);
}

/** The problems with one answer (empty: it is as it should be). */
async function check(call: Call, answer: Answer, db: pg.Pool, principals: Principals): Promise<string[]> {
  const problems: string[] = [];
  if (answer.status === 0) return [`no answer in ${TIMEOUT_MS / 1000} s`];
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`);
  if (answer.ms > SLOW_MS) problems.push(`slow: ${fmtMs(answer.ms)}`);
  const body = parseJson(answer.text) as { data?: unknown; errors?: { message?: string; extensions?: { code?: unknown } }[] } | null;
  if (body === null && (call.kind === 'graphql' || answer.status !== 200)) problems.push('answer is not JSON');
  if (call.kind === 'download') {
    if (call.role === 'agent' && answer.status === 200 && CONCURRENCY === 1) {
      const id = Number(decodeURIComponent(call.path.split('/').pop()!));
      const outside = await outsideAgentScope(db, principals.agentPersonId, { tickets: [], messages: [], attachments: [id], events: [] });
      if (outside.length) problems.push(`agent downloaded an attachment of ticket #${outside.join(', #')} outside their queues`);
    }
    if (body && answer.status !== 200) problems.push(...leaks(answer.text).map((l) => `leak in error: ${l}`));
    return problems;
  }
  for (const error of body?.errors ?? []) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : '(none)';
    if (code === 'INTERNAL_SERVER_ERROR') problems.push(`INTERNAL_SERVER_ERROR at ${call.field}`);
    else if (!CODES.has(code)) problems.push(`code ${code} not in the catalogue`);
  }
  if (body?.errors) problems.push(...leaks(JSON.stringify(body.errors)).map((l) => `leak in error: ${l}`));
  if (call.role === 'agent' && body?.data && CONCURRENCY === 1) {
    const outside = await outsideAgentScope(db, principals.agentPersonId, agentSaw(body.data));
    if (outside.length) problems.push(`agent saw ticket #${outside.slice(0, 5).join(', #')} outside their queues`);
  }
  return [...new Set(problems)];
}

/** The first error code of an answer, "data", or (downloads) the HTTP status: for the outcome counts. */
function outcomeOf(call: Call, answer: Answer): string {
  if (call.kind === 'download') return `download HTTP ${answer.status}`;
  try {
    const body = JSON.parse(answer.text) as { errors?: { extensions?: { code?: string; reason?: string } }[]; data?: unknown };
    const error = body.errors?.[0];
    if (error) return [error.extensions?.code ?? '(no code)', error.extensions?.reason].filter(Boolean).join('/');
    return body.data ? 'data' : `HTTP ${answer.status}`;
  } catch {
    return `HTTP ${answer.status} (not JSON)`;
  }
}

async function send(gateway: Gateway, call: Call, principals: Principals, random: () => number): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = call.role === 'admin' ? principals.adminToken : call.role === 'agent' ? principals.agentToken : call.role === 'bogus' ? `pd_${Math.floor(random() * 1e12).toString(36)}` : null;
  if (token) headers.authorization = `Bearer ${token}`;
  const started = now();
  try {
    const response =
      call.kind === 'graphql'
        ? await fetch(`${gateway.baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: call.query, variables: call.variables }), signal: AbortSignal.timeout(TIMEOUT_MS) })
        : await fetch(`${gateway.baseUrl}${call.path}`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await response.text();
    return { status: response.status, text, ms: now() - started };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 0, text: '', ms: now() - started };
    throw error;
  }
}

/** Gives the admin and the agent back their roles, activity, tokens and (the agent) queues. */
async function restorePrincipals(db: pg.Pool, p: Principals): Promise<void> {
  const people = [p.adminPersonId, p.agentPersonId];
  await db.query(`update person set role = case when id = $1 then 'ADMIN'::role else 'AGENT'::role end, active = true where id = any($2::int[])`, [p.adminPersonId, people]);
  await db.query(`update api_token set revoked_at = null where person_id = any($1::int[])`, [people]);
  await db.query(`delete from queue_agent where person_id = $1 and queue_id <> all($2::int[])`, [p.agentPersonId, p.agentQueueIds]);
  await db.query(`insert into queue_agent (queue_id, person_id) select q, $1 from unnest($2::int[]) q on conflict do nothing`, [p.agentPersonId, p.agentQueueIds]);
}

/** Names, addresses, numbers and ids as they are in the database now. */
async function refreshKnown(db: pg.Pool, known: KnownValues): Promise<void> {
  const column = async (sql: string) => (await db.query<{ v: string }>(sql)).rows.map((r) => r.v);
  known.queues = await column(`select name as v from queue`);
  known.categories = await column(`select name as v from category`);
  known.rules = await column(`select name as v from rule`);
  known.agentEmails = await column(`select email as v from person where role is not null order by random() limit 50`);
  known.customerEmails = await column(`select email as v from person where role is null order by random() limit 50`);
  known.ticketNumbers = (await column(`select number::text as v from ticket order by random() limit 200`)).map(Number);
  const ids = async (type: string, table: string) => known.ids.set(type, new Set(await column(`select id::text as v from ${table} order by random() limit 100`)));
  await ids('ApiToken', 'api_token');
  await ids('QuarantinedMessage', 'quarantined_message');
  await ids('Attachment', 'attachment');
  await ids('Message', 'message');
  await ids('Ticket', 'ticket');
}

/** A few messages through the pipe door: an ordinary one and one that ends in quarantine (a mail loop). */
function ingestExtras(databaseUrl: string): void {
  const received = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.example.net by mx.example.net; Sun, 29 Nov 2026 10:00:00 +0000\r\n`).join('');
  const messages = [
    `From: Fuzz Customer <fuzz.customer@example.org>\r\nTo: support@example.com\r\nSubject: Scanner offline\r\nMessage-ID: <fuzz-1@example.org>\r\n\r\nThe scanner is offline again.\r\n`,
    `${received}From: looper@example.org\r\nTo: support@example.com\r\nSubject: Loop\r\nMessage-ID: <fuzz-loop@example.org>\r\n\r\nround and round\r\n`,
  ];
  const dataDir = tempDir('postdesk-fuzz-api-cli-');
  try {
    for (const message of messages) {
      const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'postdesk.js'), 'ingest'], {
        input: message,
        env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, SUPPORT_ADDRESS: 'support@example.com', LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`postdesk ingest exited ${run.status}: ${run.stderr}`);
    }
  } finally {
    removeDir(dataDir); // it holds the generated HMAC secret
  }
}

/** The seeded help desk and the two principals the fuzzer acts as. */
async function setUp(gateway: Gateway, databaseUrl: string, adminToken: string, db: pg.Pool): Promise<Principals> {
  const counts = await seedTickets(databaseUrl, {
    tickets: 400,
    messagesPerTicket: 3,
    longThreads: 3,
    longThreadMessages: 12,
    queues: 5,
    agents: 8,
    customers: 60,
    attachmentShare: 0.2,
    searchWord: 'kerberos',
    searchWordShare: 0.05,
  });
  ingestExtras(databaseUrl);
  await gql(gateway, adminToken, `mutation { createCategory(input: { name: "Hardware" }) { name } }`);
  await gql(gateway, adminToken, `mutation { createRule(input: { name: "Invoices", conditions: { field: "subject", operator: "contains", value: "invoice" }, actions: [{ setPriority: "HIGH" }] }) { name } }`);
  // An agent who works some queues but not all, so there is something they must not see.
  const { rows } = await db.query<{ email: string; id: number; queues: number[] }>(
    `select p.email, p.id, array_agg(qa.queue_id order by qa.queue_id) as queues from person p join queue_agent qa on qa.person_id = p.id
      where p.role = 'AGENT' group by p.id having count(*) < (select count(*) from queue) order by p.id limit 1`,
  );
  const agent = rows[0];
  if (!agent) throw new Error('the seed has no agent outside some queue');
  const created = await gql(gateway, adminToken, `mutation($e: String!) { createApiToken(input: { email: $e, label: "fuzz" }) { secret } }`, { e: agent.email });
  const admin = await db.query<{ person_id: number }>(`select person_id from api_token where role = 'ADMIN' order by id limit 1`);
  console.log(
    `  ${fmt(counts.tickets)} tickets, ${fmt(counts.messages)} messages, ${fmt(counts.attachments)} attachments in ${counts.queues} queues; ` +
      `agent ${agent.email} works queues ${agent.queues.join(', ')}`,
  );
  return {
    adminToken,
    adminPersonId: admin.rows[0]!.person_id,
    agentToken: (created.data!.createApiToken as { secret: string }).secret,
    agentPersonId: agent.id,
    agentQueueIds: agent.queues.map(Number),
  };
}

const HOSTILE_PATH_IDS = ['0', '-1', 'abc', '1.5', '99999999999999999999', '%00', '..%2f..%2fetc%2fpasswd', '1%3Bselect', '%F0%9F%98%80', '1%20', 'x'.repeat(3000)];

/**
 * Fields the agent keeps being refused by role, learnt as the run goes (the SDL does not say who
 * may call what): after 20 refusals and no answer with data, the agent tries them one time in ten,
 * so most of the agent's requests reach the ticket paths where a queue could leak.
 */
class AgentRefusals {
  private readonly counts = new Map<string, { forbidden: number; answered: number }>();

  note(field: string, answer: Answer): void {
    const entry = this.counts.get(field) ?? { forbidden: 0, answered: 0 };
    const body = parseJson(answer.text) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] } | null;
    if (body?.data && Object.values(body.data).some((v) => v !== null)) entry.answered++;
    else if (body?.errors?.[0]?.extensions?.code === 'FORBIDDEN') entry.forbidden++;
    this.counts.set(field, entry);
  }

  adminOnly(field: string): boolean {
    const entry = this.counts.get(field);
    return entry !== undefined && entry.answered === 0 && entry.forbidden >= 20;
  }
}

/** The next call: a root field of the schema with generated arguments, or an attachment download. */
function nextCall(schema: GraphQLSchema, values: ValueMaker, known: KnownValues, refusals: AgentRefusals): Call {
  const role = values.pick<Role>(['admin', 'admin', 'admin', 'agent', 'agent', 'agent', 'none', 'bogus']);
  if (values.chance(1 / 12)) {
    const ids = [...(known.ids.get('Attachment') ?? [])];
    const id = ids.length && values.chance(0.7) ? values.pick(ids) : values.pick(HOSTILE_PATH_IDS);
    return { role, kind: 'download', field: 'attachment URL', path: `/attachments/${id}` };
  }
  const operation = values.chance(0.55) ? 'query' : 'mutation';
  const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  let field = values.pick(Object.values(root.getFields()));
  for (let tries = 0; role === 'agent' && refusals.adminOnly(`${root.name}.${field.name}`) && tries < 10 && !values.chance(0.1); tries++) {
    field = values.pick(Object.values(root.getFields()));
  }
  const { query, variables } = new OperationBuilder(values).build(operation, field);
  return { role, kind: 'graphql', field: `${root.name}.${field.name}`, query, variables };
}

function keep(call: Call, answer: Answer, problems: string[], n: number): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `fuzz-api-${SEED}-${n}.json`);
  writeFileSync(file, `${JSON.stringify({ seed: SEED, n, call, status: answer.status, ms: Math.round(answer.ms), problems, answer: answer.text.slice(0, 4000) }, null, 2)}\n`);
  return file;
}

function replayFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.json')).sort().map((f) => join(path, f));
}

async function fuzz(gateway: Gateway, db: pg.Pool, principals: Principals): Promise<void> {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8'));
  const random = prng(SEED);
  const known: KnownValues = { queues: [], categories: [], rules: [], agentEmails: [], customerEmails: [], ticketNumbers: [], ids: new Map(), cursors: new Set() };
  const values = new ValueMaker(random, known);
  const refusals = new AgentRefusals();
  const outcomes = new Map<string, number>();
  const failures = new Map<string, { count: number; example: string }>();
  const latencies: number[] = [];
  let n = 0;
  let lastStatus = now();
  const started = now();
  console.log(
    `  seed ${SEED}, ${SECONDS} s, ${CONCURRENCY} at once${CONCURRENCY > 1 ? ' (the order of requests is not reproducible, and the agent\'s answers are not checked against their queues)' : ''}; kept requests go to ${OUT}`,
  );

  const worker = async () => {
    while (now() - started < SECONDS * 1000 && !cleanup.aborted) {
      if (n % REFRESH_EVERY === 0) await refreshKnown(db, known);
      const call = nextCall(schema, values, known, refusals);
      const answer = await send(gateway, call, principals, random);
      if (call.role === 'agent' && call.kind === 'graphql') refusals.note(call.field, answer);
      const index = ++n;
      latencies.push(answer.ms);
      const problems = await check(call, answer, db, principals);
      const outcome = `${call.role} ${outcomeOf(call, answer)}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      for (const o of objectsOf(parseJson(answer.text))) {
        for (const key of ['cursor', 'endCursor', 'startCursor']) if (typeof o[key] === 'string' && known.cursors.size < 500) known.cursors.add(o[key]);
      }
      if (problems.length) {
        const kind = `${call.field}: ${problems[0]!.replace(/#\d+(, #\d+)*/g, '#N')}`;
        const entry = failures.get(kind) ?? { count: 0, example: '' };
        entry.count++;
        if (entry.count <= KEEP_PER_KIND) entry.example = keep(call, answer, problems, index);
        failures.set(kind, entry);
      }
      if (call.role === 'admin' && call.kind === 'graphql' && call.query.startsWith('mutation')) await restorePrincipals(db, principals);
      if (now() - lastStatus > STATUS_EVERY_MS) {
        lastStatus = now();
        const rss = readProcMemory(gateway.pid)?.rss ?? Number.NaN;
        console.log(`  … ${fmt(n)} requests, ${[...failures.values()].reduce((s, f) => s + f.count, 0)} failing, ${(n / ((now() - started) / 1000)).toFixed(0)}/s; gateway RSS ${fmtMiB(rss)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  section('outcomes (role, first error code or data)');
  for (const [outcome, count] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(7)}  ${outcome}`);
  const failing = [...failures.values()].reduce((s, f) => s + f.count, 0);
  if (failures.size) {
    section('failures by kind');
    for (const [kind, { count, example }] of failures) console.log(`  ${String(count).padStart(5)}  ${kind.slice(0, 300)}\n         e.g. ${example}`);
  }
  const s = summarize(latencies);
  report.add('requests', `${fmt(n)} in ${SECONDS} s (${(n / SECONDS).toFixed(0)}/s), seed ${SEED}`, 'info', null);
  report.add('failing requests (5xx, INTERNAL, unknown code, leak, slow, outside the agent\'s queues)', `${fmt(failing)} of ${fmt(n)} in ${failures.size} kinds`, 'target 0', failing === 0 && n > 0);
  report.add('latency p50 / p99 / max', `${fmtMs(s.p50)} / ${fmtMs(s.p99)} / ${fmtMs(s.max)}`, `max ≤ ${SLOW_MS} ms`, s.max <= SLOW_MS);
}

async function replay(gateway: Gateway, db: pg.Pool, principals: Principals): Promise<void> {
  let still = 0;
  const files = replayFiles(REPLAY!);
  for (const file of files) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { call: Call };
    const answer = await send(gateway, kept.call, principals, Math.random);
    const problems = await check(kept.call, answer, db, principals);
    if (problems.length) still++;
    console.log(`  ${file}: ${kept.call.field} → HTTP ${answer.status} ${outcomeOf(kept.call, answer)}${problems.length ? `; STILL: ${problems.join('; ')}` : ''}`);
  }
  report.add('kept requests that still fail', `${still} of ${files.length}`, 'target 0', still === 0);
}

async function main(): Promise<void> {
  cleanup.installSignalHandlers();
  const startedAt = now();
  try {
    if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run npm run build`);
    const unsafe = HOSTILE_STRINGS.filter((s) => leaks(s).length);
    if (unsafe.length) throw new Error(`hostile strings that read as leaks when echoed: ${unsafe.join(' | ')}`);
    section('set-up');
    const pgServer = await startBenchPostgres();
    cleanup.add('postgres', () => pgServer.stop());
    const databaseUrl = await pgServer.createDatabase('fuzz_api');
    const adminToken = `pd_fuzz_${randomInt(1e9, 1e10)}${randomInt(1e9, 1e10)}`;
    const gateway = await startGateway({
      databaseUrl,
      mailboxes: [],
      env: { NODE_ENV: 'production', ADMIN_TOKEN: adminToken, MAILBOXES: '[]', GRAPHQL_RATE_LIMIT: '1000000000', AUTO_CLOSE_DAYS: '0', LOG_LEVEL: 'info' },
    });
    cleanup.add('gateway', async () => void (await gateway.stop()));
    // A pool: with FUZZ_CONCURRENCY > 1 the checks of several answers run at once.
    const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    cleanup.add('database pool', () => db.end());
    const principals = await setUp(gateway, databaseUrl, adminToken, db);
    const sampler = new RssSampler(gateway.pid, 100).start();

    section(REPLAY ? `replay of ${REPLAY}` : 'fuzzing');
    if (REPLAY) await replay(gateway, db, principals);
    else await fuzz(gateway, db, principals);

    section('the gateway afterwards');
    const memory = sampler.stop();
    const readiness = await gateway.readiness();
    report.add('gateway ready after the run', readiness?.ready ? 'yes' : `no: ${JSON.stringify(readiness)}`, 'ready', readiness?.ready === true);
    const errors = gateway.logProblems().filter((p) => p.level === 'error' || p.level === 'fatal' || p.level === 'text');
    for (const e of errors) console.log(`  ${e.count} × ${e.level} ${e.msg}\n    ${e.example.slice(0, 600)}`);
    report.add('error lines in the gateway log', `${errors.reduce((s, e) => s + e.count, 0)} in ${errors.length} kinds`, 'target 0', errors.length === 0);
    report.add('gateway peak RSS (VmHWM)', fmtMiB(memory.peakHwm), 'info', null);
  } catch (error) {
    console.error(`fuzz:api failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup.runAll();
    console.log(`\n${report.table()}\n\nfuzz:api done in ${((now() - startedAt) / 1000).toFixed(0)} s`);
    if (report.failed) process.exitCode = 1;
  }
}

await main();
