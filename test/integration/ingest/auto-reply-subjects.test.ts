/**
 * Auto-replies that say so only in their subject (AUTO_REPLY_SUBJECTS, classify.ts rule 14),
 * through the real pipeline, PostgreSQL and the SMTP sink: an out-of-office answer without any
 * automatic-mail header, to an agent's reply or to a closed ticket's notice, joins its ticket and
 * changes nothing (no OPEN, no reopen, no reply clock, no mail); one that answers no ticket is
 * held; a customer's own new mail with such a subject is their ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketStatus } from '../../../src/entities/enums.js';
import { changeStatus } from '../../../src/tickets/change-status.js';
import { replyToTicket } from '../../../src/tickets/reply-to-ticket.js';
import { queryDatabase } from '../../harness/eventually.js';
import { buildMail } from '../../harness/mail.js';
import { asAgent, ids, mailsTo, outboxSettled, startOutboundHarness, waitForMailsTo, type OutboundHarness } from '../outbound/outbound-harness.js';

const AGENT = 'agent@staff.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
});
afterAll(() => h?.close());

async function openTicket(customer: string, subject: string): Promise<number> {
  const outcome = await h.ingest.ingest(await buildMail({ from: customer, subject }));
  if (outcome.kind !== 'ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
  return outcome.ticketNumber;
}

async function ticketState(number: number): Promise<{ status: string; awaiting: Date | null }> {
  const [row] = await queryDatabase<{ status: string; awaiting: Date | null }>(h.ingest.databaseUrl, 'select status, awaiting_reply_since as awaiting from ticket where number = $1', [number]);
  return row!;
}

async function flagsOf(messageRowId: number): Promise<string[]> {
  const [row] = await queryDatabase<{ flags: string[] }>(h.ingest.databaseUrl, 'select flags from message where id = $1', [messageRowId]);
  return row!.flags;
}

/** An out-of-office answer as some servers write it: no Auto-Submitted, no X-Autoreply, no Precedence. */
const outOfOffice = (from: string, subject: string, inReplyTo?: string) =>
  buildMail({ from, subject, inReplyTo, references: inReplyTo ? [inReplyTo] : undefined, text: 'I am out of the office until Monday 7 December with limited access to email.' });

describe('auto-replies known by their subject alone (AUTO_REPLY_SUBJECTS)', () => {
  it("answering an agent's question, it leaves the ticket waiting for the customer and tells nobody", async () => {
    const customer = 'otto@customer.test';
    const number = await openTicket(`Otto <${customer}>`, 'Screen flickers');
    await asAgent(h, AGENT, number, async (ctx, ticket) => {
      await replyToTicket(ctx, number, { body: 'Which model is the screen?' });
      await changeStatus(ctx, ticket, TicketStatus.WAITING_FOR_CUSTOMER);
    });
    // The acknowledgement, the agent's question and the "waiting for you" notice.
    const reply = (await waitForMailsTo(h.sink, customer, 3)).find((m) => m.parsed.text?.includes('Which model'));
    await outboxSettled(h.ingest.databaseUrl);
    const mailsBefore = h.sink.messages.length;

    const outcome = await h.ingest.ingest(await outOfOffice(customer, `Automatic reply: Re: [#${number}] Screen flickers`, ids(reply!.header('message-id'))[0]));
    expect(outcome).toMatchObject({ kind: 'comment', ticketNumber: number });
    expect(await flagsOf(outcome.kind === 'comment' ? outcome.messageRowId : 0)).toContain('automatic');
    expect(await ticketState(number)).toEqual({ status: 'WAITING_FOR_CUSTOMER', awaiting: null });
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, customer)).toHaveLength(3);
    expect(h.sink.messages.slice(mailsBefore).filter((m) => !m.to.every((to) => to.endsWith('@staff.test')))).toEqual([]);
  });

  it('answering a closed ticket, it reopens nothing; a real answer with the same subject tag still does', async () => {
    const customer = 'cleo@customer.test';
    const number = await openTicket(customer, 'Password reset');
    await asAgent(h, AGENT, number, (ctx, ticket) => changeStatus(ctx, ticket, TicketStatus.CLOSED));
    const oof = await h.ingest.ingest(await outOfOffice(customer, `Abwesenheitsnotiz: Re: [#${number}] Password reset`));
    expect(oof).toMatchObject({ kind: 'comment', ticketNumber: number });
    expect((await ticketState(number)).status).toBe('CLOSED');

    const answer = await h.ingest.ingest(await buildMail({ from: customer, subject: `Re: [#${number}] Password reset`, text: 'It still does not work, sorry.' }));
    expect(answer).toMatchObject({ kind: 'comment', ticketNumber: number });
    expect((await ticketState(number)).status).toBe('OPEN');
  });

  it('answering no ticket of ours, it is held (AUTOMATIC_UNTHREADED) and not acknowledged', async () => {
    const sender = 'away@elsewhere.test';
    const outcome = await h.ingest.ingest(await outOfOffice(sender, 'Réponse automatique : Invitation to the partner day', 'invitation-123@partners.example'));
    expect(outcome).toMatchObject({ kind: 'quarantined', code: 'AUTOMATIC_UNTHREADED', reason: expect.stringContaining('auto-reply subject (Réponse automatique)') });
    await outboxSettled(h.ingest.databaseUrl);
    expect(mailsTo(h.sink, sender)).toEqual([]);
  });

  it("is a customer's own new ticket when the mail answers nothing, and off turns the rule off", async () => {
    const customer = 'rita@customer.test';
    const outcome = await h.ingest.ingest(await buildMail({ from: customer, subject: 'Out of office: the printer in room 5 is broken', text: 'Our out-of-office printer is broken.' }));
    expect(outcome).toMatchObject({ kind: 'ticket', acknowledge: true });
    await waitForMailsTo(h.sink, customer, 1);

    const off = await startOutboundHarness({ AUTO_REPLY_SUBJECTS: 'off' });
    try {
      const number = await (async () => {
        const opened = await off.ingest.ingest(await buildMail({ from: customer, subject: 'Label printer' }));
        if (opened.kind !== 'ticket') throw new Error(opened.kind);
        return opened.ticketNumber;
      })();
      await asAgent(off, AGENT, number, (ctx, ticket) => changeStatus(ctx, ticket, TicketStatus.CLOSED));
      await off.ingest.ingest(await outOfOffice(customer, `Automatic reply: Re: [#${number}] Label printer`));
      const [row] = await queryDatabase<{ status: string }>(off.ingest.databaseUrl, 'select status from ticket where number = $1', [number]);
      expect(row!.status).toBe('OPEN'); // read as the customer's answer, as before this rule
    } finally {
      await off.close();
    }
  });
});
