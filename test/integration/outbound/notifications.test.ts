/**
 * Each mail the outbound side writes, through real PostgreSQL, pg-boss and SMTP: recipients,
 * headers, [#N] tag and threading (TESTPLAN L11, S8). Ticket changes that GraphQL mutations make
 * are driven here through notify() itself, in a transaction, as the mutations call it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { queryDatabase } from '../../harness/eventually.js';
import { Message, Person, Queue, Ticket } from '../../../src/entities/index.js';
import { MessageDirection, Role, TicketStatus } from '../../../src/entities/enums.js';
import { notify, type TicketNotification } from '../../../src/outbound/notify.js';
import { ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

interface Hook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('outbound notifications', () => {
  let h: OutboundHarness;
  let hooks: Server;
  const received: { path: string; hook: Hook }[] = [];
  const WEBHOOK_SECRET = 'webhook-secret-0123456789';

  beforeAll(async () => {
    hooks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', hook: { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') } });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    const port = (hooks.address() as AddressInfo).port;
    h = await startOutboundHarness({
      ONCALL_ADDRESSES: 'oncall1@ops.test,oncall2@ops.test',
      ONCALL_WEBHOOK_URL: `http://127.0.0.1:${port}/page`,
      NEW_TICKET_WEBHOOK_URL: `http://127.0.0.1:${port}/new`,
      WEBHOOK_SECRET,
      ESCALATION_ADDRESS: 'dev-team@eng.test',
      AUTOMATIC_MAIL_LIMIT: '10',
    });
    const em = h.ingest.orm.em.fork();
    const queue = await em.findOneOrFail(Queue, { name: 'General' }, { populate: ['watchers'] });
    const watcher = new Person('watcher@staff.test', 'Wanda Watcher');
    watcher.role = Role.AGENT;
    const optedOut = new Person('optout@staff.test', 'Otto Out');
    optedOut.role = Role.AGENT;
    optedOut.watchOptOut = true;
    const agent = new Person('agent@staff.test', 'Agent Smith');
    agent.role = Role.AGENT;
    queue.watchers.add(watcher, optedOut, agent);
    em.persist([watcher, optedOut, agent]);
    await em.flush();
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((r) => hooks?.close(r));
  });

  const notifyNow = async (build: (em: ReturnType<OutboundHarness['ingest']['orm']['em']['fork']>) => Promise<TicketNotification>) => {
    await h.ingest.orm.em.fork().transactional(async (em) => notify(em, await build(em), { config: h.ingest.config, secret: h.ingest.context.secret }));
  };

  async function newTicket(from: string, subject: string, extra: { cc?: string; text?: string } = {}) {
    const messageId = randomMessageId();
    const outcome = await h.ingest.ingest(await buildMail({ from, subject, messageId, cc: extra.cc, text: extra.text ?? 'Please help.' }));
    if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
    return { number: outcome.ticketNumber, messageId };
  }

  it('new ticket: queue watchers get it (not the opted-out agent), the webhook gets a signed POST', async () => {
    const t = await newTicket('Dora <dora@customer.test>', 'VPN down');
    const [w] = await waitForMailsTo(h.sink, 'watcher@staff.test', 1);
    expect(w!.envelope.to).toEqual(['watcher@staff.test']);
    expect(w!.parsed.subject).toBe(`[General] New ticket [#${t.number}] VPN down`);
    expect(w!.header('auto-submitted')).toBe('auto-generated');
    expect(w!.header('x-auto-response-suppress')).toBe('All');
    expect(ids(w!.header('in-reply-to'))).toEqual([t.messageId]);
    await outboxSettled(h.ingest.config.databaseUrl!);
    expect(mailsTo(h.sink, 'optout@staff.test')).toHaveLength(0);
    const hook = received.find((r) => r.path === '/new' && JSON.parse(r.hook.body).ticket.number === t.number)!;
    expect(hook).toBeDefined();
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hook.hook.body).digest('hex')}`;
    expect(hook.hook.headers['x-postdesk-signature']).toBe(signature);
    expect(hook.hook.headers['x-postdesk-event']).toBe('ticket.created');
    expect(JSON.parse(hook.hook.body)).toMatchObject({ event: 'ticket.created', ticket: { subject: 'VPN down', requester: { email: 'dora@customer.test' } } });
  });

  it('a watcher who writes the message is not told about it', async () => {
    const before = mailsTo(h.sink, 'watcher@staff.test').length;
    const t = await newTicket('Wanda Watcher <watcher@staff.test>', 'Internal thing');
    await waitForMailsTo(h.sink, 'agent@staff.test', 1);
    await outboxSettled(h.ingest.config.databaseUrl!);
    const own = mailsTo(h.sink, 'watcher@staff.test').slice(before).filter((m) => m.raw.toString().includes(`[#${t.number}]`));
    // Only the acknowledgement (she is also the requester), no watcher mail about her own ticket.
    expect(own.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())![1])).toEqual([`Re: [#${t.number}] Internal thing`]);
  });

  it('public reply: to requester and CCs, From the agent at the support address, no Auto-Submitted, threaded, Message-ID stored', async () => {
    const t = await newTicket('Erin <erin@customer.test>', 'Invoice wrong', { cc: 'frank@customer.test' });
    await waitForMailsTo(h.sink, 'erin@customer.test', 1);
    let replyId = 0;
    await notifyNow(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number: t.number });
      const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
      const message = new Message(ticket, MessageDirection.OUTBOUND);
      message.author = agent;
      message.bodyText = 'We corrected the invoice.';
      em.persist(message);
      await em.flush();
      replyId = message.id;
      return { kind: 'public-reply', ticket, message, actor: agent };
    });
    const [, reply] = await waitForMailsTo(h.sink, 'erin@customer.test', 2);
    expect([...reply!.envelope.to].sort()).toEqual(['erin@customer.test', 'frank@customer.test']);
    expect(reply!.parsed.from?.value[0]).toEqual({ address: 'support@example.com', name: 'Agent Smith (Support)' });
    expect(reply!.header('auto-submitted')).toBeUndefined();
    expect(reply!.header('x-auto-response-suppress')).toBe('All');
    expect(reply!.parsed.subject).toBe(`Re: [#${t.number}] Invoice wrong`);
    expect(ids(reply!.header('in-reply-to'))).toEqual([t.messageId]);
    expect(ids(reply!.header('references'))).toContain(t.messageId);
    const stored = await queryDatabase<{ message_id: string }>(h.ingest.config.databaseUrl!, `select message_id from message where id = $1`, [replyId]);
    expect(stored[0]!.message_id).toBe(ids(reply!.header('message-id'))[0]);
  });

  it('status changes mail the requester: in progress, waiting (quoting what is needed), closed, reopened', async () => {
    const t = await newTicket('Gina <gina@customer.test>', 'Laptop slow');
    await waitForMailsTo(h.sink, 'gina@customer.test', 1);
    const change = (from: TicketStatus, to: TicketStatus, reason?: string) =>
      notifyNow(async (em) => {
        const ticket = await em.findOneOrFail(Ticket, { number: t.number });
        const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
        if (to === TicketStatus.WAITING_FOR_CUSTOMER) {
          const ask = new Message(ticket, MessageDirection.OUTBOUND);
          ask.author = agent;
          ask.bodyText = 'Which model is it?';
          em.persist(ask);
        }
        ticket.status = to;
        return { kind: 'status-changed', ticket, from, to, actor: agent, reason };
      });
    await change(TicketStatus.OPEN, TicketStatus.IN_PROGRESS);
    await change(TicketStatus.IN_PROGRESS, TicketStatus.WAITING_FOR_CUSTOMER);
    await change(TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.CLOSED, 'Solved by a restart.');
    await change(TicketStatus.CLOSED, TicketStatus.OPEN, 'Still slow.');
    const mails = await waitForMailsTo(h.sink, 'gina@customer.test', 5);
    const subjects = mails.slice(1).map((m) => m.parsed.subject);
    expect(subjects).toEqual([
      `Re: [#${t.number}] Laptop slow (in progress)`,
      `Re: [#${t.number}] Laptop slow (waiting for your answer)`,
      `Re: [#${t.number}] Laptop slow (closed)`,
      `Re: [#${t.number}] Laptop slow (reopened)`,
    ]);
    expect(mails[2]!.parsed.text).toContain('Which model is it?');
    expect(mails[3]!.parsed.text).toContain('Solved by a restart.');
    for (const m of mails.slice(1)) {
      expect(m.header('auto-submitted')).toBe('auto-generated');
      expect(m.envelope.to).toEqual(['gina@customer.test']);
      expect(ids(m.header('references'))[0]).toBe(t.messageId);
    }
  });

  it('internal note: watchers only, never the requester or CCs (S8)', async () => {
    const t = await newTicket('Hank <hank@customer.test>', 'Password reset', { cc: 'ivy@customer.test' });
    await waitForMailsTo(h.sink, 'hank@customer.test', 1);
    await notifyNow(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number: t.number });
      const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
      const note = new Message(ticket, MessageDirection.NOTE);
      note.author = agent;
      note.bodyText = 'Customer is a VIP, be quick.';
      em.persist(note);
      return { kind: 'note-added', ticket, message: note, actor: agent };
    });
    const notes = await waitForMailsTo(h.sink, 'watcher@staff.test', 1).then(() =>
      outboxSettled(h.ingest.config.databaseUrl!).then(() => h.sink.messages.filter((m) => m.raw.toString().includes('Customer is a VIP'))),
    );
    expect(notes.map((m) => m.to).flat().sort()).toEqual(['watcher@staff.test']); // the agent wrote it; opted-out agent skipped
    expect(mailsTo(h.sink, 'hank@customer.test')).toHaveLength(1);
    expect(mailsTo(h.sink, 'ivy@customer.test')).toHaveLength(1);
  });

  it('escalation: the escalation address gets details, requester and the whole thread', async () => {
    const t = await newTicket('Jack <jack@customer.test>', 'Data loss', { text: 'All my files are gone.' });
    await notifyNow(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number: t.number });
      const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
      return { kind: 'escalated', ticket, note: 'Looks like a storage bug', actor: agent };
    });
    const [m] = await waitForMailsTo(h.sink, 'dev-team@eng.test', 1);
    expect(m!.parsed.subject).toBe(`[Escalated] [#${t.number}] Data loss`);
    expect(m!.parsed.text).toContain('Looks like a storage bug');
    expect(m!.parsed.text).toContain('Jack <jack@customer.test>');
    expect(m!.parsed.text).toContain('All my files are gone.');
    expect(m!.header('auto-submitted')).toBe('auto-generated');
  });

  it('emergency: every on-call address and the on-call webhook are paged; the acknowledgement says so', async () => {
    const outcome = await h.ingest.ingest(await buildMail({ from: 'kim@customer.test', to: 'emergency@example.com', subject: 'Server room flooded' }));
    expect(outcome.kind).toBe('ticket');
    const number = (outcome as { ticketNumber: number }).ticketNumber;
    const [p1] = await waitForMailsTo(h.sink, 'oncall1@ops.test', 1);
    const [p2] = await waitForMailsTo(h.sink, 'oncall2@ops.test', 1);
    for (const p of [p1!, p2!]) {
      expect(p.parsed.subject).toBe(`EMERGENCY [#${number}] Server room flooded`);
      expect(p.envelope.to).toHaveLength(1);
      expect(p.header('auto-submitted')).toBe('auto-generated');
    }
    const [ack] = await waitForMailsTo(h.sink, 'kim@customer.test', 1);
    expect(ack!.parsed.text).toContain('on-call team has been alerted');
    expect(ack!.header('auto-submitted')).toBe('auto-replied');
    const page = received.find((r) => r.path === '/page')!;
    expect(JSON.parse(page.hook.body)).toMatchObject({ event: 'emergency', ticket: { number, priority: 'URGENT' } });
    expect(JSON.parse(page.hook.body).text).toMatch(new RegExp(`^EMERGENCY: ticket #${number} (in \`[^\`]+\` )?from \`kim@customer\\.test\`: \`Server room flooded\`$`));
    expect(page.hook.headers['x-postdesk-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(page.hook.body).digest('hex')}`);
  });

  it('never more than 10 automatic mails to one address per hour; one loop-suspected event; agent replies still go', async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 12; i++) numbers.push((await newTicket('bot@loop.test', `Ping ${i}`)).number);
    await outboxSettled(h.ingest.config.databaseUrl!);
    expect(mailsTo(h.sink, 'bot@loop.test')).toHaveLength(10);
    const events = await queryDatabase<{ n: string }>(h.ingest.config.databaseUrl!, `select count(*)::text as n from ticket_event where kind = 'loop-suspected' and to_value = 'bot@loop.test'`);
    expect(events[0]!.n).toBe('1');
    await notifyNow(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number: numbers.at(-1)! });
      const agent = await em.findOneOrFail(Person, { email: 'agent@staff.test' });
      const message = new Message(ticket, MessageDirection.OUTBOUND);
      message.author = agent;
      message.bodyText = 'A human answer.';
      em.persist(message);
      return { kind: 'public-reply', ticket, message, actor: agent };
    });
    await waitForMailsTo(h.sink, 'bot@loop.test', 11);
  });

  it('an address that bounced gets no automatic mail; an agent reply still goes, with a warning on the ticket (L7)', async () => {
    const t = await newTicket('lou@customer.test', 'Bounce me');
    await waitForMailsTo(h.sink, 'lou@customer.test', 1);
    const em = h.ingest.orm.em.fork();
    const lou = await em.findOneOrFail(Person, { email: 'lou@customer.test' });
    lou.undeliverableSince = new Date();
    await em.flush();
    for (const to of [TicketStatus.IN_PROGRESS, TicketStatus.CLOSED, TicketStatus.OPEN]) {
      await notifyNow(async (em2) => {
        const ticket = await em2.findOneOrFail(Ticket, { number: t.number });
        return { kind: 'status-changed', ticket, from: TicketStatus.IN_PROGRESS, to, actor: null };
      });
    }
    await notifyNow(async (em2) => {
      const ticket = await em2.findOneOrFail(Ticket, { number: t.number });
      const agent = await em2.findOneOrFail(Person, { email: 'agent@staff.test' });
      const message = new Message(ticket, MessageDirection.OUTBOUND);
      message.author = agent;
      message.bodyText = 'Are you there?';
      em2.persist(message);
      return { kind: 'public-reply', ticket, message, actor: agent };
    });
    const mails = await waitForMailsTo(h.sink, 'lou@customer.test', 2);
    await outboxSettled(h.ingest.config.databaseUrl!);
    expect(mailsTo(h.sink, 'lou@customer.test')).toHaveLength(2);
    expect(mails[1]!.parsed.text).toContain('Are you there?');
    const warnings = await queryDatabase<{ kind: string }>(h.ingest.config.databaseUrl!, `select e.kind from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'delivery-warning'`, [t.number]);
    expect(warnings).toHaveLength(1);
  });

  it('CR/LF in a customer name, an agent name and a queue name never adds a header or recipient', async () => {
    const t = await newTicket('"Mal\\r\\nBcc: evil@attacker.test" <mal@customer.test>', 'Hello =?utf-8?q?x=0D=0ABcc:_evil@attacker.test?=');
    await notifyNow(async (em) => {
      const ticket = await em.findOneOrFail(Ticket, { number: t.number });
      const agent = new Person('evil-agent@staff.test', 'Eve\r\nBcc: evil@attacker.test\u2028X-Injected: yes');
      agent.role = Role.AGENT;
      em.persist(agent);
      const message = new Message(ticket, MessageDirection.OUTBOUND);
      message.author = agent;
      message.bodyText = 'Reply\r\nBcc: not-a-header@attacker.test';
      em.persist(message);
      return { kind: 'public-reply', ticket, message, actor: agent };
    });
    const mails = await waitForMailsTo(h.sink, 'mal@customer.test', 2);
    await outboxSettled(h.ingest.config.databaseUrl!);
    expect(h.sink.messages.filter((m) => m.to.includes('evil@attacker.test'))).toHaveLength(0);
    for (const m of mails) {
      expect(m.envelope.to).toEqual(['mal@customer.test']);
      expect(m.parsed.bcc).toBeUndefined();
      expect(m.parsed.headers.has('x-injected')).toBe(false);
      expect(m.parsed.subject).not.toMatch(/[\r\n]/);
    }
  });
});
