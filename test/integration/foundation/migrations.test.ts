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
        'api_token', 'app_setting', 'attachment', 'inbound_receipt', 'category', 'mailbox_state', 'message', 'outbound_delivery', 'person',
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
});
