/**
 * Calendar parts (iCalendar, RFC 5545). A meeting invitation to the support address (Outlook,
 * Google Calendar, Teams) carries its event as a text/calendar alternative of the body, often
 * without a file name, and Gmail adds the same event as `invite.ics`. Under the default
 * ATTACHMENT_TYPES both were refused, and the customer was told "attachment: files without an
 * extension are not allowed" for an invitation they never saw as a file.
 *
 * So a calendar part the policy refuses is no refusal: it is left out of the files, the raw
 * message keeps it, and the message is flagged `calendar`. Only the content decides (an iCalendar
 * object begins with BEGIN:VCALENDAR), so a file of another kind named `.ics` is refused as
 * before. A desk that allows `ics` in ATTACHMENT_TYPES stores such files like any other.
 */

const BEGIN = 'begin:vcalendar';

/** Whether a part's first bytes (after a byte-order mark and blank space) open an iCalendar object. */
export function isCalendarPart(head: Buffer): boolean {
  return head.toString('utf8').replace(/^\uFEFF/, '').trimStart().slice(0, BEGIN.length).toLowerCase() === BEGIN;
}
