/**
 * Watchers and CCs of a ticket: add or remove one person by email. Watchers are staff (they get
 * internal notifications); a CC may be anyone (they get public replies). Each change is an event.
 */
import { Person, type Ticket } from '../entities/index.js';
import { MAX_CCS } from '../ingest/people.js';
import { emailAddress } from '../people/email-address.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

type Relation = 'watchers' | 'ccs';
const KIND: Record<Relation, string> = { watchers: 'watcher', ccs: 'cc' };

const emailSchema = emailAddress();

async function change(ctx: TicketCommandContext, number: number, email: string, relation: Relation, add: boolean): Promise<TicketResult> {
  const normalised = email.trim().toLowerCase();
  const invalid = emailSchema.safeParse(normalised).error?.issues[0];
  if (invalid) return failure(['email'], invalid.message);
  const found = await ticketToWork(ctx, number);
  if (isFailure(found)) return found;
  const ticket: Ticket = found;
  await ctx.em.populate(ticket, [relation]);
  const collection = ticket[relation];
  const current = collection.getItems().find((p) => p.email === normalised);
  if (add) {
    if (current) return { ok: true, value: ticket };
    let person: Person | null;
    if (relation === 'watchers') {
      person = await ctx.em.findOne(Person, { email: normalised, role: { $ne: null }, active: true });
      if (!person) return failure(['email'], `${email} is not an active agent (watchers are staff; add customers as CCs)`);
    } else {
      if (collection.length >= MAX_CCS) return failure(['email'], `a ticket has at most ${MAX_CCS} CCs`);
      person = await findOrCreatePerson(ctx.em, normalised);
    }
    collection.add(person);
  } else {
    if (!current) return failure(['email'], `${email} is not among the ticket's ${relation === 'ccs' ? 'CCs' : 'watchers'}`);
    collection.remove(current);
  }
  recordEvent(ctx.em, ticket, { kind: `${KIND[relation]}-${add ? 'added' : 'removed'}`, actor: ctx.actor, ...(add ? { to: normalised } : { from: normalised }) });
  ticket.updatedAt = new Date();
  await ctx.em.flush();
  return { ok: true, value: ticket };
}

export const addTicketWatcher = (ctx: TicketCommandContext, number: number, email: string) => change(ctx, number, email, 'watchers', true);
export const removeTicketWatcher = (ctx: TicketCommandContext, number: number, email: string) => change(ctx, number, email, 'watchers', false);
export const addTicketCc = (ctx: TicketCommandContext, number: number, email: string) => change(ctx, number, email, 'ccs', true);
export const removeTicketCc = (ctx: TicketCommandContext, number: number, email: string) => change(ctx, number, email, 'ccs', false);
