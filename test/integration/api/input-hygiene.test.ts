/**
 * Strings a client passes in that no column can hold must come back as input errors, never reach
 * PostgreSQL and fail there as internal errors (found while building `npm run fuzz:api`).
 * Driven by the schema: every string, ID and JSON input of every root field, at any depth of its
 * input objects and lists, optional ones included.
 *
 * - NUL (U+0000), refused by PostgreSQL in text, jsonb and query parameters, and an unpaired
 *   surrogate, whose JSON escape jsonb refuses. Sent as a variable each must come back
 *   BAD_USER_INPUT naming the variable and path; a NUL written in the document is refused by
 *   validation.
 * - Over-long values: a well-formed address longer than the 320 characters person.email holds, and
 *   a 100,000-character string, anywhere: anything but an internal error.
 */
import {
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraphQLSchema } from '../../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { probe, rootFields, sample } from '../../harness/schema-probe.js';

let gw: TestApp;
let schema: GraphQLSchema;
let ticketNumber: number;

beforeAll(async () => {
  schema = await buildGraphQLSchema();
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  // A real ticket, so ticket mutations get past "no ticket #1" to where the text is used.
  const h = await createIngestHarness({}, gw.databaseUrl);
  try {
    const outcome = await h.ingest(await buildMail({ subject: 'Printer jam', text: 'Tray 2 is stuck.' }));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    ticketNumber = outcome.ticketNumber;
  } finally {
    await h.close();
  }
});
afterAll(async () => {
  await gw?.stop();
});

type Path = (string | number)[];

interface Target {
  /** Where in the argument the value goes. */
  path: Path;
  value: unknown;
  /** Where the bad text is (for JSON, inside the value): what the error must name after the variable. */
  badAt: Path;
}

/** Every place inside a value of this type where a client writes a string, with a value holding `bad` there. */
function targets(type: GraphQLInputType, bad: string, path: Path = []): Target[] {
  if (isNonNullType(type)) return targets(type.ofType, bad, path);
  if (isListType(type)) return targets(type.ofType, bad, [...path, 0]);
  if (isInputObjectType(type)) return Object.values(type.getFields()).flatMap((f) => targets(f.type, bad, [...path, f.name]));
  if (isScalarType(type) && (type.name === 'String' || type.name === 'ID')) return [{ path, value: `before${bad}after`, badAt: path }];
  if (isScalarType(type) && type.name === 'JSON') {
    return [
      { path, value: { text: `before${bad}after` }, badAt: [...path, 'text'] },
      { path, value: { [`key${bad}`]: 'x' }, badAt: [...path, `key${bad}`] },
    ];
  }
  return [];
}

/** A sample of `type` with `value` put at `path` (parents built from samples, optional ones included). */
function withValueAt(type: GraphQLInputType, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const named = isNonNullType(type) ? type.ofType : type;
  if (isListType(named)) return [withValueAt(named.ofType, path.slice(1), value)];
  if (!isInputObjectType(named)) throw new Error(`no field ${String(path[0])} in ${String(type)}`);
  const field = named.getFields()[path[0] as string]!;
  return { ...(sample(named) as Record<string, unknown>), [field.name]: withValueAt(field.type, path.slice(1), value) };
}

/** The numeric "number" argument points at the real ticket. */
function realTicket(variables: Record<string, unknown>): Record<string, unknown> {
  return 'number' in variables ? { ...variables, number: ticketNumber } : variables;
}

describe('client input no column can hold', () => {
  it.each([
    ['a NUL', '\u0000', /NUL character/],
    ['an unpaired surrogate', '\ud800', /unpaired surrogate/],
  ])('refuses %s in every string, ID and JSON input of every root field with BAD_USER_INPUT', async (what, bad, problem) => {
    const wrong: string[] = [];
    let calls = 0;
    for (const { name, root, field } of rootFields(schema)) {
      for (const arg of field.args) {
        for (const { path, value, badAt } of targets(arg.type, bad)) {
          const { query, variables } = probe(root, field, { [arg.name]: withValueAt(arg.type, path, value) });
          const response = await gql(gw.url, gw.adminToken, query, realTicket(variables));
          calls++;
          const error = response.errors?.[0];
          const refused =
            response.status === 400 &&
            (response.data ?? null) === null &&
            error?.extensions?.code === 'BAD_USER_INPUT' &&
            error.message.startsWith(`Variable "$${arg.name}"`) &&
            problem.test(error.message) &&
            JSON.stringify(error.extensions.field) === JSON.stringify([arg.name, ...badAt]);
          if (!refused) wrong.push(`${name}(${[arg.name, ...path].join('.')}): ${response.status} ${JSON.stringify(response).slice(0, 200)}`);
        }
      }
    }
    console.log(`[input-hygiene] ${calls} inputs with ${what} over ${rootFields(schema).length} root fields`);
    // Today's schema has 74 such places; far fewer would mean the walk found nothing.
    expect(calls).toBeGreaterThan(60);
    expect(wrong).toEqual([]);
  });

  it('refuses a NUL written in the document itself in validation', async () => {
    const response = await gql(gw.url, gw.adminToken, `mutation { addNote(number: ${ticketNumber}, body: "before\\u0000after") { ticket { number } } }`);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/NUL/);
  });

  it('answers over-long strings and addresses in every string input without an internal error', async () => {
    // A well-formed address longer than the 320 characters person.email holds, and a 100,000-character
    // string: each must be refused as input (or simply not match anything), never reach a column it
    // overflows. Both used to end as INTERNAL_SERVER_ERROR in the email arguments.
    const address = `${'a'.repeat(64)}@${`${'b'.repeat(60)}.`.repeat(5)}com`;
    const wrong: string[] = [];
    let calls = 0;
    for (const { name, root, field } of rootFields(schema)) {
      for (const arg of field.args) {
        for (const { path } of targets(arg.type, '').filter((t) => typeof t.value === 'string')) {
          for (const long of [address, 'x'.repeat(100_000)]) {
            const { query, variables } = probe(root, field, { [arg.name]: withValueAt(arg.type, path, long) });
            const response = await gql(gw.url, gw.adminToken, query, realTicket(variables));
            calls++;
            const internal = response.status >= 500 || response.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
            if (internal) wrong.push(`${name}(${[arg.name, ...path].join('.')}) with ${long.length} characters: ${JSON.stringify(response).slice(0, 200)}`);
          }
        }
      }
    }
    console.log(`[input-hygiene] ${calls} over-long inputs`);
    expect(calls).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });

  it('still takes other control characters and text around them to the field checks', async () => {
    // The rule is about NUL and unpaired surrogates only: a note with a tab, a form feed and a
    // character outside the BMP (a surrogate pair) is stored as written.
    const body = 'line one\twith a tab\fand a form feed, and a 😀';
    const response = await gql<{ addNote: { userErrors: unknown[]; ticket: { messages: { bodyText: string }[] } } }>(
      gw.url,
      gw.adminToken,
      `mutation($n: Int!, $b: String!) { addNote(number: $n, body: $b) { userErrors { field message } ticket { messages { bodyText } } } }`,
      { n: ticketNumber, b: body },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.addNote.userErrors).toEqual([]);
    expect(response.data!.addNote.ticket.messages.map((m) => m.bodyText)).toContain(body);
  });
});
