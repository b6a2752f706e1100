/**
 * The addresses a message was delivered to, as the delivering mail system wrote them: Postfix's
 * X-Original-To and Delivered-To (Dovecot's LMTP writes Delivered-To too), Exim's Envelope-To.
 * Mail that reached a shared mailbox through an alias (billing@ delivered into the support
 * mailbox) or as a Bcc names the address it was sent to only there. A sender can write these
 * headers too, but gains nothing by it: they can as well put that address in To.
 */
import { emailAddress } from '../people/email-address.js';

const DELIVERY_HEADERS = ['x-original-to', 'delivered-to', 'envelope-to', 'x-envelope-to'];
/** Enough for every hop of a real delivery; a flood of forged ones is not read. */
const MAX_ADDRESSES = 20;
const validEmail = emailAddress();

/**
 * The valid addresses of the delivery headers, lower-cased (`<billing@example.com>`, `a@x, b@x`).
 * @param headers header values by lower-case name, as ParsedMessage has them
 */
export function deliveredTo(headers: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  for (const value of DELIVERY_HEADERS.flatMap((name) => headers.get(name) ?? [])) {
    for (const word of value.split(/[\s,]+/)) {
      const address = word.replace(/^<|>$/g, '').toLowerCase();
      if (validEmail.safeParse(address).success) found.push(address);
      if (found.length === MAX_ADDRESSES) return found;
    }
  }
  return found;
}
