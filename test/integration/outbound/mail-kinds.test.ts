/**
 * The mail kinds of issue 6 item 2 not covered elsewhere, driven the way they happen in production:
 * GraphQL mutations over real HTTP against the real gateway (its own outbound worker, pg-boss,
 * SMTP to the capturing sink) and inbound mail through the real ingest pipeline on its database.
 *
 *  - watcher mail on a new inbound comment, to queue watchers AND ticket watchers;
 *  - createTicket: the customer's mail with the agent's text, and their answer threading back;
 *  - approval requests for PENDING_APPROVAL tickets, and the requester's mail when approved;
 *  - the attachment-refusal notice: one per message, never to automatic mail (S12);
 *  - escalation to the queue's own escalation address, else ESCALATION_ADDRESS;
 *  - an acknowledgement a rule suppressed (watchers are still told);
 *  - a new-ticket webhook whose endpoint fails first: retried, delivered once, same bytes;
 *  - TESTPLAN L11 over everything captured: every automatic kind carries Auto-Submitted and
 *    X-Auto-Response-Suppress: All; 0% of agent replies carry Auto-Submitted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { gql } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { MAGIC } from '../../unit/ingest/build-eml.js';
import { ids, mailsTo, outboxSettled, parseCaptured, waitForMailsTo } from './outbound-harness.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestApp;
let h: IngestHarness;
let sink: SmtpSink;
let hooks: Server;
const hookRequests: { delivery: string; body: string; status: number }[] = [];

async function ok(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await gql<Data>(gw.url, gw.adminToken, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

async function newTicket(mail: Parameters<typeof buildMail>[0]): Promise<number> {
  const outcome = await h.ingest(await buildMail(mail));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(outcome)}`);
  return outcome.ticketNumber;
}

const settled = () => outboxSettled(gw.databaseUrl);
const subjectsTo = (address: string) => mailsTo(sink, address).map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1] ?? '');

beforeAll(async () => {
  let failing: string | null = null;
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The first delivery fails twice (a chat service having a bad minute); everything else succeeds.
      const delivery = String(req.headers['x-postdesk-delivery']);
      failing ??= delivery;
      const status = delivery === failing && hookRequests.filter((r) => r.delivery === delivery).length < 2 ? 503 : 204;
      hookRequests.push({ delivery, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  sink = await startSmtpSink();
  // One configuration for the gateway (mutations) and the ingest pipeline running beside it.
  const env = {
    SUPPORT_ADDRESS: 'support@example.com',
    EMERGENCY_ADDRESS: 'emergency@example.com',
    SMTP_URL: sink.url,
    ESCALATION_ADDRESS: 'dev-team@eng.test',
    ONCALL_ADDRESSES: 'pager@ops.test',
    NEW_TICKET_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/new`,
    OUTBOUND_RETRY_DELAY_SECONDS: '1',
    OUTBOUND_RETRY_MAX_DELAY_SECONDS: '2',
  };
  gw = await startTestApp(env);
  h = await createIngestHarness(env, gw.databaseUrl);
  for (const [email, name] of [
    ['qwatch@staff.test', 'Quentin Queue-Watcher'],
    ['twatch@staff.test', 'Tina Ticket-Watcher'],
    ['carol@staff.test', 'Carol Approver'],
    ['agent@staff.test', 'Agent Smith'],
  ]) {
    await ok(`mutation($i: CreateAgentInput!) { createAgent(input: $i) { userErrors { message } } }`, { i: { email, name, role: 'AGENT' } });
  }
  await ok(`mutation { addQueueWatcher(queue: "General", email: "qwatch@staff.test") { userErrors { message } } }`);
  await ok(`mutation { createQueue(input: { name: "Network", emailAddress: "network@example.com" }) { userErrors { message } } }`);
  await ok(`mutation { updateQueue(name: "Network", input: { escalationAddress: "net-escalation@eng.test" }) { userErrors { message } } }`);
  await ok(`mutation { createCategory(input: { name: "Access", requiresApproval: true, approver: "carol@staff.test" }) { name } }`);
  const rule = `mutation($input: RuleInput!) { createRule(input: $input) { name } }`;
  await ok(rule, { input: { name: 'access requests', conditions: { field: 'subject', operator: 'contains', value: 'access request' }, actions: [{ setCategory: 'Access' }] } });
  await ok(rule, { input: { name: 'no acknowledgement for the newsletter desk', conditions: { field: 'subject', operator: 'contains', value: 'quiet please' }, actions: [{ suppressAcknowledgement: true }] } });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await gw?.stop();
  await sink?.stop();
  await new Promise((r) => hooks?.close(r));
});

describe('mail kinds through mutations and ingest', () => {
  it('a new inbound comment mails queue watchers and ticket watchers, never the customer who wrote it', async () => {
    const first = randomMessageId();
    const number = await newTicket({ from: 'Uma <uma@customer.test>', subject: 'Scanner offline', messageId: first });
    await ok(`mutation { addTicketWatcher(number: ${number}, email: "twatch@staff.test") { userErrors { message } } }`);
    await waitForMailsTo(sink, 'uma@customer.test', 1);
    const comment = await h.ingest(await buildMail({ from: 'Uma <uma@customer.test>', subject: 'Re: Scanner offline', text: 'It is on floor 4.', inReplyTo: first, references: [first] }));
    expect(comment).toMatchObject({ kind: 'comment', ticketNumber: number });
    const [q] = (await waitForMailsTo(sink, 'qwatch@staff.test', 2)).filter((m) => m.parsed.text?.includes('It is on floor 4.'));
    const [t] = (await waitForMailsTo(sink, 'twatch@staff.test', 1)).filter((m) => m.parsed.text?.includes('It is on floor 4.'));
    for (const m of [q!, t!]) {
      expect(m.envelope.to).toHaveLength(1);
      expect(m.parsed.subject).toContain(`[#${number}]`);
      expect(m.header('auto-submitted')).toBe('auto-generated');
    }
    await settled();
    expect(mailsTo(sink, 'uma@customer.test')).toHaveLength(1); // the acknowledgement only
  });

  it('createTicket mails the customer the agent\'s text with the ticket number; their answer threads back; queue watchers are told', async () => {
    const created = await ok(`mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { number messages { messageId } } userErrors { field message } } }`, {
      i: { requester: 'yan@customer.test', requesterName: 'Yan', subject: 'Your call about the badge reader', body: 'We will send a technician on Tuesday.' },
    });
    expect(created.createTicket.userErrors).toEqual([]);
    const { number, messages } = created.createTicket.ticket;
    const [mail] = await waitForMailsTo(sink, 'yan@customer.test', 1);
    expect(mail!.parsed.subject).toBe(`[#${number}] Your call about the badge reader`);
    expect(mail!.parsed.text).toContain('We will send a technician on Tuesday.');
    expect(mail!.parsed.text).toContain(`opened ticket #${number} for you`);
    expect(ids(mail!.header('message-id'))).toEqual([messages[0].messageId]);
    expect(mail!.header('auto-submitted')).toBeUndefined(); // a person's mail, which the customer's auto-reply may answer
    const [watcher] = (await waitForMailsTo(sink, 'qwatch@staff.test', 1)).filter((m) => m.parsed.subject?.includes(`[#${number}]`));
    expect(watcher!.parsed.text).toContain('We will send a technician on Tuesday.');
    const answer = await h.ingest(await buildMail({ from: 'Yan <yan@customer.test>', subject: `Re: ${mail!.parsed.subject}`, text: 'Tuesday works.', inReplyTo: messages[0].messageId }));
    expect(answer).toMatchObject({ kind: 'comment', ticketNumber: number });
    // Announced like every new ticket.
    const hook = await eventually(async () => hookRequests.find((r) => (JSON.parse(r.body) as { ticket?: { number?: number } }).ticket?.number === number), 'the new-ticket webhook');
    const { me } = await ok(`{ me { email } }`);
    expect(JSON.parse(hook.body)).toMatchObject({ ticket: { number, requester: { email: 'yan@customer.test' } }, message: { from: me.email } });
    // A chat-ready line too, what the customer wrote in code spans (chat-text.ts).
    expect(JSON.parse(hook.body).text).toMatch(new RegExp(`^New ticket #${number} in \`\\w+\` \\(NORMAL\\) from \`Yan ‹yan@customer\\.test›\`: \`Your call about the badge reader\`$`));
  });

  it('an agent who makes a ticket an URGENT INCIDENT pages on-call once; so does createTicket with one', async () => {
    // In the Network queue, which has no watchers: General's watcher is near its hourly limit of automatic mail.
    const pages = (number: number) => mailsTo(sink, 'pager@ops.test').filter((m) => m.raw.toString().includes(`[#${number}]`)).length;
    const number = await newTicket({ from: 'Ida <ida@customer.test>', to: 'network@example.com', subject: 'Checkout is slow' });
    await ok(`mutation { updateTicket(number: ${number}, input: { type: INCIDENT }) { userErrors { message } } }`);
    const raised = await ok(`mutation { updateTicket(number: ${number}, input: { priority: URGENT }) { ticket { events { kind actor { email } } } userErrors { message } } }`);
    const { me } = await ok(`{ me { email } }`);
    expect(raised.updateTicket.ticket.events.filter((e: Data) => e.kind === 'emergency')).toEqual([{ kind: 'emergency', actor: { email: me.email } }]);
    await eventually(async () => pages(number) === 1, 'the page for the raised ticket');
    await ok(`mutation { updateTicket(number: ${number}, input: { status: IN_PROGRESS }) { userErrors { message } } }`);
    const opened = await ok(`mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { number } userErrors { message } } }`, {
      i: { requester: 'ida@customer.test', queue: 'Network', subject: 'Shop down (phone call)', body: 'Ida reports the shop is down for everyone.', priority: 'URGENT', type: 'INCIDENT' },
    });
    const second = opened.createTicket.ticket.number as number;
    await eventually(async () => pages(second) === 1, 'the page for the new incident');
    const page = await parseCaptured(mailsTo(sink, 'pager@ops.test').find((m) => m.raw.toString().includes(`[#${second}]`))!);
    expect(page.parsed.text).toContain('Ida reports the shop is down for everyone.');
    await settled();
    expect([pages(number), pages(second)]).toEqual([1, 1]);
  });

  it('approval: a PENDING_APPROVAL ticket mails its approver; approveTicket mails the requester', async () => {
    const number = await newTicket({ from: 'Vic <vic@customer.test>', subject: 'access request for the finance share' });
    const state = await ok(`{ ticket(number: ${number}) { status category } }`);
    expect(state.ticket).toEqual({ status: 'PENDING_APPROVAL', category: 'Access' });
    const [request] = await waitForMailsTo(sink, 'carol@staff.test', 1);
    expect(request!.parsed.subject).toBe(`Approval needed: [#${number}] access request for the finance share`);
    expect(request!.parsed.html).toContain(`#${number}`);
    await ok(`mutation { approveTicket(number: ${number}) { ticket { status } userErrors { message } } }`);
    const mails = await waitForMailsTo(sink, 'vic@customer.test', 2);
    expect(mails.map((m) => m.parsed.subject)).toContain(`Re: [#${number}] access request for the finance share (approved)`);
  });

  it('S12: refused attachments get exactly one notice to a human sender and none to automatic mail', async () => {
    const attachments = [
      { filename: 'setup.exe', content: MAGIC.exe, contentType: 'application/octet-stream' },
      { filename: 'invoice.pdf', content: MAGIC.exe, contentType: 'application/pdf' },
      { filename: 'x.pht', content: '<?php echo 1; ?>', contentType: 'text/plain' },
    ];
    const number = await newTicket({ from: 'Walt <walt@customer.test>', subject: 'Files attached', attachments });
    const robot = await newTicket({ from: 'monitor@customer.test', subject: 'Nightly report', attachments, headers: { 'Auto-Submitted': 'auto-generated' } });
    await settled();
    const notices = (await waitForMailsTo(sink, 'walt@customer.test', 2)).filter((m) => m.parsed.subject?.includes('attachments not accepted'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.parsed.subject).toBe(`Re: [#${number}] Files attached (attachments not accepted)`);
    for (const name of ['setup.exe', 'invoice.pdf', 'x.pht']) expect(notices[0]!.parsed.text).toContain(name);
    expect(notices[0]!.parsed.html).toContain('setup.exe');
    expect(notices[0]!.header('auto-submitted')).toBe('auto-replied');
    expect(mailsTo(sink, 'monitor@customer.test')).toHaveLength(0);
    const refused = await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*)::text as n from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'attachments-refused'`, [robot]);
    expect(refused[0]!.n).toBe('1'); // recorded on the ticket all the same
  });

  it("escalation goes to the queue's own escalation address; without one, to ESCALATION_ADDRESS", async () => {
    const network = await newTicket({ from: 'xena@customer.test', to: 'network@example.com', subject: 'Switch dead' });
    const general = await newTicket({ from: 'yuri@customer.test', subject: 'Email slow' });
    expect((await ok(`{ ticket(number: ${network}) { queue { name } } }`)).ticket.queue.name).toBe('Network');
    await ok(`mutation { escalateTicket(number: ${network}, note: "whole floor down") { userErrors { message } } }`);
    await ok(`mutation { escalateTicket(number: ${general}, note: "slow for everyone") { userErrors { message } } }`);
    const [n] = await waitForMailsTo(sink, 'net-escalation@eng.test', 1);
    const [g] = await waitForMailsTo(sink, 'dev-team@eng.test', 1);
    expect(n!.parsed.subject).toBe(`[Escalated] [#${network}] Switch dead`);
    expect(n!.parsed.text).toContain('whole floor down');
    expect(g!.parsed.subject).toBe(`[Escalated] [#${general}] Email slow`);
    await settled();
    expect(subjectsTo('dev-team@eng.test').filter((s) => s.includes(`[#${network}]`))).toEqual([]);
    expect(subjectsTo('net-escalation@eng.test')).toHaveLength(1);
  });

  it('a rule that suppresses the acknowledgement: no mail to the requester, watchers still told, the step recorded', async () => {
    const number = await newTicket({ from: 'zoe@customer.test', subject: 'quiet please: weekly figures' });
    await waitForMailsTo(sink, 'qwatch@staff.test', 1);
    await eventually(async () => subjectsTo('qwatch@staff.test').some((s) => s.includes(`[#${number}]`)), 'watcher mail');
    await settled();
    expect(mailsTo(sink, 'zoe@customer.test')).toHaveLength(0);
    const steps = await queryDatabase<{ kind: string }>(gw.databaseUrl, `select e.kind from ticket_event e join ticket t on t.id = e.ticket_id where t.number = $1 and e.kind = 'acknowledgement-suppressed'`, [number]);
    expect(steps).toHaveLength(1);
  });

  it('the new-ticket webhook is retried after its endpoint fails and lands once with the same bytes', async () => {
    const first = hookRequests[0]!;
    await eventually(async () => hookRequests.some((r) => r.delivery === first.delivery && r.status === 204), 'the failing webhook delivered at last');
    await settled();
    const attempts = hookRequests.filter((r) => r.delivery === first.delivery);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 204]);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(JSON.parse(first.body)).toMatchObject({ event: 'ticket.created', ticket: { subject: 'Scanner offline' } });
    // Every new ticket's webhook was delivered exactly once.
    const delivered = hookRequests.filter((r) => r.status === 204).map((r) => r.delivery);
    expect(new Set(delivered).size).toBe(delivered.length);
    const rows = await queryDatabase<{ status: string; n: string }>(gw.databaseUrl, `select status, count(*)::text as n from outbound_delivery where kind = 'webhook:ticket.created' group by status`);
    expect(rows).toEqual([{ status: 'SENT', n: String(delivered.length) }]);
  });

  it('L11: every automatic mail carries Auto-Submitted and X-Auto-Response-Suppress: All; agents\' mails never carry Auto-Submitted', async () => {
    /** Mails a person wrote (replyToTicket, createTicket, forwardTicket): not automatic, whatever answers them. */
    const WRITTEN_BY_AGENTS = new Set(['reply', 'ticket-opened', 'forward']);
    // An emergency page and some agent replies, so every kind is present.
    await h.ingest(await buildMail({ from: 'amy@customer.test', to: 'emergency@example.com', subject: 'Fire alarm' }));
    const numbers = await queryDatabase<{ number: number }>(gw.databaseUrl, `select number from ticket order by number limit 5`);
    for (const { number } of numbers) await ok(`mutation { replyToTicket(number: ${number}, body: "An agent writes back.") { userErrors { message } } }`);
    await ok(`mutation { forwardTicket(number: ${numbers[0]!.number}, input: { to: ["parts@vendor.test"], body: "Known fault?" }) { userErrors { message } } }`);
    await waitForMailsTo(sink, 'pager@ops.test', 1);
    await settled();
    const kinds = new Map(
      (await queryDatabase<{ message_id: string; kind: string }>(gw.databaseUrl, `select message_id, kind from outbound_delivery where kind not like 'webhook:%'`)).map((r) => [r.message_id, r.kind]),
    );
    const seen = new Map<string, number>();
    for (const mail of sink.messages) {
      const c = await parseCaptured(mail);
      const kind = kinds.get(ids(c.header('message-id'))[0]!)!;
      expect(kind, 'every captured mail is an outbox row').toBeDefined();
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      expect(c.header('x-auto-response-suppress'), kind).toBe('All');
      if (WRITTEN_BY_AGENTS.has(kind)) expect(c.header('auto-submitted'), kind).toBeUndefined();
      else expect(c.header('auto-submitted'), kind).toMatch(kind.startsWith('acknowledgement') || kind === 'attachments-refused' ? /^auto-replied$/ : /^auto-generated$/);
    }
    console.log(`L11: mails checked per kind ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const kind of ['acknowledgement', 'acknowledgement-emergency', 'reply', 'ticket-opened', 'forward', 'page', 'escalation', 'approval-request', 'attachments-refused', 'watcher-comment', 'watcher-new-ticket', 'status-open']) {
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    expect(seen.get('reply')).toBe(numbers.length);
  });
});
