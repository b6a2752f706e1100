/**
 * Customer organisations: admins name an organisation's mail domains over GraphQL; a colleague of
 * the requester writing from one of them then posts to the ticket by its [#N] tag, where before
 * (and again once the organisation is gone) the same mail opened a new linked ticket, as a
 * stranger's does (TESTPLAN S3 stays closed for every other domain). Real gateway, real ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let ticket: number;

async function ok(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

/** The BAD_USER_INPUT errors of a call as `field: message`. */
async function refused(query: string, variables?: Record<string, unknown>): Promise<string[]> {
  const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
  expect(response.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT'), JSON.stringify(response.errors)).toBe(true);
  return response.errors!.map((e) => e.message);
}

/** Where a tagged follow-up from `from` lands: 'comment' on the ticket, or 'ticket' (a new one, linked). */
async function followUp(from: string): Promise<string> {
  const outcome = await h.ingest(await buildMail({ from, subject: `Re: [#${ticket}] VPN down`, text: 'Same problem here, on the second floor.' }));
  if (outcome.kind === "comment") expect(outcome.ticketNumber).toBe(ticket);
  return outcome.kind;
}

const CREATE = `mutation($i: OrganizationInput!) { createOrganization(input: $i) { name domains } }`;

beforeAll(async () => {
  gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com' });
  h = await createIngestHarness({ SUPPORT_ADDRESS: 'support@example.com' }, gw.databaseUrl);
  const outcome = await h.ingest(await buildMail({ from: 'Rosa <rosa@acme.test>', subject: 'VPN down', text: 'The VPN drops every five minutes.' }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  ticket = outcome.ticketNumber;
}, 60_000);

afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('a customer organisation', () => {
  it("lets the requester's colleagues post by tag, exactly on its domains, and only while it exists", async () => {
    expect(await followUp('Dave <dave@acme.test>')).toBe('ticket'); // no organisation yet: a stranger
    // The stranger's ticket is linked to Rosa's, and Rosa's ticket shows it.
    const linked = (await ok(`query($n: Int!) { ticket(number: $n) { linkedFrom } }`, { n: ticket })).ticket.linkedFrom;
    expect(linked).toHaveLength(1);
    expect((await ok(`query($n: Int!) { ticket(number: $n) { linkedTo requester { email } } }`, { n: linked[0] })).ticket).toEqual({ linkedTo: ticket, requester: { email: 'dave@acme.test' } });

    const created = await ok(CREATE, { i: { name: 'Acme', domains: [' ACME.test ', '@acme-group.example', 'acme.test'] } });
    expect(created.createOrganization).toEqual({ name: 'Acme', domains: ['acme.test', 'acme-group.example'] });
    expect(await followUp('Dave <dave@acme.test>')).toBe('comment');
    expect(await followUp('Eve <eve@ACME-group.example>')).toBe('comment');
    expect(await followUp('Sub <x@mail.acme.test>')).toBe('ticket');
    expect(await followUp('Mallory <m@acme.test.evil.example>')).toBe('ticket');

    await ok(`mutation { updateOrganization(name: "Acme", input: { name: "Acme Corp", domains: ["acme.test"] }) { name } }`);
    expect(await followUp('Dave <dave@acme.test>')).toBe('comment');
    expect(await followUp('Eve <eve@acme-group.example>')).toBe('ticket'); // acme-group.example no longer listed
    expect((await ok(`{ organizations { name domains } }`)).organizations).toEqual([{ name: 'Acme Corp', domains: ['acme.test'] }]);
    const listed = async (organization: string) =>
      (await ok(`query($o: String!) { tickets(filter: { organization: $o }, first: 50) { edges { node { requester { email } } } } }`, { o: organization })).tickets.edges
        .map((e: Data) => e.node.requester.email)
        .sort();
    expect(await listed('Acme Corp')).toEqual(['dave@acme.test', 'rosa@acme.test']); // not x@mail.acme.test, not eve@acme-group.example
    expect(await listed('No such organisation')).toEqual([]);

    await ok(`mutation { deleteOrganization(name: "Acme Corp") { name } }`);
    expect(await followUp('Dave <dave@acme.test>')).toBe('ticket');
    const events = await queryDatabase<{ kind: string; from_value: string | null; to_value: string | null }>(
      gw.databaseUrl,
      `select kind, from_value, to_value from ticket_event where kind like 'organization-%' order by id`,
    );
    expect(events).toEqual([
      { kind: 'organization-created', from_value: null, to_value: 'Acme' },
      { kind: 'organization-updated', from_value: 'Acme', to_value: 'Acme Corp' },
      { kind: 'organization-deleted', from_value: 'Acme Corp', to_value: null },
    ]);
  });

  it('refuses what is not a mail domain, a domain another organisation has, a taken name and too many domains', async () => {
    await ok(CREATE, { i: { name: 'Globex', domains: ['globex.example', 'münchen-globex.example'] } });
    expect((await ok(`{ organizations { name domains } }`)).organizations).toEqual([{ name: 'Globex', domains: ['globex.example', 'xn--mnchen-globex-wob.example'] }]);
    expect(await refused(CREATE, { i: { name: 'Initech', domains: ['initech.example', 'not a domain', 'localhost', '-bad-.example'] } })).toEqual([
      'domains.1: must be a mail domain such as example.com; domains.2: must be a mail domain such as example.com; domains.3: must be a mail domain such as example.com',
    ]);
    expect(await refused(CREATE, { i: { name: 'Initech', domains: ['initech.example', 'GLOBEX.example'] } })).toEqual(['domains.1: globex.example belongs to "Globex"']);
    expect(await refused(CREATE, { i: { name: 'Globex', domains: [] } })).toEqual(['name: an organization named "Globex" already exists']);
    const many = Array.from({ length: 51 }, (_, i) => `d${i}.example`);
    expect(await refused(CREATE, { i: { name: 'Huge', domains: many } })).toEqual(['domains: at most 50 domains']);
    expect((await ok(`{ organizations { name } }`)).organizations).toEqual([{ name: 'Globex' }]);
  });
});
