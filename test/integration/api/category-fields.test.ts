/**
 * A category's own fields (PRODUCT.md: "ticket categories with their own fields, e.g. an instance
 * ID"): admins define them; a customer's mail fills them ("Instance ID: i-0abc" in the first
 * message, or in the answer to the agent's question, never from quoted text, never over a value);
 * agents set and clear them with updateTicket; every change is an event. Mail goes through the
 * real ingest pipeline into the database the gateway serves.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql, gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let h: IngestHarness;
let agentToken: string;

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const as = (token: string) => (query: string, variables?: Record<string, unknown>) => gql<Data>(gw.url, token, query, variables);
const ok = (token: string, query: string, variables?: Record<string, unknown>) => gqlData<Data>(gw.url, token, query, variables);

const TICKET = `query($n: Int!) { ticket(number: $n) { category fields { name label value } events { kind actor { email } from to } } }`;
const fieldsOf = async (n: number) => (await ok(gw.adminToken, TICKET, { n })).ticket as { category: string | null; fields: { name: string; label: string; value: string | null }[]; events: { kind: string; actor: { email: string } | null; from: string | null; to: string | null }[] };

/** The text of the ticket's outbound mail of this kind (the newest). */
async function mailText(n: number, kind: string): Promise<string> {
  const rows = await queryDatabase<{ raw: Buffer }>(gw.databaseUrl, `select d.raw from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = $2 order by d.id desc`, [n, kind]);
  if (!rows[0]) throw new Error(`no ${kind} mail for ticket ${n}`);
  return (await simpleParser(rows[0].raw)).text ?? '';
}

async function ingest(mail: Parameters<typeof buildMail>[0]): Promise<number> {
  const outcome = await h.ingest(await buildMail(mail));
  if (outcome.kind !== 'ticket' && outcome.kind !== 'comment') throw new Error(`expected a ticket or comment, got ${JSON.stringify(outcome)}`);
  return outcome.ticketNumber;
}

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', ESCALATION_ADDRESS: 'dev-team@eng.test' });
  h = await createIngestHarness({}, gw.databaseUrl);
  agentToken = await agentOfQueue(gw, 'agent@example.com');
  await ok(
    gw.adminToken,
    `mutation { createCategory(input: { name: "Cloud", fields: [{ name: "instanceId", label: "Instance ID" }, { name: "region", label: "Region" }] }) { name } }`,
  );
  await ok(gw.adminToken, `mutation($i: RuleInput!) { createRule(input: $i) { name } }`, {
    i: { name: 'cloud', conditions: { field: 'subject', operator: 'contains', value: 'instance' }, actions: [{ setCategory: 'Cloud' }] },
  });
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('defining fields', () => {
  it('lists a category\'s fields in order; the whole list is replaced on update; bad definitions name the field', async () => {
    const listed = await ok(gw.adminToken, `{ categories { name fields { name label } } }`);
    expect(listed.categories).toContainEqual({ name: 'Cloud', fields: [{ name: 'instanceId', label: 'Instance ID' }, { name: 'region', label: 'Region' }] });

    await ok(gw.adminToken, `mutation { createCategory(input: { name: "Hardware", fields: [{ name: "serial", label: "Serial number" }] }) { name } }`);
    const replaced = await ok(gw.adminToken, `mutation { updateCategory(name: "Hardware", input: { fields: [{ name: "asset", label: "Asset tag" }] }) { fields { name label } } }`);
    expect(replaced.updateCategory.fields).toEqual([{ name: 'asset', label: 'Asset tag' }]);
    const kept = await ok(gw.adminToken, `mutation { updateCategory(name: "Hardware", input: { requiresApproval: false }) { fields { name } } }`);
    expect(kept.updateCategory.fields).toEqual([{ name: 'asset' }]);

    for (const [fields, field, message] of [
      [[{ name: '1st', label: 'First' }], ['fields', '0', 'name'], 'must start with a letter'],
      [[{ name: 'a', label: 'A' }, { name: 'A', label: 'Other' }], ['fields', '1', 'name'], 'named twice'],
      [[{ name: 'a', label: 'Site: main' }], ['fields', '0', 'label'], 'without control characters or ":"'],
      [[{ name: 'a', label: 'Same' }, { name: 'b', label: 'same' }], ['fields', '1', 'label'], 'already names another field'],
      [Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, label: `F${i}` })), ['fields'], 'at most 20 fields'],
    ] as const) {
      const refused = await as(gw.adminToken)(`mutation($f: [CategoryFieldInput!]) { updateCategory(name: "Hardware", input: { fields: $f }) { name } }`, { f: fields });
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: field }, message: expect.stringContaining(message) });
    }
    expect((await ok(gw.adminToken, `{ categories { name fields { name } } }`)).categories).toContainEqual({ name: 'Hardware', fields: [{ name: 'asset' }] });
  });
});

describe('values from mail', () => {
  it('reads "Label: value" lines of the first message into the ticket, by its sender', async () => {
    const n = await ingest({
      from: 'Kim <kim@customer.test>',
      subject: 'Our instance does not boot',
      text: 'Hello,\n\nsince this morning our VM is down.\n - instance id :  i-0abc123 \nREGION: eu-west-1\nInstance ID: i-ignored (only the first line counts)\n\nKim',
    });
    const ticket = await fieldsOf(n);
    expect(ticket.category).toBe('Cloud');
    expect(ticket.fields).toEqual([
      { name: 'instanceId', label: 'Instance ID', value: 'i-0abc123' },
      { name: 'region', label: 'Region', value: 'eu-west-1' },
    ]);
    expect(ticket.events.filter((e) => e.kind === 'field')).toEqual([
      { kind: 'field', actor: { email: 'kim@customer.test' }, from: null, to: 'i-0abc123' },
      { kind: 'field', actor: { email: 'kim@customer.test' }, from: null, to: 'eu-west-1' },
    ]);
    // Nothing is missing, so the acknowledgement asks for nothing.
    expect(await mailText(n, 'acknowledgement')).not.toContain('please reply with these lines');
  });

  it('fills an empty field from the answer, not from the quoted question, and never overwrites a value', async () => {
    const first = await buildMail({ from: 'Lee <lee@customer.test>', subject: 'instance slow', text: 'Region: us-east-2\nIt is slow.', messageId: 'first-lee@customer.test' });
    const n = (await h.ingest(first)) as { ticketNumber: number };
    expect((await fieldsOf(n.ticketNumber)).fields.map((f) => f.value)).toEqual([null, 'us-east-2']);
    // The acknowledgement asks for what is missing, as lines to fill in and send back.
    const ack = await mailText(n.ticketNumber, 'acknowledgement');
    expect(ack).toContain('To help us act faster, please reply with these lines filled in:\n\nInstance ID: \n\n--- your message ---');
    expect(ack).not.toContain('Region: \n');

    // The customer answers only with a quote of a question: nothing is filled.
    await ingest({
      from: 'Lee <lee@customer.test>',
      subject: 'Re: instance slow',
      inReplyTo: 'first-lee@customer.test',
      text: 'See below.\n\nOn Monday, Support wrote:\n> Please send:\n> Instance ID: <your instance>\n',
    });
    expect((await fieldsOf(n.ticketNumber)).fields.map((f) => f.value)).toEqual([null, 'us-east-2']);

    // The answer fills the empty field; a different region later does not replace the first.
    await ingest({ from: 'Lee <lee@customer.test>', subject: 'Re: instance slow', inReplyTo: 'first-lee@customer.test', text: 'Instance ID: i-777\nRegion: ap-south-1' });
    const ticket = await fieldsOf(n.ticketNumber);
    expect(ticket.fields.map((f) => f.value)).toEqual(['i-777', 'us-east-2']);
    expect(ticket.events.filter((e) => e.kind === 'field').map((e) => e.to)).toEqual(['us-east-2', 'i-777']);

    // Automatic mail speaks for no one.
    await ok(gw.adminToken, `mutation($n: Int!) { updateTicket(number: $n, input: { fields: [{ name: "instanceId", value: "" }] }) { userErrors { message } } }`, { n: n.ticketNumber });
    await ingest({ from: 'Lee <lee@customer.test>', subject: 'Auto: out of office', inReplyTo: 'first-lee@customer.test', headers: { 'Auto-Submitted': 'auto-replied' }, text: 'Instance ID: i-autoreply' });
    expect((await fieldsOf(n.ticketNumber)).fields[0]!.value).toBeNull();
  });
});

describe('values from agents', () => {
  it('sets and clears values of the ticket\'s category, with events; refuses unknown fields and bad values by path', async () => {
    const n = await ingest({ from: 'Max <max@customer.test>', subject: 'new instance please', text: 'We need one more.' });
    const update = (fields: unknown, extra = '') =>
      as(agentToken)(`mutation($n: Int!, $f: [TicketFieldInput!]) { updateTicket(number: $n, input: { fields: $f ${extra} }) { ticket { fields { name value } } userErrors { field message } } }`, { n, f: fields });

    const set = (await update([{ name: 'instanceId', value: ' i-42 ' }, { name: 'region', value: 'eu-central-1' }])).data!.updateTicket;
    expect(set).toEqual({ ticket: { fields: [{ name: 'instanceId', value: 'i-42' }, { name: 'region', value: 'eu-central-1' }] }, userErrors: [] });
    const cleared = (await update([{ name: 'region', value: null }])).data!.updateTicket;
    expect(cleared.ticket.fields).toEqual([{ name: 'instanceId', value: 'i-42' }, { name: 'region', value: null }]);
    const events = (await fieldsOf(n)).events.filter((e) => e.kind === 'field');
    expect(events).toEqual([
      { kind: 'field', actor: { email: 'agent@example.com' }, from: null, to: 'i-42' },
      { kind: 'field', actor: { email: 'agent@example.com' }, from: null, to: 'eu-central-1' },
      { kind: 'field', actor: { email: 'agent@example.com' }, from: 'eu-central-1', to: null },
    ]);

    const refused = (await update([{ name: 'serial', value: 'x' }, { name: 'region', value: 'two\nlines' }, { name: 'instanceId', value: 'y'.repeat(501) }])).data!.updateTicket;
    expect(refused.userErrors).toEqual([
      { field: ['input', 'fields', '0', 'name'], message: 'category "Cloud" has no field "serial"' },
      { field: ['input', 'fields', '1', 'value'], message: 'must be one line of at most 500 characters' },
      { field: ['input', 'fields', '2', 'value'], message: 'must be one line of at most 500 characters' },
    ]);
    expect(refused.ticket).toBeNull();

    // Fields follow the category the same input gives the ticket: without one there are none.
    const removed = (await update([{ name: 'instanceId', value: 'i-1' }], 'category: ""')).data!.updateTicket;
    expect(removed.userErrors).toEqual([{ field: ['input', 'fields', '0', 'name'], message: 'the ticket has no category, so no fields' }]);
    const moved = (await update([{ name: 'asset', value: 'A-17' }], 'category: "Hardware"')).data!.updateTicket;
    expect(moved).toEqual({ ticket: { fields: [{ name: 'asset', value: 'A-17' }] }, userErrors: [] });
    // The Cloud values are kept, and shown again when the ticket returns to Cloud.
    const back = (await update([], 'category: "Cloud"')).data!.updateTicket;
    expect(back.ticket.fields).toEqual([{ name: 'instanceId', value: 'i-42' }, { name: 'region', value: null }]);

    // The engineers an agent escalates to see them too.
    await ok(agentToken, `mutation($n: Int!) { escalateTicket(number: $n, note: "please look") { userErrors { message } } }`, { n });
    const [row] = await queryDatabase<{ raw: Buffer }>(gw.databaseUrl, `select d.raw from outbound_delivery d join ticket t on t.id = d.ticket_id where t.number = $1 and d.kind = 'escalation'`, [n]);
    const mail = await simpleParser(row!.raw);
    expect(mail.text).toContain('Instance ID: i-42\nRegion: (not given)');
    expect(mail.html).toContain('Instance ID: i-42\nRegion: (not given)');

    // Asking the customer for more asks for the missing field too.
    await ok(agentToken, `mutation($n: Int!) { updateTicket(number: $n, input: { status: WAITING_FOR_CUSTOMER }) { userErrors { message } } }`, { n });
    expect(await mailText(n, 'status-waiting_for_customer')).toContain('please reply with these lines filled in:\n\nRegion: \n\nPlease reply to this mail.');
  });

  it('shows fields in ticket lists (query-count.test.ts counts the statements) and finds tickets by a value', async () => {
    const page = await ok(agentToken, `{ tickets(first: 50, filter: { category: "Cloud" }) { edges { node { number fields { name value } } } } }`);
    const edges = page.tickets.edges as { node: { fields: { name: string }[] } }[];
    expect(edges.length).toBeGreaterThanOrEqual(3);
    for (const e of edges) expect(e.node.fields.map((f) => f.name)).toEqual(['instanceId', 'region']);

    const byValue = async (token: string, name: string, value: string) =>
      ((await ok(token, `query($f: TicketFieldFilter) { tickets(first: 50, filter: { field: $f }) { totalCount edges { node { fields { name value } } } } }`, { f: { name, value } })).tickets as {
        totalCount: number;
        edges: { node: { fields: { name: string; value: string | null }[] } }[];
      });
    const eu = await byValue(agentToken, 'region', 'eu-west-1');
    expect(eu.totalCount).toBe(1);
    expect(eu.edges[0]!.node.fields).toContainEqual({ name: 'region', value: 'eu-west-1' });
    expect((await byValue(gw.adminToken, 'instanceId', 'i-0abc123')).totalCount).toBe(1);
    expect((await byValue(gw.adminToken, 'instanceId', 'I-0ABC123')).totalCount).toBe(0); // exact, as stored
    expect((await byValue(gw.adminToken, 'nosuchfield', 'i-0abc123')).totalCount).toBe(0);
  });
});
