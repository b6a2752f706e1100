/**
 * What the acknowledgement says about the answer to come (outbound/reply-expectation.ts), through
 * the real pipeline on real PostgreSQL with the ingest clock set: mail that arrives while the desk
 * is closed (BUSINESS_HOURS) is told when it opens again, mail in opening time is not, nor mail to
 * a queue that answers around the clock; a custom template's {{ticket.replyPromise}} names the due
 * instant that the overdue count uses, in the calendar's time zone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from '../../../src/entities/index.js';
import { Door } from '../../../src/entities/enums.js';
import { ingestMessage } from '../../../src/ingest/ingest-message.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, type TestMail } from '../../harness/mail.js';
import { expectKind, outboxOf } from '../ingest/stored-raw.js';

const HOURS = { BUSINESS_HOURS: 'Mon-Fri 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin', SENDER_AUTHENTICATION: 'off' };
const SATURDAY_NOON = new Date('2026-12-05T11:00:00Z'); // 12:00 in Berlin
const TUESDAY_MORNING = new Date('2026-12-01T09:30:00Z'); // 10:30 in Berlin

const harnesses: IngestHarness[] = [];
let templates: string;

async function harness(env: Record<string, string>): Promise<IngestHarness> {
  const h = await createIngestHarness({ SENDER_AUTHENTICATION: 'off', ...env });
  harnesses.push(h);
  return h;
}

/** The acknowledgement's text part of a mail that arrives at `at`. */
async function acknowledgementAt(h: IngestHarness, at: Date, mail: TestMail = {}): Promise<string> {
  const raw = await buildMail({ from: 'ann@customer.test', subject: 'Printer', ...mail });
  const outcome = expectKind(await ingestMessage(h.orm, raw, { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null }, { ...h.context, now: () => at }), 'ticket');
  const [ack] = (await outboxOf(h.databaseUrl, outcome.ticketNumber)).filter((row) => row.kind === 'acknowledgement');
  return ack!.raw.toString('utf8').replace(/=\r\n/g, '').replace(/\r\n/g, '\n'); // quoted-printable soft breaks undone
}

beforeAll(() => {
  templates = mkdtempSync(join(tmpdir(), 'postdesk-templates-'));
  writeFileSync(join(templates, 'acknowledgement.txt'), 'Subject: Re: {{ticket.tagged}}\n\n{{ticket.openingNote}}{{ticket.replyPromise}}Ticket #{{ticket.number}}.\n');
});
afterAll(async () => {
  for (const h of harnesses) await h.close();
  rmSync(templates, { recursive: true, force: true });
});

describe('the acknowledgement and opening times', () => {
  it('tells mail that arrives while the desk is closed when it opens again; mail in opening time hears nothing of it', async () => {
    const h = await harness(HOURS);
    expect(await acknowledgementAt(h, SATURDAY_NOON)).toContain('Our support desk is closed at the moment; it opens again on Monday 7 December at 09:00 (Europe/Berlin).');
    expect(await acknowledgementAt(h, TUESDAY_MORNING)).not.toContain('closed at the moment');
  });

  it("a queue that answers around the clock is never closed; without opening times nobody is", async () => {
    const h = await harness(HOURS);
    const em = h.orm.em.fork();
    const hotline = new Queue('Hotline');
    hotline.emailAddress = 'hotline@example.com';
    hotline.businessHours = 'always';
    await em.persist(hotline).flush();
    expect(await acknowledgementAt(h, SATURDAY_NOON, { to: 'hotline@example.com' })).not.toContain('closed at the moment');
    expect(await acknowledgementAt(await harness({}), SATURDAY_NOON)).not.toContain('closed at the moment');
  });

  it("a template's {{ticket.replyPromise}} names the target and the due instant the agents are measured by", async () => {
    const h = await harness({ ...HOURS, TEMPLATES_DIR: templates, REPLY_TARGETS: 'URGENT=1h,HIGH=4h,NORMAL=1d,LOW=off' });
    // 1 day of opening time from Saturday: Monday, Tuesday and Wednesday, 8 hours each.
    expect(await acknowledgementAt(h, SATURDAY_NOON)).toContain(
      'Our support desk is closed at the moment; it opens again on Monday 7 December at 09:00 (Europe/Berlin).\n\nWe aim to answer within 1 day of opening time, by Wednesday 9 December at 17:00 (Europe/Berlin).\n\nTicket #',
    );
    // Around the clock: the due instant in UTC.
    const clock = await harness({ TEMPLATES_DIR: templates, REPLY_TARGETS: 'URGENT=1h,HIGH=4h,NORMAL=4h,LOW=off' });
    expect(await acknowledgementAt(clock, SATURDAY_NOON)).toContain('We aim to answer within 4 hours, by Saturday 5 December at 15:00 (UTC).');
  });
});
