/**
 * erasePerson: an admin answers a customer's request to be forgotten (GDPR art. 17 and the like).
 * postdesk keeps every message byte-identical, so "delete the ticket" in an API client is not
 * enough: the raw sources, attachments, queued mail and audit trail hold the person too.
 *
 * What goes, in one transaction:
 * - every ticket they requested, with all its messages, attachments, history, CCs and watchers;
 * - on other tickets, the messages they wrote keep their place in the thread (so replies to them
 *   still thread) but lose their subject, text, HTML, addresses, sender verdict and attachments;
 * - the raw sources of all those messages, and quarantined mail they sent (From is them);
 * - outbound mail (sent or queued) to them or about their tickets, and the copies of mail sent on
 *   other tickets since they wrote there (notifications and replies may quote them);
 * - their address in other people's messages (To/Cc lists, text) and in other tickets' history,
 *   and those messages' raw sources (the parsed message stays, without them);
 * - the person themselves (CC, watcher and approver places go with them).
 *
 * What stays, by design: an address block on them (blocked_sender: the admin's decision, removed
 * with unblockSender); Message-IDs and content hashes (threading and exactly-once); words of theirs
 * that others quoted (only the address is replaced); quarantined mail from someone else that
 * names them (it is that sender's, awaiting an admin); the mail in the IMAP mailbox, which the
 * operator deletes there.
 * Staff are refused: their work on tickets is the organisation's record (deactivate them instead).
 *
 * The audit event `person-erased` records who erased and the counts, never the address. A dry
 * run does everything, counts, and rolls back.
 */
import { LockMode } from '@mikro-orm/core';
import { simpleParser } from 'mailparser';
import type { Em, Orm } from '../db/orm.js';
import { arrayLiteral, likeContaining } from '../db/sql-values.js';
import { inTransaction } from '../db/transaction.js';
import { Person } from '../entities/index.js';
import { AppError } from '../errors.js';
import { headerBlockEnd } from '../ingest/parse/limits.js';
import { badInput } from '../routing/manage-rules.js';
import { recordEvent } from '../tickets/record-event.js';

export interface ErasureCounts {
  ticketsDeleted: number;
  messagesDeleted: number;
  messagesErased: number;
  messagesScrubbed: number;
  attachmentsDeleted: number;
  rawSourcesDeleted: number;
  quarantinedDeleted: number;
  deliveriesDeleted: number;
  eventsScrubbed: number;
}

/** Carries a dry run's counts out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor(readonly counts: ErasureCounts) {
    super('dry run');
  }
}

/** A regular expression matching `text` literally (PostgreSQL ARE syntax). */
const literally = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);

async function ids(em: Em, sql: string, params: unknown[]): Promise<number[]> {
  return (await em.execute<{ id: number }[]>(sql, params)).map((row) => Number(row.id));
}

async function countOf(em: Em, sql: string, params: unknown[]): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>(sql, params);
  return Number(row?.n ?? 0);
}

/** Runs a delete or update and answers how many rows it changed. */
const count = (em: Em, sql: string, params: unknown[]): Promise<number> =>
  countOf(em, `with changed as (${sql} returning 1) select count(*)::int as n from changed`, params);

/**
 * Quarantined mail whose From is `email`. Quarantined mail has no parsed sender (it may not
 * parse at all), so the candidates are those whose bytes name the address, and their header
 * block decides; mail that merely mentions them (a CC, a quote) is someone else's and stays.
 */
async function quarantinedFrom(em: Em, email: string): Promise<{ id: number; rawId: number | null }[]> {
  const candidates = await em.execute<{ id: number; raw_id: number | null; head: Buffer | null }[]>(
    `select q.id, q.raw_source_id as raw_id, substring(r.content from 1 for 1048576) as head
       from quarantined_message q join raw_source r on r.id = q.raw_source_id
      where position(? in lower(encode(r.content, 'escape'))) > 0`,
    [email],
  );
  const found: { id: number; rawId: number | null }[] = [];
  for (const row of candidates) {
    if (!row.head) continue;
    if (await sentBy(Buffer.from(row.head), email)) found.push({ id: Number(row.id), rawId: row.raw_id === null ? null : Number(row.raw_id) });
  }
  return found;
}

/** Whether the From header of a raw message's header block names `email`; a block mailparser cannot read is searched for a From line naming it. */
async function sentBy(head: Buffer, email: string): Promise<boolean> {
  const end = headerBlockEnd(head);
  const block = head.subarray(0, end > 0 ? end : head.length);
  try {
    const parsed = await simpleParser(block, { skipTextLinks: true, skipHtmlToText: true, skipImageLinks: true });
    return (parsed.from?.value ?? []).some((a) => a.address?.toLowerCase() === email);
  } catch {
    return block
      .toString('latin1')
      .split(/\r?\n(?![ \t])/)
      .some((line) => /^from:/i.test(line) && line.toLowerCase().includes(email));
  }
}

async function erase(em: Em, person: Person, actor: Person): Promise<ErasureCounts> {
  const email = person.email;
  const like = likeContaining(email);
  const pattern = literally(email);
  const tickets = arrayLiteral(await ids(em, `select id from ticket where requester_id = ? order by id for update`, [person.id]));
  const authored = arrayLiteral(await ids(em, `select id from message where author_id = ? and not ticket_id = any(?::int[])`, [person.id, tickets]));
  // Other people's messages that name them: in To or Cc, or the address in the text (a quote's "Alice <alice@…> wrote:").
  const mentioning = arrayLiteral(
    await ids(
      em,
      `select id from message
        where not ticket_id = any(?::int[]) and not id = any(?::int[])
          and (exists (select 1 from jsonb_array_elements("to" || cc) e where lower(e->>'email') = ?)
               or subject ilike ? or body_text ilike ? or body_html ilike ? or visible_text ilike ?)`,
      [tickets, authored, email, like, like, like, like],
    ),
  );
  const quarantined = await quarantinedFrom(em, email);
  const rawIds = await ids(
    em,
    `select distinct raw_source_id as id from message where raw_source_id is not null and (ticket_id = any(?::int[]) or id = any(?::int[]) or id = any(?::int[]))`,
    [tickets, authored, mentioning],
  );
  for (const q of quarantined) if (q.rawId !== null) rawIds.push(q.rawId);

  // Mail to them or about their tickets; and on tickets they wrote on, every copy made since their
  // first message there that may quote them: notifications (even queued: staff lose a copy), and
  // sent or failed replies. A queued reply to someone else still goes out.
  const deliveriesDeleted = await count(
    em,
    `delete from outbound_delivery d
      where d.ticket_id = any(?::int[]) or exists (select 1 from unnest(d.recipients) r where lower(r) = ?)
         or ((d.automatic or d.status <> 'QUEUED')
             and exists (select 1 from message m where m.id = any(?::int[]) and m.ticket_id = d.ticket_id and m.created_at <= d.created_at))`,
    [tickets, email, authored],
  );
  const attachmentsOnTickets = await countOf(em, `select count(*)::int as n from attachment a join message m on m.id = a.message_id where m.ticket_id = any(?::int[])`, [tickets]);
  const messagesDeleted = await countOf(em, `select count(*)::int as n from message where ticket_id = any(?::int[])`, [tickets]);
  const attachmentsOfAuthored = await count(em, `delete from attachment where message_id = any(?::int[])`, [authored]);
  const messagesErased = await count(
    em,
    `update message set subject = null, body_text = '', body_html = null, visible_text = null, "to" = '[]', cc = '[]', auth = null,
            raw_source_id = null, author_id = null, flags = array_append(array_remove(flags, 'erased'), 'erased')
      where id = any(?::int[])`,
    [authored],
  );
  const withoutThem = (column: string) =>
    `(select coalesce(jsonb_agg(e order by i), '[]'::jsonb) from jsonb_array_elements(${column}) with ordinality as x(e, i) where lower(e->>'email') <> ?)`;
  const scrubbed = (column: string) => `regexp_replace(${column}, ?, '[erased]', 'gi')`;
  // Their raw bytes go: the parsed message, without their address, is what the ticket shows.
  const messagesScrubbed = await count(
    em,
    `update message set "to" = ${withoutThem('"to"')}, cc = ${withoutThem('cc')}, subject = ${scrubbed('subject')}, body_text = ${scrubbed('body_text')},
            body_html = ${scrubbed('body_html')}, visible_text = ${scrubbed('visible_text')}, raw_source_id = null
      where id = any(?::int[])`,
    [email, email, pattern, pattern, pattern, pattern, mentioning],
  );
  const ticketsDeleted = await count(em, `delete from ticket where id = any(?::int[])`, [tickets]);
  const quarantinedDeleted = await count(em, `delete from quarantined_message where id = any(?::int[]) or raw_source_id = any(?::int[])`, [
    arrayLiteral(quarantined.map((q) => q.id)),
    arrayLiteral(rawIds),
  ]);
  // A raw source some other message still points at (the same bytes delivered twice) stays.
  const rawSourcesDeleted = await count(
    em,
    `delete from raw_source r where r.id = any(?::int[])
        and not exists (select 1 from message m where m.raw_source_id = r.id)
        and not exists (select 1 from quarantined_message q where q.raw_source_id = r.id)`,
    [arrayLiteral(rawIds)],
  );
  const eventsScrubbed = await count(
    em,
    `update ticket_event set from_value = ${scrubbed('from_value')}, to_value = ${scrubbed('to_value')}, detail = ${scrubbed('detail::text')}::jsonb
      where from_value ilike ? or to_value ilike ? or detail::text ilike ?`,
    [pattern, pattern, pattern, like, like, like],
  );

  await em.execute(`delete from person where id = ?`, [person.id]);
  const counts: ErasureCounts = {
    ticketsDeleted,
    messagesDeleted,
    messagesErased,
    messagesScrubbed,
    attachmentsDeleted: attachmentsOnTickets + attachmentsOfAuthored,
    rawSourcesDeleted,
    quarantinedDeleted,
    deliveriesDeleted,
    eventsScrubbed,
  };
  recordEvent(em, null, { kind: 'person-erased', actor, detail: { personId: person.id, ...counts } });
  await em.flush();
  return counts;
}

export async function erasePerson(orm: Orm, input: { email: string; dryRun: boolean }, actorId: number): Promise<ErasureCounts> {
  const email = input.email.trim().toLowerCase();
  try {
    return await inTransaction(orm, async (em) => {
      // Locked until the commit: mail from them arriving meanwhile waits, then finds them gone
      // and starts afresh (a new person: what they send after the erasure is new).
      const person = await em.findOne(Person, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!person) throw new AppError('NOT_FOUND', `nobody with the address ${email || '(empty)'} is known`, 'user', ['email']);
      if (person.role) throw badInput([{ field: ['email'], message: `${email} is staff: their work is the organisation's record; use deactivateAgent instead` }]);
      const counts = await erase(em, person, em.getReference(Person, actorId));
      if (input.dryRun) throw new DryRunRollback(counts);
      return counts;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.counts;
    throw error;
  }
}
