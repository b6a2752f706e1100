/**
 * A chat-ready `text` line in postdesk's webhooks, so a Slack or Mattermost incoming webhook (or
 * Rocket.Chat, or Discord's Slack-compatible endpoint) can take the POST as it is and announce the
 * ticket in a channel (PRODUCT.md: "new tickets are announced in a chat channel").
 *
 * What a customer wrote (subject, name, address) must not act in the chat: mention everyone
 * (`@channel`, `<!channel>`, `@everyone`), link (`<https://evil|Reset password>`, `[Reset](…)`) or
 * format. So every such part goes inside an inline code span, where none of these chats parse
 * mentions, links or markup; the characters that could end the span or open Slack's control
 * sequences (backtick, `<`, `>`) are replaced by look-alikes, and line breaks and controls flatten
 * to spaces (headerText). Nothing is HTML-escaped: Mattermost would show `&lt;` as typed.
 */
import { headerText } from './sanitize.js';

/** `value` as an inline code span that cannot act in a chat, at most `max` characters inside. */
export function chatLiteral(value: string, max = 200): string {
  const flat = headerText(value, max).replace(/`/g, 'ˋ').replace(/</g, '‹').replace(/>/g, '›');
  return flat.length > 0 ? `\`${flat}\`` : '`(none)`';
}

export interface ChatTicket {
  readonly number: number;
  readonly subject: string;
  readonly priority: string;
  readonly queue: string | null;
  readonly requester: { readonly email: string; readonly name: string | null };
}

/** "New ticket #42 in Billing (NORMAL) from `Ann ‹ann@example.com›`: `Printer jam`" */
export function newTicketChatText(ticket: ChatTicket): string {
  return `New ticket #${ticket.number}${where(ticket)} (${ticket.priority}) from ${requester(ticket)}: ${chatLiteral(ticket.subject)}`;
}

/** "EMERGENCY: ticket #42 in Operations from `Ann ‹ann@example.com›`: `Site down`" */
export function emergencyChatText(ticket: ChatTicket): string {
  return `EMERGENCY: ticket #${ticket.number}${where(ticket)} from ${requester(ticket)}: ${chatLiteral(ticket.subject)}`;
}

/** Queue names are an admin's, still put in code: an admin is not a reason to let text act. */
const where = (ticket: ChatTicket) => (ticket.queue ? ` in ${chatLiteral(ticket.queue, 100)}` : '');

const requester = (ticket: ChatTicket) =>
  chatLiteral(ticket.requester.name ? `${ticket.requester.name} <${ticket.requester.email}>` : ticket.requester.email);
