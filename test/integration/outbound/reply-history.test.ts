/**
 * REPLY_HISTORY: an agent's reply quotes the conversation so far below itself, newest first, so a
 * colleague the customer copied in sees what the answer is about. Only the desk's replies and the
 * new words of the requester and the ticket's CCs: never a note, an auto-reply, a stranger's mail
 * that joined the thread, or mail whose DMARC check failed (a forger's words must not reach the
 * customer in our mail). Real ingest on real PostgreSQL, the real outbound worker, an SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../../src/ingest/ingest-message.js';
import { Door } from '../../../src/entities/enums.js';
import { addNote, replyToTicket } from '../../../src/tickets/reply-to-ticket.js';
import { FakeDns } from '../../harness/fake-dns.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { asAgent, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const ANN = 'ann@customer.test';
const BOB = 'bob@customer.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
});
afterAll(() => h?.close());

const reply = (number: number, body: string) => asAgent(h, 'agent@staff.test', number, (ctx) => replyToTicket(ctx, number, { body }));

describe("an agent's reply quotes the conversation so far (REPLY_HISTORY)", () => {
  it("quotes the desk's replies and the customers' new words, newest first, and nothing else", async () => {
    const first = randomMessageId();
    const opened = await h.ingest.ingest(
      await buildMail({ from: `Ann Customer <${ANN}>`, cc: `Bob <${BOB}>`, subject: 'Printer jams', text: 'The printer jams on tray 2.', messageId: first }),
    );
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    const n = opened.ticketNumber;
    await waitForMailsTo(h.sink, ANN, 1); // the acknowledgement

    await reply(n, 'Please send a photo of the paper path.');
    const [, firstReply] = await waitForMailsTo(h.sink, ANN, 2);
    expect(firstReply!.parsed.text).toContain(`Ann Customer <${ANN}> wrote:\n> The printer jams on tray 2.`);

    await asAgent(h, 'agent@staff.test', n, (ctx) => addNote(ctx, n, { body: 'Internal: the warranty ran out in May.' }));
    // A stranger who got a copy answers it, Ann's out-of-office answers too, and a forger posing as Ann.
    for (const mail of [
      { from: 'Stranger <eve@elsewhere.test>', text: 'Words of a stranger.' },
      { from: `Ann Customer <${ANN}>`, text: 'I am out of the office.', headers: { 'Auto-Submitted': 'auto-replied' } },
    ]) {
      const outcome = await h.ingest.ingest(await buildMail({ ...mail, subject: 'Re: Printer jams', inReplyTo: first }));
      expect(outcome).toMatchObject({ ticketNumber: n });
    }
    const dns = new FakeDns().dmarc('customer.test', 'none');
    const forged = await ingestMessage(
      h.ingest.orm,
      await buildMail({ from: `Ann Customer <${ANN}>`, subject: `Re: [#${n}] Printer jams`, text: 'Words of a forger: pay invoice 77 to a new account.' }),
      { door: Door.PIPE, mailbox: null, uidValidity: null, uid: null },
      { ...h.ingest.context, dnsResolver: dns.resolver },
    );
    expect(forged).toMatchObject({ kind: 'comment', ticketNumber: n });

    await h.ingest.ingest(
      await buildMail({
        from: `Ann Customer <${ANN}>`,
        subject: `Re: [#${n}] Printer jams`,
        text: `Photo attached: it is tray 2.\n\nOn Monday, Support wrote:\n> Please send a photo of the paper path.`,
      }),
    );
    await reply(n, 'Thanks, a technician comes on Monday.');
    const [, , second] = await waitForMailsTo(h.sink, ANN, 3); // the acknowledgement, the first reply, this one
    expect(second!.envelope.to).toContain(BOB);
    const text = second!.parsed.text!;
    const quotes = [...text.matchAll(/^On .+ \(UTC\), (.+) wrote:$/gm)].map((m) => m[1]);
    // An agent by name only: their own address stays out of mail to customers.
    expect(quotes).toEqual([`Ann Customer <${ANN}>`, 'Agent Smith', `Ann Customer <${ANN}>`]);
    expect(text).toContain(`wrote:\n> Photo attached: it is tray 2.\n\nOn `);
    expect(text).toContain('> Please send a photo of the paper path.');
    expect(text).toContain('> The printer jams on tray 2.');
    for (const absent of ['warranty', 'stranger', 'out of the office', 'forger', 'agent@staff.test']) expect(text).not.toContain(absent);
    // The reply itself comes first, the history below the desk's footer; in the HTML part, as text.
    expect(text.indexOf('Thanks, a technician comes on Monday.')).toBeLessThan(text.indexOf('wrote:'));
    expect(second!.parsed.html).toContain('&gt; The printer jams on tray 2.');
  });
});
