/**
 * Mail that reaches postdesk through a group that is one of its own addresses: support@ set up as
 * a Google Group (a "collaborative inbox") or a mailing list that delivers into the polled
 * mailbox. The group marks every customer's mail as list mail (List-Id, List-Unsubscribe,
 * `Precedence: list`), and when the sender's domain publishes a strict DMARC policy it rewrites
 * From to itself ("'Ann Doe' via Support" <support@…>). Read as sent, every such mail was automatic
 * (no acknowledgement, no reopen) or, From being our own address, our own mail coming back.
 *
 * Rules: the group is ours when its List-Post names one of our addresses (`<mailto:support@…>`).
 * Then the list markers mean nothing (other signs of automatic mail still count), and a From that
 * is our own address is replaced by who really wrote: X-Original-Sender (Google), X-Original-From
 * (Mailman and others), else the one Reply-To. Our own mail coming back through the group is still
 * ours: its loop header, its Message-ID and an original sender that is our own address say so.
 * A sender could write these headers, but gains nothing they could not have by writing From.
 */
import { addressesIn, values } from './classify/fields.js';
import { isOwnAddress } from './own-addresses.js';
import type { ParsedAddress, ParsedMessage } from './types.js';

/** What the group changes: who wrote, and that the list markers are the group's. */
type GroupInput = Pick<ParsedMessage, 'headers' | 'from' | 'replyTo' | 'viaGroup'>;

const MAILTO = /<mailto:([^>?\s]+)[^>]*>/gi;
/** "'Ann Doe' via Support": the sender's name as Google writes it into a rewritten From. */
const VIA_NAME = /^'?(.*?)'? via .+$/;

/** The group address (lower case) when List-Post names one of `own`; null otherwise. */
export function ownGroupOf(headers: ParsedMessage['headers'], own: ReadonlySet<string>): string | null {
  for (const value of values(headers, 'list-post')) {
    for (const [, address] of value.matchAll(MAILTO)) {
      const lower = address!.toLowerCase();
      if (isOwnAddress(lower, own)) return lower;
    }
  }
  return null;
}

/** The message as its author sent it to the group; unchanged when no group of ours delivered it. */
export function throughOwnGroup<T extends GroupInput>(message: T, own: ReadonlySet<string>): T {
  const group = ownGroupOf(message.headers, own);
  if (!group) return message;
  const from = message.from && isOwnAddress(message.from.email, own) ? (originalSender(message, own) ?? message.from) : message.from;
  return { ...message, from, viaGroup: group };
}

function originalSender(message: GroupInput, own: ReadonlySet<string>): ParsedAddress | null {
  const [header] = [...values(message.headers, 'x-original-sender'), ...values(message.headers, 'x-original-from')].flatMap((value) => addressesIn(value, 1));
  const [replyTo] = message.replyTo.length === 1 ? message.replyTo : [];
  const email = header ?? replyTo?.email;
  if (!email || isOwnAddress(email, own)) return null;
  const name = (replyTo?.email === email ? replyTo.name : null) ?? VIA_NAME.exec(message.from?.name ?? '')?.[1] ?? null;
  return { email, name: name || null };
}
