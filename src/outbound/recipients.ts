/**
 * Who may be mailed, decided per address (loop safety, TESTPLAN L3, L4, L7, L11):
 *  - never postdesk's own addresses (support, emergency, mailboxes, queue addresses), nor their
 *    plus-addresses (`support+42@…`, our Reply-To with REPLY_TO_PLUS_ADDRESSING);
 *  - never an address that is not a plain, safe mailbox (nothing that could bend an SMTP command);
 *  - automatic mail: never to people whose mail bounced permanently (undeliverableSince), and never
 *    more than AUTOMATIC_MAIL_LIMIT mails per address per rolling hour, counted in PostgreSQL under
 *    an advisory lock so every instance shares the count; the first refusal records one
 *    `loop-suspected` event on the ticket;
 *  - agent-written replies are neither limited nor suppressed; mail to a bounced address gets a
 *    `delivery-warning` event instead.
 */
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import { Person, TicketEvent, type Ticket } from '../entities/index.js';
import { isOwnAddress, loadOwnAddresses } from '../ingest/own-addresses.js';
import { MAX_EMAIL_CHARS } from '../people/email-address.js';
import { recordEvent } from '../tickets/record-event.js';
import type { NotifyContext } from './notify.js';

const HOUR_MS = 3_600_000;
// Local part and domain without spaces, brackets, quotes, commas, semicolons or control characters.
const SAFE_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** The advisory lock under which automatic mail to `email` is counted (held until commit). */
export function automaticMailLock(email: string): string {
  return `outbound-rate:${email}`;
}

export function isSafeAddress(address: string): boolean {
  return address.length <= MAX_EMAIL_CHARS && SAFE_ADDRESS.test(address);
}

export interface Candidate {
  readonly email: string;
  readonly name: string | null;
  /** The Person row, when the address belongs to one (for undeliverableSince). */
  readonly person: Person | null;
}

export function candidate(person: Person): Candidate {
  return { email: person.email, name: person.name, person };
}

/** Per-notify state: own addresses looked up once. */
export class Admission {
  private own: Set<string> | null = null;

  constructor(
    private readonly em: Em,
    private readonly ctx: Pick<NotifyContext, 'config'>,
    private readonly now: Date,
  ) {}

  private async ownSet(): Promise<Set<string>> {
    if (!this.own) {
      this.own = await loadOwnAddresses(this.em, this.ctx.config);
    }
    return this.own;
  }

  /**
   * The candidates that may receive this mail, de-duplicated, in order.
   * @param limited false for pages to on-call addresses and agent-written replies
   */
  async admit(ticket: Ticket | null, candidates: readonly Candidate[], options: { automatic: boolean; limited: boolean }): Promise<Candidate[]> {
    const own = await this.ownSet();
    const seen = new Set<string>();
    const admitted: Candidate[] = [];
    for (const c of candidates) {
      const email = c.email.toLowerCase();
      if (seen.has(email) || isOwnAddress(email, own) || !isSafeAddress(email)) continue;
      seen.add(email);
      const person = c.person ?? (await this.em.findOne(Person, { email }));
      if (person?.undeliverableSince) {
        if (options.automatic) continue;
        if (ticket) recordEvent(this.em, ticket, { kind: 'delivery-warning', actorLabel: 'system', to: email, detail: { reason: `mail to ${email} bounced permanently on ${person.undeliverableSince.toISOString()}` } });
      }
      if (options.automatic && options.limited && !(await this.withinLimit(ticket, email))) continue;
      admitted.push({ email, name: c.name, person });
    }
    return admitted;
  }

  private async withinLimit(ticket: Ticket | null, email: string): Promise<boolean> {
    await lockKeys(this.em, [automaticMailLock(email)]);
    const since = new Date(this.now.getTime() - HOUR_MS);
    const rows = await this.em.execute<{ n: string }[]>(
      `select count(*)::text as n from outbound_delivery where automatic and created_at > ? and recipients @> array[?]::text[]`,
      [since, email],
    );
    if (Number(rows[0]!.n) < this.ctx.config.outbound.automaticMailsPerHour) return true;
    const already = await this.em.count(TicketEvent, { kind: 'loop-suspected', toValue: email, createdAt: { $gt: since } });
    if (already === 0) {
      const limit = this.ctx.config.outbound.automaticMailsPerHour;
      const event = recordEvent(this.em, ticket, { kind: 'loop-suspected', actorLabel: 'system', to: email, detail: { reason: `more than ${limit} automatic mails to ${email} within an hour; further automatic mail suppressed` } });
      event.createdAt = this.now;
    }
    return false;
  }
}
