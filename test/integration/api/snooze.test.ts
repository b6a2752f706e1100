/**
 * Snoozing a ticket, over real HTTP on a real database with real ingest and a real SMTP sink: out
 * of the work list until its time (the minutely run, here on a controllable clock, wakes it and
 * mails the assignee), or until the customer writes, an agent ends it, or it is closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSnoozeWakeups } from '../../../src/automation/wake-snoozed.js';
import type { TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import type { IngestHarness } from '../../harness/ingest.js';
import { startDesk, type Desk } from '../../harness/desk.js';
import { buildMail } from '../../harness/mail.js';
import type { SmtpSink } from '../../harness/smtp-sink.js';
import { outboxSettled, waitForMailsTo } from '../outbound/outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAY = 86_400_000;
let desk: Desk;
let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let alice: string;

const SNOOZE = `mutation($n: Int!, $until: DateTime!, $note: String) { snoozeTicket(number: $n, until: $until, note: $note) { ticket { snoozedUntil } userErrors { field message } } }`;
const snooze = async (n: number, until: Date, note: string | null = null) => (await gqlData<Data>(gw.url, alice, SNOOZE, { n, until: until.toISOString(), note })).snoozeTicket;
const snoozedUntil = async (n: number): Promise<string | null> => (await gqlData<Data>(gw.url, alice, `{ ticket(number: ${n}) { snoozedUntil } }`)).ticket.snoozedUntil;
const listed = async (snoozed: boolean): Promise<number[]> =>
  (await gqlData<Data>(gw.url, alice, `query($s: Boolean) { tickets(filter: { snoozed: $s }, first: 100) { edges { node { number } } } }`, { s: snoozed })).tickets.edges.map((e: Data) => e.node.number);
const events = (n: number) =>
  queryDatabase<{ kind: string; actor_label: string | null; to_value: string | null; detail: Record<string, string> | null }>(
    gw.databaseUrl,
    `select e.kind, e.actor_label, e.to_value, e.detail from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind in ('snoozed', 'snooze-ended') order by e.id`,
    [n],
  );

async function ticket(from: string): Promise<number> {
  const outcome = await h.ingest(await buildMail({ from, subject: `Question from ${from}` }));
  if (outcome.kind !== 'ticket') throw new Error(JSON.stringify(outcome));
  return outcome.ticketNumber;
}

beforeAll(async () => {
  desk = await startDesk();
  ({ gw, h, sink, alice } = desk);
});
afterAll(() => desk?.close());

describe('snoozeTicket', () => {
  it('leaves the work list until its time, then wakes with an event and a mail to the assignee', async () => {
    const n = await ticket('ann@customer.test');
    await gqlData(gw.url, alice, `mutation { assignToMe(number: ${n}) { userErrors { message } } }`);
    const until = new Date(Date.now() + 2 * DAY);
    expect(await snooze(n, until, 'Waiting for the vendor until Wednesday.')).toEqual({ ticket: { snoozedUntil: until.toISOString() }, userErrors: [] });
    expect(await listed(false)).not.toContain(n);
    expect(await listed(true)).toContain(n);

    const ctx = { config: gw.config, secret: gw.app.state.secret! };
    const orm = gw.app.state.orm!;
    expect(await runSnoozeWakeups(orm, ctx, new Date(Date.now() + DAY))).toEqual([]);
    const [a, b] = await Promise.all([runSnoozeWakeups(orm, ctx, new Date(until.getTime() + 1000)), runSnoozeWakeups(orm, ctx, new Date(until.getTime() + 1000))]);
    expect([...a!, ...b!]).toEqual([n]); // two instances' runs at once: woken once
    expect(await snoozedUntil(n)).toBeNull();
    expect(await listed(false)).toContain(n);
    expect(await events(n)).toEqual([
      { kind: 'snoozed', actor_label: null, to_value: until.toISOString(), detail: { note: 'Waiting for the vendor until Wednesday.' } },
      { kind: 'snooze-ended', actor_label: 'automation:snooze', to_value: null, detail: { reason: 'its time came' } },
    ]);
    const [back] = await waitForMailsTo(sink, 'alice@example.com', 1);
    expect(back!.parsed.subject).toBe(`[Back] [#${n}] Question from ann@customer.test`);
    expect(back!.parsed.text).toContain(`was snoozed until ${until.toISOString()}`);
  });

  it('wakes when the customer writes, when an agent ends it, and when the ticket is closed', async () => {
    const wrote = await ticket('bob@customer.test');
    await snooze(wrote, new Date(Date.now() + DAY));
    expect(await h.ingest(await buildMail({ from: 'bob@customer.test', subject: `Re: [#${wrote}] Question`, text: 'Any news?' }))).toMatchObject({ kind: 'comment' });
    expect(await snoozedUntil(wrote)).toBeNull();
    expect((await events(wrote)).at(-1)).toMatchObject({ kind: 'snooze-ended', detail: { reason: 'the customer wrote' } });

    const ended = await ticket('cat@customer.test');
    await snooze(ended, new Date(Date.now() + DAY));
    const unsnooze = `mutation { unsnoozeTicket(number: ${ended}) { ticket { snoozedUntil } userErrors { field message } } }`;
    expect((await gqlData<Data>(gw.url, alice, unsnooze)).unsnoozeTicket).toEqual({ ticket: { snoozedUntil: null }, userErrors: [] });
    expect((await gqlData<Data>(gw.url, alice, unsnooze)).unsnoozeTicket.userErrors).toEqual([{ field: ['number'], message: `ticket #${ended} is not snoozed` }]);

    const closed = await ticket('dan@customer.test');
    await snooze(closed, new Date(Date.now() + DAY));
    await gqlData(gw.url, alice, `mutation { closeTicket(number: ${closed}) { userErrors { message } } }`);
    expect(await snoozedUntil(closed)).toBeNull();
    await outboxSettled(gw.databaseUrl);
    // None of these woke by the clock: nobody was mailed that they are back.
    expect(sink.messages.filter((m) => /^Subject: \[Back\]/m.test(m.raw.toString()))).toHaveLength(1);
  });

  it('refuses a time past or more than a year ahead, and a closed ticket', async () => {
    const n = await ticket('eve@customer.test');
    expect((await snooze(n, new Date(Date.now() - 1000))).userErrors).toEqual([{ field: ['until'], message: 'must be in the future' }]);
    expect((await snooze(n, new Date(Date.now() + 366 * DAY))).userErrors).toEqual([{ field: ['until'], message: 'must be at most 365 days ahead' }]);
    await gqlData(gw.url, alice, `mutation { closeTicket(number: ${n}) { userErrors { message } } }`);
    expect((await snooze(n, new Date(Date.now() + DAY))).userErrors).toEqual([{ field: ['number'], message: `ticket #${n} is closed` }]);
    expect(await events(n)).toEqual([]);
  });
});
