/**
 * Categories over GraphQL (issue 4, item 4): ordered like rules (create at a position,
 * reorderCategories, delete renumbers), enabled/disabled with setCategoryEnabled. A disabled
 * category is skipped by rules (the skip is a `routing-skipped` step in testRules and in the
 * ticket's history) and refused by updateTicket with BAD_USER_INPUT. Mail goes through the real
 * ingest pipeline into the same database the gateway serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let agentToken: string;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const admin = (query: string, variables?: Record<string, unknown>) => gql<Data>(gw.url, gw.adminToken, query, variables);
async function ok(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const r = await admin(query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!;
}
const names = async () => ((await ok(`{ categories { name position enabled } }`)).categories as { name: string; position: number; enabled: boolean }[]);

async function ingestTicket(subject: string): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from: 'Kim <kim@customer.test>', subject }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  return outcome.ticketNumber;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({}, gw.databaseUrl);
  // The agent works General, so updateTicket reaches the tickets below.
  agentToken = await agentOfQueue(gw, 'agent@example.com');
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('ordering', () => {
  it('lists categories by position; creates at a place; reorders every category; delete renumbers', async () => {
    for (const name of ['Hardware', 'Software', 'Access']) await ok(`mutation($n: String!) { createCategory(input: {name: $n}) { name } }`, { n: name });
    expect(await names()).toEqual([
      { name: 'Hardware', position: 0, enabled: true },
      { name: 'Software', position: 1, enabled: true },
      { name: 'Access', position: 2, enabled: true },
    ]);
    const first = await ok(`mutation { createCategory(input: {name: "Outage", position: 0}) { name position } }`);
    expect(first.createCategory).toEqual({ name: 'Outage', position: 0 });
    expect((await names()).map((c) => c.name)).toEqual(['Outage', 'Hardware', 'Software', 'Access']);

    const reordered = await ok(`mutation { reorderCategories(names: ["Access", "Software", "Outage", "Hardware"]) { name position } }`);
    expect(reordered.reorderCategories).toEqual([
      { name: 'Access', position: 0 },
      { name: 'Software', position: 1 },
      { name: 'Outage', position: 2 },
      { name: 'Hardware', position: 3 },
    ]);
    const moved = await ok(`mutation { updateCategory(name: "Hardware", input: {position: 1}) { position } }`);
    expect(moved.updateCategory.position).toBe(1);
    expect((await names()).map((c) => c.name)).toEqual(['Access', 'Hardware', 'Software', 'Outage']);

    for (const [list, message] of [
      [['Access'], 'missing: Hardware, Software, Outage'],
      [['Access', 'Access', 'Hardware', 'Software', 'Outage'], '"Access" is listed twice'],
      [['Access', 'Nope', 'Hardware', 'Software', 'Outage'], 'no category named "Nope"'],
    ] as const) {
      const refused = await admin(`mutation($n: [String!]!) { reorderCategories(names: $n) { name } }`, { n: list });
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining(message) });
    }
    expect((await names()).map((c) => c.name)).toEqual(['Access', 'Hardware', 'Software', 'Outage']);

    await ok(`mutation { deleteCategory(name: "Hardware") { name } }`);
    expect((await names()).map((c) => [c.name, c.position])).toEqual([['Access', 0], ['Software', 1], ['Outage', 2]]);
    const audit = await queryDatabase<{ kind: string }>(gw.databaseUrl, `select kind from ticket_event where ticket_id is null and kind like 'categor%' order by id`);
    expect(audit.map((a) => a.kind)).toEqual(['category-created', 'category-created', 'category-created', 'category-created', 'categories-reordered', 'category-updated', 'category-deleted']);
  });

  it('lets only admins enable, disable and reorder categories', async () => {
    for (const query of [`mutation { setCategoryEnabled(name: "Access", enabled: false) { name } }`, `mutation { reorderCategories(names: ["Access", "Software", "Outage"]) { name } }`]) {
      expect((await gql(gw.url, agentToken, query)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql(gw.url, null, `mutation { setCategoryEnabled(name: "Access", enabled: false) { name } }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await names()).every((c) => c.enabled)).toBe(true);
  });
});

describe('a disabled category', () => {
  it('is skipped by rules, with the reason in testRules and in the ticket history; an earlier category stays', async () => {
    await ok(`mutation($i: RuleInput!) { createRule(input: $i) { name } }`, { i: { name: 'software first', conditions: { field: 'subject', operator: 'contains', value: 'licence' }, actions: [{ setCategory: 'Software' }] } });
    await ok(`mutation($i: RuleInput!) { createRule(input: $i) { name } }`, { i: { name: 'access later', conditions: { field: 'subject', operator: 'contains', value: 'password' }, actions: [{ setCategory: 'Access' }, { setPriority: 'HIGH' }] } });
    const disabled = await ok(`mutation { setCategoryEnabled(name: "Access", enabled: false) { name enabled position } }`);
    expect(disabled.setCategoryEnabled).toEqual({ name: 'Access', enabled: false, position: 0 });
    expect((await names()).find((c) => c.name === 'Access')?.enabled).toBe(false); // still listed

    const raw = (await buildMail({ from: 'kim@customer.test', subject: 'licence and password reset' })).toString('utf8');
    const dry = await ok(`query($raw: String!) { testRules(raw: $raw) { category priority steps { actor kind value text } } }`, { raw });
    expect(dry.testRules.category).toBe('Software');
    expect(dry.testRules.priority).toBe('HIGH'); // the rule's other actions still apply
    expect(dry.testRules.steps).toContainEqual({ actor: 'rule:access later', kind: 'routing-skipped', value: 'Access', text: "rule 'access later' did not set category Access: the category is disabled" });

    const number = await ingestTicket('password reset please');
    const t = await ok(`query($n: Int!) { ticket(number: $n) { category priority } }`, { n: number });
    expect(t.ticket.category).toBeNull();
    expect(t.ticket.priority).toBe('HIGH');
    const events = await queryDatabase<{ kind: string; actor_label: string; detail: { text: string } }>(
      gw.databaseUrl,
      `select e.kind, e.actor_label, e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'routing-skipped'`,
      [number],
    );
    expect(events).toEqual([{ kind: 'routing-skipped', actor_label: 'rule:access later', detail: { text: "rule 'access later' did not set category Access: the category is disabled" } }]);
  });

  it('is refused by updateTicket with BAD_USER_INPUT, changing nothing; an enabled one is accepted', async () => {
    const number = await ingestTicket('Need a new mouse');
    const refused = await gql<Data>(gw.url, agentToken, `mutation($n: Int!) { updateTicket(number: $n, input: {category: "Access", priority: LOW}) { ticket { category } } }`, { n: number });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['input', 'category'] }, message: 'category "Access" is disabled' });
    const unchanged = await ok(`query($n: Int!) { ticket(number: $n) { category priority } }`, { n: number });
    expect(unchanged.ticket).toEqual({ category: null, priority: 'NORMAL' });
    const accepted = await gql<Data>(gw.url, agentToken, `mutation($n: Int!) { updateTicket(number: $n, input: {category: "Software"}) { ticket { category } userErrors { message } } }`, { n: number });
    expect(accepted.data?.updateTicket).toEqual({ ticket: { category: 'Software' }, userErrors: [] });
  });

  it('applies again once re-enabled (the rule-set cache sees the change at once)', async () => {
    const enabled = await ok(`mutation { setCategoryEnabled(name: "Access", enabled: true) { enabled } }`);
    expect(enabled.setCategoryEnabled.enabled).toBe(true);
    const number = await ingestTicket('password expired');
    expect((await ok(`query($n: Int!) { ticket(number: $n) { category } }`, { n: number })).ticket.category).toBe('Access');
  });
});
