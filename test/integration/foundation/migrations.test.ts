/** The committed migrations build the schema from an empty database, and its constraints hold. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate, openOrm, type Orm } from '../../../src/db/orm.js';
import { Door, MessageDirection } from '../../../src/entities/enums.js';
import { Message, Person, Ticket } from '../../../src/entities/index.js';
import { adminQuery } from '../../harness/postgres.js';
import { MIGRATIONS } from '../../../migrations/index.js';

let orm: Orm;

beforeAll(async () => {
  const name = `pdt_empty_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  orm = await openOrm(url.toString());
});
afterAll(() => orm.close());

describe('migrations', () => {
  it('apply from an empty database, once', async () => {
    const applied = await migrate(orm);
    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await migrate(orm)).toEqual([]);
    const tables = await orm.em.fork().execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'api_token', 'app_setting', 'attachment', 'blocked_sender', 'inbound_receipt', 'category', 'mailbox_state', 'message', 'outbound_delivery', 'person',
        'quarantined_message', 'queue', 'queue_agent', 'queue_watcher', 'raw_source', 'rule', 'ticket',
        'ticket_cc', 'ticket_event', 'ticket_watcher',
      ]),
    );
  });

  it('give tickets increasing numbers from a sequence', async () => {
    const em = orm.em.fork();
    const person = new Person('numbers@example.com');
    const tickets = [new Ticket('one', person), new Ticket('two', person), new Ticket('three', person)];
    await em.persist([person, ...tickets]).flush();
    const numbers = tickets.map((t) => t.number);
    expect(numbers.every(Number.isInteger)).toBe(true);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set(numbers).size).toBe(3);
  });

  it('keep person emails unique regardless of case', async () => {
    const em = orm.em.fork();
    await em.persist(new Person('Case@Example.com')).flush();
    const again = orm.em.fork();
    await expect(again.persist(new Person('case@EXAMPLE.com')).flush()).rejects.toThrow(/unique/i);
  });

  it('never store one IMAP message twice (mailbox, UIDVALIDITY, UID)', async () => {
    const em = orm.em.fork();
    const person = new Person('imap@example.com');
    const ticket = new Ticket('imap', person);
    const first = Object.assign(new Message(ticket, MessageDirection.INBOUND), { door: Door.IMAP, mailbox: 'default', uidValidity: 4_000_000_000, uid: 7 });
    await em.persist([person, ticket, first]).flush();
    const em2 = orm.em.fork();
    const t2 = await em2.findOneOrFail(Ticket, ticket.id);
    const second = Object.assign(new Message(t2, MessageDirection.INBOUND), { door: Door.IMAP, mailbox: 'default', uidValidity: 4_000_000_000, uid: 7 });
    await expect(em2.persist(second).flush()).rejects.toThrow(/message_provenance_unique/);
  });

  it('index subjects and message text for accent- and case-insensitive search', async () => {
    const em = orm.em.fork();
    const person = new Person('search@example.com');
    const ticket = new Ticket('Überweisung fehlgeschlagen', person);
    const message = Object.assign(new Message(ticket, MessageDirection.INBOUND), { bodyText: 'Le café est fermé' });
    await em.persist([person, ticket, message]).flush();
    const hits = async (table: string, words: string) =>
      em.execute<{ id: number }[]>(`select id from ${table} where search_vector @@ plainto_tsquery('simple', unaccent(?))`, [words]);
    expect(await hits('ticket', 'UBERWEISUNG')).toEqual([{ id: ticket.id }]);
    expect(await hits('message', 'cafe ferme')).toEqual([{ id: message.id }]);
    const indexes = await em.execute<{ indexname: string; indexdef: string }[]>(
      `select indexname, indexdef from pg_indexes where indexname in ('ticket_search_idx', 'message_search_idx') order by 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['message_search_idx', 'ticket_search_idx']);
    for (const index of indexes) expect(index.indexdef).toMatch(/USING gin \(search_vector\)/);
  });

  it('keep raw bytes byte-identical', async () => {
    const client = new pg.Client({ connectionString: orm.config.get('clientUrl') });
    await client.connect();
    const bytes = Buffer.from([0, 13, 10, 255, 0xe2, 0x80, 0xae]);
    const inserted = await client.query<{ id: number }>(
      `insert into raw_source (sha256, size, content, received_at) values ('x', $1, $2, now()) returning id`,
      [bytes.length, bytes],
    );
    const back = await client.query<{ content: Buffer }>('select content from raw_source where id = $1', [inserted.rows[0]?.id]);
    await client.end();
    expect(Buffer.compare(back.rows[0]!.content, bytes)).toBe(0);
  });

  it('fill response times in for tickets that existed before them (Migration20261201020000_response_times)', async () => {
    const RESPONSE_TIMES = 'Migration20261201020000_response_times';
    await orm.migrator.down({ migrations: [RESPONSE_TIMES] });
    const em = orm.em.fork();
    const owner = new Person('backfill@example.com');
    await em.persist(owner).flush();
    const person = owner.id;
    const ticket = async (subject: string, status = 'OPEN') =>
      (await em.execute<{ id: number }[]>(`insert into ticket (subject, status, requester_id, created_at, updated_at) values (?, ?, ?, now(), now()) returning id`, [subject, status, person]))[0]!.id;
    const message = (ticketId: number, direction: string, at: string, flags: string[] = []) =>
      em.execute(`insert into message (ticket_id, direction, "to", cc, "references", flags, created_at) values (?, ?, '[]', '[]', '{}', ?::text[], ?)`, [ticketId, direction, `{${flags.join(',')}}`, at]);
    // Answered, then the customer wrote twice (and an auto-reply came in between): waits since the first of the two.
    const answered = await ticket('answered');
    await message(answered, 'INBOUND', '2026-11-01T09:00:00Z');
    await message(answered, 'OUTBOUND', '2026-11-01T10:00:00Z');
    await message(answered, 'OUTBOUND', '2026-11-01T12:00:00Z');
    await message(answered, 'INBOUND', '2026-11-01T13:00:00Z', ['automatic']);
    await message(answered, 'INBOUND', '2026-11-01T14:00:00Z');
    await message(answered, 'NOTE', '2026-11-01T15:00:00Z');
    await message(answered, 'INBOUND', '2026-11-01T16:00:00Z');
    const unanswered = await ticket('unanswered');
    await message(unanswered, 'INBOUND', '2026-11-02T09:00:00Z');
    const closed = await ticket('closed', 'CLOSED');
    await message(closed, 'INBOUND', '2026-11-03T09:00:00Z');
    const quoteOnly = await ticket('bare quote after the answer');
    await message(quoteOnly, 'INBOUND', '2026-11-04T09:00:00Z');
    await message(quoteOnly, 'OUTBOUND', '2026-11-04T10:00:00Z');
    await message(quoteOnly, 'INBOUND', '2026-11-04T11:00:00Z', ['quoted-only']);

    expect(await migrate(orm)).toEqual([RESPONSE_TIMES]);
    const rows = await em.execute<{ id: number; first_response_at: Date | null; awaiting_reply_since: Date | null }[]>(
      `select id, first_response_at, awaiting_reply_since from ticket where id in (?, ?, ?, ?) order by id`,
      [answered, unanswered, closed, quoteOnly],
    );
    const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
    expect(rows.map((r) => [r.id, iso(r.first_response_at), iso(r.awaiting_reply_since)])).toEqual([
      [answered, '2026-11-01T10:00:00.000Z', '2026-11-01T14:00:00.000Z'],
      [unanswered, null, '2026-11-02T09:00:00.000Z'],
      [closed, null, null],
      [quoteOnly, '2026-11-04T10:00:00.000Z', null],
    ]);
  });

  it('count tickets already waiting as reminded, so the upgrade mails no reminder storm (Migration20261201030000_reply_reminders)', async () => {
    const REMINDERS = 'Migration20261201030000_reply_reminders';
    await orm.migrator.down({ migrations: [REMINDERS] });
    const em = orm.em.fork();
    const owner = new Person('reminders@example.com');
    await em.persist(owner).flush();
    const insert = async (awaiting: string | null) =>
      (await em.execute<{ id: number }[]>(`insert into ticket (subject, status, requester_id, awaiting_reply_since, created_at, updated_at) values ('t', 'OPEN', ?, ?, now(), now()) returning id`, [owner.id, awaiting]))[0]!.id;
    const waiting = await insert('2026-01-05T09:00:00.123456Z');
    const answered = await insert(null);

    expect(await migrate(orm)).toEqual([REMINDERS]);
    const rows = await em.execute<{ id: number; same: boolean; reply_reminded_for: Date | null }[]>(
      `select id, reply_reminded_for is not distinct from awaiting_reply_since as same, reply_reminded_for from ticket where id in (?, ?) order by id`,
      [waiting, answered],
    );
    expect(rows.map((r) => [r.id, r.same, r.reply_reminded_for === null])).toEqual([
      [waiting, true, false],
      [answered, true, true],
    ]);
  });
});
