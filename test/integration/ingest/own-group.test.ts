/**
 * support@ as a Google Group (own-group.ts), through the real pipeline on real PostgreSQL: a
 * customer's mail the group delivered, From rewritten for DMARC, is the customer's ticket,
 * acknowledged to them and not automatic; their reply through the group moves a waiting ticket
 * back to OPEN; a real mailing list's mail is still automatic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { queryDatabase } from '../../harness/eventually.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail, randomMessageId, type TestMail } from '../../harness/mail.js';
import { expectKind, outboxOf } from './stored-raw.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createIngestHarness({ SENDER_AUTHENTICATION: 'off' });
});
afterAll(() => h?.close());

/** What Google Groups delivers for support@example.com when the author's domain asks for strict DMARC. */
const throughGroup = (mail: TestMail, author = { address: 'ann@customer.test', name: 'Ann Doe' }): TestMail => ({
  ...mail,
  from: `'${author.name}' via Support <support@example.com>`,
  headers: {
    'Reply-To': `${author.name} <${author.address}>`,
    'X-Original-Sender': author.address,
    'X-Google-Group-Id': '123456789',
    'List-Post': '<https://groups.google.com/a/example.com/group/support/post>, <mailto:support@example.com>',
    'List-Id': '<support.example.com>',
    'List-Unsubscribe': '<mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>',
    Precedence: 'list',
    'Mailing-list': 'list support@example.com; contact support+owners@example.com',
    ...mail.headers,
  },
});

const row = async <T extends Record<string, unknown>>(sql: string, params: unknown[]) => (await queryDatabase<T>(h.databaseUrl, sql, params))[0]!;

describe('support@ as a Google Group', () => {
  it("is the customer's ticket, acknowledged to them; their reply through the group moves a waiting ticket back to OPEN", async () => {
    const first = randomMessageId();
    const opened = expectKind(await h.ingest(await buildMail(throughGroup({ subject: 'Printer broken', messageId: first }))), 'ticket');
    const ticket = await row<{ requester: string; name: string | null; flags: string[] }>(
      `select p.email as requester, p.name, m.flags from ticket t join person p on p.id = t.requester_id join message m on m.ticket_id = t.id where t.number = $1`,
      [opened.ticketNumber],
    );
    expect(ticket).toEqual({ requester: 'ann@customer.test', name: 'Ann Doe', flags: ['via-group'] });
    const acknowledgements = (await outboxOf(h.databaseUrl, opened.ticketNumber)).filter((r) => r.kind === 'acknowledgement');
    expect(acknowledgements.map((r) => r.recipients)).toEqual([['ann@customer.test']]);

    await h.orm.em.fork().nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.WAITING_FOR_CUSTOMER });
    const reply = expectKind(await h.ingest(await buildMail(throughGroup({ subject: 'Re: Printer broken', inReplyTo: first, text: 'It is still broken.' }))), 'comment');
    expect(reply.ticketNumber).toBe(opened.ticketNumber);
    expect((await row<{ status: string }>(`select status from ticket where number = $1`, [opened.ticketNumber])).status).toBe('OPEN');
  });

  it("a real mailing list's mail (List-Post elsewhere) is still automatic", async () => {
    const list = expectKind(await h.ingest(await buildMail({ from: 'ann@customer.test', subject: 'Release 2.0', headers: { 'List-Id': '<users.lists.example.org>', 'List-Post': '<mailto:users@lists.example.org>', Precedence: 'list' } })), 'ticket');
    expect((await row<{ flags: string[] }>(`select flags from message where id = $1`, [list.messageRowId])).flags).toEqual(['automatic']);
  });
});
