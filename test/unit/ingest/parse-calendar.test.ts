/**
 * Meeting invitations at the parser (parse/calendar-parts.ts): the text/calendar alternative of the
 * body and Gmail's `invite.ics` are no files and no refusals under the default policy, and the
 * message says it carries a calendar; a desk that allows `ics` stores the file; a file of another
 * kind named `.ics` is refused as before.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { isCalendarPart } from '../../../src/ingest/parse/calendar-parts.js';

const EVENT = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Google Inc//Google Calendar 70.9054//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'DTSTART:20261202T100000Z', 'DTEND:20261202T103000Z', 'SUMMARY:Printer rollout call', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

const summary = async (raw: Buffer, policy = DEFAULT_ATTACHMENT_POLICY) => {
  const m = await parseMessage(raw, policy);
  return { text: m.text.trim(), files: m.attachments.map((a) => a.filename), refused: m.refused.map((r) => [r.filename, r.reason]), calendar: m.calendar };
};
const mail = (options: ConstructorParameters<typeof MailComposer>[0]) =>
  new MailComposer({ from: 'ann@customer.test', to: 'support@example.com', subject: 'Invitation: Printer rollout call', text: 'Join me on Wednesday.', ...options }).compile().build();

describe('calendar invitations', () => {
  it("Gmail's shape (an alternative of the body and invite.ics): no files, no refusal, flagged", async () => {
    const raw = await mail({ icalEvent: { method: 'REQUEST', content: EVENT } });
    expect(await summary(raw)).toEqual({ text: 'Join me on Wednesday.', files: [], refused: [], calendar: true });
  });

  it("Outlook's shape (a text/calendar alternative only, with a byte-order mark) beside a real file", async () => {
    const raw = await mail({
      alternatives: [{ contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: `\uFEFF${EVENT}` }],
      attachments: [{ filename: 'agenda.pdf', content: Buffer.from('%PDF-1.7\nagenda') }],
    });
    expect(await summary(raw)).toEqual({ text: 'Join me on Wednesday.', files: ['agenda.pdf'], refused: [], calendar: true });
  });

  it('is stored as a file where the desk allows ics; another kind of file named .ics is refused as before', async () => {
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, allowedExtensions: [...DEFAULT_ATTACHMENT_POLICY.allowedExtensions, 'ics'] };
    const gmail = await mail({ icalEvent: { method: 'REQUEST', content: EVENT } });
    expect(await summary(gmail, policy)).toMatchObject({ files: ['invite.ics'], calendar: true }); // the unnamed alternative has no extension: left out

    const disguised = await mail({ attachments: [{ filename: 'meeting.ics', content: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 1)]) }] });
    expect(await summary(disguised)).toMatchObject({ files: [], refused: [['meeting.ics', expect.stringContaining('not allowed')]], calendar: false });
  });

  it('knows an iCalendar object by its first line only', () => {
    expect(isCalendarPart(Buffer.from(EVENT))).toBe(true);
    expect(isCalendarPart(Buffer.from(`\r\n  begin:vcalendar\r\n`))).toBe(true);
    expect(isCalendarPart(Buffer.from('BEGIN:VCARD\r\nVERSION:4.0\r\n'))).toBe(false);
    expect(isCalendarPart(Buffer.from('Notes: BEGIN:VCALENDAR'))).toBe(false);
  });
});
