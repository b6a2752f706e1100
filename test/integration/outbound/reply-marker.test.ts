/**
 * The reply marker (REPLY_MARKER): every mail we send starts with it, in text and HTML, and a reply
 * that quotes it is cut there, so its new part is right even under a quote header email-reply-parser
 * does not know (Finnish Gmail's "… kirjoitti:"). That decides whether a reply to a CLOSED ticket
 * reopens it: a bare quote does not, a line of new text does. Real ingest, real SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, Ticket } from '../../../src/entities/index.js';
import { TicketStatus } from '../../../src/entities/enums.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { ids, startOutboundHarness, waitForMailsTo, type OutboundHarness } from './outbound-harness.js';

const MARKER = '## Please type your reply above this line ##';
const CUSTOMER = 'anna@customer.test';

let h: OutboundHarness;
beforeAll(async () => {
  h = await startOutboundHarness();
});
afterAll(() => h?.close());

/** A Finnish Gmail reply to `ack`: `words` above the quote of the whole acknowledgement. */
function finnishReply(ack: { text: string; messageId: string; subject: string }, words: string): Promise<Buffer> {
  const quote = ack.text.split('\n').map((line) => `> ${line}`);
  return buildMail({
    from: `Anna <${CUSTOMER}>`,
    subject: `Re: ${ack.subject}`,
    inReplyTo: ack.messageId,
    references: [ack.messageId],
    text: [...(words ? [words, ''] : []), 'ti 1.12.2026 klo 10.00 Support <support@example.com> kirjoitti:', ...quote].join('\n'),
  });
}

describe('the reply marker', () => {
  it('heads every mail, and cuts a reply where it is quoted: a bare quote does not reopen a closed ticket, new words do', async () => {
    const opened = await h.ingest.ingest(await buildMail({ from: `Anna <${CUSTOMER}>`, subject: 'Printer jams', messageId: randomMessageId() }));
    if (opened.kind !== 'ticket') throw new Error(`expected a ticket, got ${opened.kind}`);
    const [ack] = await waitForMailsTo(h.sink, CUSTOMER, 1);
    expect(ack!.parsed.text).toMatch(new RegExp(`^${MARKER}\\n\\n`));
    expect(ack!.parsed.html).toContain(`>${MARKER}</p>`);
    const sent = { text: ack!.parsed.text!, messageId: ids(ack!.header('message-id'))[0]!, subject: ack!.parsed.subject! };

    const em = h.ingest.orm.em.fork();
    await em.nativeUpdate(Ticket, { number: opened.ticketNumber }, { status: TicketStatus.CLOSED, closedAt: new Date(Date.now() - 86_400_000) });
    const status = async () => (await h.ingest.orm.em.fork().findOneOrFail(Ticket, { number: opened.ticketNumber })).status;

    // Only the quote, under a header the reply parser does not know: nothing new, still closed.
    const bare = await h.ingest.ingest(await finnishReply(sent, ''));
    expect(bare).toMatchObject({ kind: 'comment', ticketNumber: opened.ticketNumber });
    expect(await status()).toBe(TicketStatus.CLOSED);

    // A line of new text above it: reopened, and what the agents see is that line alone.
    const answer = await h.ingest.ingest(await finnishReply(sent, 'Tulostin jumittuu taas.'));
    if (answer.kind !== 'comment') throw new Error(`expected a comment, got ${answer.kind}`);
    expect(await status()).toBe(TicketStatus.OPEN);
    const message = await h.ingest.orm.em.fork().findOneOrFail(Message, answer.messageRowId);
    expect(message.visibleText).toBe('Tulostin jumittuu taas.');
    expect(message.bodyText).toContain(MARKER); // the whole text stays stored
  });
});
