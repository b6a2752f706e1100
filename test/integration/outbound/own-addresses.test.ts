/**
 * CCs and postdesk's own addresses (TESTPLAN S8, loop safety of issue item 6), with
 * REPLY_TO_PLUS_ADDRESSING on: a customer answering `support+N@` or writing to a queue's address
 * never makes those addresses CCs, and outbound mail never goes to them; a CC the requester adds
 * on a ticket that had none is added and recorded; a stranger adding themselves is not. Mail
 * about a ticket in a queue with its own address comes from that address (FROM_QUEUE_ADDRESS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { Message, Person, Queue, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, Role } from '../../../src/entities/enums.js';
import { notify } from '../../../src/outbound/notify.js';
import { ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

describe('own addresses never become CCs or recipients; requester-added CCs are recorded', () => {
  let h: OutboundHarness;

  beforeAll(async () => {
    h = await startOutboundHarness({ REPLY_TO_PLUS_ADDRESSING: 'true', FROM_QUEUE_ADDRESS: 'true' });
    const em = h.ingest.orm.em.fork();
    const billing = new Queue('Billing');
    billing.emailAddress = 'billing@example.com';
    em.persist(billing);
    const agent = new Person('agent@staff.test', 'Agent Smith');
    agent.role = Role.AGENT;
    em.persist(agent);
    await em.flush();
  });
  afterAll(async () => h?.close());

  const ccsOf = async (number: number) =>
    (await h.ingest.orm.em.fork().findOneOrFail(Ticket, { number }, { populate: ['ccs'] })).ccs.getItems().map((p) => p.email).sort();
  const events = (number: number, kind: string) =>
    queryDatabase<{ to_value: string; actor_email: string | null }>(
      h.ingest.config.databaseUrl!,
      `select e.to_value, p.email as actor_email from ticket_event e join ticket t on t.id = e.ticket_id left join person p on p.id = e.actor_id
        where t.number = $1 and e.kind = $2 order by e.id`,
      [number, kind],
    );

  it('S8: the requester answers support+N@ and adds a CC to a ticket that had none: added, recorded, never the plus-address', async () => {
    const first = randomMessageId();
    const outcome = await h.ingest.ingest(await buildMail({ from: 'Nina <nina@customer.test>', subject: 'Monitor flickers', messageId: first }));
    expect(outcome.kind).toBe('ticket');
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    const [ack] = await waitForMailsTo(h.sink, 'nina@customer.test', 1);
    const plus = `support+${number}@example.com`;
    expect(ack!.parsed.replyTo?.value[0]?.address).toBe(plus);
    expect(await ccsOf(number)).toEqual([]);

    const ackId = ids(ack!.header('message-id'))[0]!;
    const reply = await h.ingest.ingest(
      await buildMail({ from: 'Nina <nina@customer.test>', to: plus, cc: ['Oscar <oscar@customer.test>', 'support@example.com'], subject: 'Re: Monitor flickers', text: 'Oscar sits next to me.', inReplyTo: ackId, references: [first, ackId] }),
    );
    expect(reply).toMatchObject({ kind: 'comment', ticketNumber: number });
    expect(await ccsOf(number)).toEqual(['oscar@customer.test']);
    expect(await events(number, 'cc-added')).toEqual([{ to_value: 'oscar@customer.test', actor_email: 'nina@customer.test' }]);

    // A stranger answering the same thread and naming themselves and a friend: no CC added.
    const stranger = await h.ingest.ingest(
      await buildMail({ from: 'mallory@elsewhere.test', to: plus, cc: 'mallory-friend@elsewhere.test', subject: `Re: [#${number}] Monitor flickers`, text: 'Add me.', inReplyTo: ackId }),
    );
    expect(['comment', 'ticket']).toContain(stranger.kind);
    expect(await ccsOf(number)).toEqual(['oscar@customer.test']);
    expect(await events(number, 'cc-added')).toHaveLength(1);
  });

  it('a mail to a queue address, CCing plus-addresses of ours, adds none of them; the acknowledgement goes to the requester only', async () => {
    const outcome = await h.ingest.ingest(
      await buildMail({
        from: 'paul@customer.test',
        to: 'billing@example.com',
        cc: ['support+12@example.com', 'Billing <BILLING+urgent@example.com>', 'emergency@example.com', 'quinn@customer.test'],
        subject: 'Invoice 2026-11',
      }),
    );
    expect(outcome.kind).toBe('ticket');
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    expect(await ccsOf(number)).toEqual(['quinn@customer.test']);
    const [ack] = await waitForMailsTo(h.sink, 'paul@customer.test', 1);
    expect([...ack!.envelope.to].sort()).toEqual(['paul@customer.test', 'quinn@customer.test']);
  });

  it("FROM_QUEUE_ADDRESS: mail about a ticket in a queue with its own address comes from that address (replies to it thread), and from SUPPORT_ADDRESS once the ticket moves to a queue without one", async () => {
    const first = randomMessageId();
    const outcome = await h.ingest.ingest(await buildMail({ from: 'Sam <sam@customer.test>', to: 'billing@example.com', subject: 'Refund', messageId: first }));
    expect(outcome.kind).toBe('ticket');
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    const [ack] = await waitForMailsTo(h.sink, 'sam@customer.test', 1);
    expect(ack!.parsed.from?.value[0]).toEqual({ address: 'billing@example.com', name: 'Billing' });
    expect(ack!.parsed.replyTo?.value[0]?.address).toBe(`billing+${number}@example.com`);
    expect(ack!.envelope.from).toBe('support@example.com'); // bounces still come back to the support mailbox
    const ackId = ids(ack!.header('message-id'))[0]!;
    const answer = await h.ingest.ingest(
      await buildMail({ from: 'Sam <sam@customer.test>', to: `billing+${number}@example.com`, subject: 'Re: Refund', text: 'Order 1234.', inReplyTo: ackId, references: [first, ackId] }),
    );
    expect(answer).toMatchObject({ kind: 'comment', ticketNumber: number });

    const reply = async (text: string, queue?: string) =>
      h.ingest.orm.em.fork().transactional(async (em) => {
        const ticket = await em.findOneOrFail(Ticket, { number });
        if (queue) {
          const moved = new Queue(queue);
          em.persist(moved);
          ticket.queue = moved;
        }
        const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
        const message = new Message(ticket, MessageDirection.OUTBOUND);
        message.author = agent;
        message.bodyText = text;
        em.persist(message);
        await notify(em, { kind: 'public-reply', ticket, message, actor: agent }, { config: h.ingest.config, secret: h.ingest.context.secret });
      });
    await reply('Refunded.');
    const [, fromBilling] = await waitForMailsTo(h.sink, 'sam@customer.test', 2);
    expect(fromBilling!.parsed.from?.value[0]).toEqual({ address: 'billing@example.com', name: 'Agent Smith (Billing)' });
    await reply('Moved to our hardware team.', 'Hardware');
    const [, , fromSupport] = await waitForMailsTo(h.sink, 'sam@customer.test', 3);
    expect(fromSupport!.parsed.from?.value[0]).toEqual({ address: 'support@example.com', name: 'Agent Smith (Support)' });
    expect(fromSupport!.parsed.replyTo?.value[0]?.address).toBe(`support+${number}@example.com`);
  });

  it('outbound skips own plus-addresses and queue addresses even when a ticket somehow has them as CCs', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'rosa@customer.test', subject: 'Keyboard' }));
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    await waitForMailsTo(h.sink, 'rosa@customer.test', 1);
    const own = ['support+77@example.com', 'billing@example.com', 'billing+x@example.com', 'emergency+1@example.com'];
    await h.ingest.orm.em.fork().transactional(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number }, { populate: ['ccs'] });
      for (const email of own) {
        const person = new Person(email, null);
        em.persist(person);
        ticket.ccs.add(person);
      }
      const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
      const message = new Message(ticket, MessageDirection.OUTBOUND);
      message.author = agent;
      message.bodyText = 'Try another USB port.';
      em.persist(message);
      await notify(em, { kind: 'public-reply', ticket, message, actor: agent }, { config: h.ingest.config, secret: h.ingest.context.secret });
    });
    const [, reply] = await waitForMailsTo(h.sink, 'rosa@customer.test', 2);
    expect(reply!.envelope.to).toEqual(['rosa@customer.test']);
    await outboxSettled(h.ingest.config.databaseUrl!);
    for (const email of own) expect(mailsTo(h.sink, email), email).toHaveLength(0);
    const rows = await queryDatabase<{ n: string }>(h.ingest.config.databaseUrl!, `select count(*)::text as n from outbound_delivery where recipients && $1::text[]`, [own]);
    expect(rows[0]!.n).toBe('0');
  });
});
