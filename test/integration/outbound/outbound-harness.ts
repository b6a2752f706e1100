/**
 * Ingest harness + a real outbound worker (pg-boss on the same database) + a capturing SMTP sink:
 * mail goes in through the real pipeline and comes out over real SMTP.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { startSmtpSink, type CapturedMail, type SmtpSink, type SmtpSinkOptions } from '../../harness/smtp-sink.js';
import { startOutboundWorker, type OutboundWorker } from '../../../src/outbound/worker.js';
import { createLogger } from '../../../src/log.js';
import { Person, Queue, Ticket } from '../../../src/entities/index.js';
import { Role } from '../../../src/entities/enums.js';
import type { TicketCommandContext } from '../../../src/tickets/ticket-command.js';
import { PassThrough } from 'node:stream';

export interface OutboundHarness {
  readonly ingest: IngestHarness;
  readonly sink: SmtpSink;
  readonly worker: OutboundWorker;
  close(): Promise<void>;
}

/** @param sink an already started sink (e.g. one the test stops and starts), else a new one with `sinkOptions` */
export async function startOutboundHarness(env: Record<string, string> = {}, sinkOptions: SmtpSinkOptions = {}, given?: SmtpSink): Promise<OutboundHarness> {
  const sink = given ?? (await startSmtpSink(sinkOptions));
  const ingest = await createIngestHarness({
    SMTP_URL: sink.url,
    OUTBOUND_RETRY_DELAY_SECONDS: '1',
    OUTBOUND_RETRY_MAX_DELAY_SECONDS: '2',
    SMTP_TIMEOUT_SECONDS: '5',
    ...env,
  });
  const worker = await startOutboundWorker({
    orm: ingest.orm,
    databaseUrl: ingest.config.databaseUrl!,
    config: ingest.config,
    secret: ingest.context.secret,
    log: createLogger('warn', new PassThrough()),
  });
  return {
    ingest,
    sink,
    worker,
    async close() {
      await worker.stop();
      await ingest.close();
      await sink.stop();
    },
  };
}

export interface Captured {
  readonly envelope: CapturedMail;
  readonly parsed: ParsedMail;
  /** Header names in the raw message, lower case, in order. */
  readonly headerNames: string[];
  header(name: string): string | undefined;
}

export async function parseCaptured(mail: CapturedMail): Promise<Captured> {
  const parsed = await simpleParser(mail.raw, { skipTextLinks: true, skipTextToHtml: true });
  const head = mail.raw.toString('latin1').split(/\r\n\r\n/)[0]!;
  const headerNames = head
    .split(/\r\n/)
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
  return {
    envelope: mail,
    parsed,
    headerNames,
    header(name) {
      const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
      return match ? match[1]!.replace(/\r\n[ \t]/g, ' ') : undefined;
    },
  };
}

/** Message-ID-like tokens of a header, without angle brackets. */
export function ids(value: string | undefined): string[] {
  return [...(value ?? '').matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
}

/** Captured mails whose envelope includes `address`. */
export function mailsTo(sink: SmtpSink, address: string): CapturedMail[] {
  return sink.messages.filter((m) => m.to.includes(address));
}

/** Waits until `count` mails to `address` have arrived, and parses them. */
export async function waitForMailsTo(sink: SmtpSink, address: string, count: number): Promise<Captured[]> {
  for (let i = 0; i < 600; i++) {
    const found = mailsTo(sink, address);
    if (found.length >= count) return Promise.all(found.map(parseCaptured));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} mail(s) to ${address} within 30 s, got ${mailsTo(sink, address).length}`);
}

/** Waits until no outbox row is QUEUED (everything sent or failed). */
export async function outboxSettled(databaseUrl: string): Promise<void> {
  const { eventually, queryDatabase } = await import('../../harness/eventually.js');
  await eventually(async () => {
    const rows = await queryDatabase<{ n: string }>(databaseUrl, `select count(*)::text as n from outbound_delivery where status = 'QUEUED'`);
    return rows[0]!.n === '0';
  }, 'outbox settled');
}

/** Adds a staff member (an AGENT unless `role` says otherwise) to the database, as an agent of the General queue unless `agent` is false, and as its watcher with `watcher`. */
export async function addStaff(h: OutboundHarness, email: string, name: string, options: { role?: Role; active?: boolean; agent?: boolean; watcher?: boolean } = {}): Promise<void> {
  const em = h.ingest.orm.em.fork();
  const person = new Person(email, name);
  person.role = options.role ?? Role.AGENT;
  person.active = options.active ?? true;
  em.persist(person);
  if (options.agent !== false || options.watcher) {
    const queue = await em.findOneOrFail(Queue, { name: 'General' }, { populate: ['agents', 'watchers'] });
    if (options.agent !== false) queue.agents.add(person);
    if (options.watcher) queue.watchers.add(person);
  }
  await em.flush();
}

/** Runs an agent command on ticket `number` in a transaction, as the GraphQL mutations do, as an admin `email` (created on first use). */
export async function asAgent(h: OutboundHarness, email: string, number: number, work: (ctx: TicketCommandContext, ticket: Ticket) => Promise<unknown>): Promise<void> {
  await h.ingest.orm.em.fork().transactional(async (em) => {
    let agent = await em.findOne(Person, { email });
    if (!agent) {
      agent = new Person(email, 'Agent Smith');
      agent.role = Role.ADMIN;
      em.persist(agent);
      await em.flush();
    }
    const ctx: TicketCommandContext = { em, actor: agent, scope: { admin: true, queueIds: [] }, notify: { config: h.ingest.config, secret: h.ingest.context.secret } };
    await work(ctx, await em.findOneOrFail(Ticket, { number }, { populate: ['requester'] }));
  });
}
