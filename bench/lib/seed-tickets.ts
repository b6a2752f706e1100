/**
 * Seeds a migrated postdesk database with a help desk's worth of data in plain SQL (generate_series,
 * set-based inserts): queues, agents, customers, tickets, threads and attachment rows. Going through
 * the ORM would take many minutes for half a million messages; SQL takes well under one.
 *
 * Secondary indexes of the big tables are dropped first and rebuilt afterwards from their own
 * definitions (pg_indexes), which is several times faster than maintaining GIN indexes row by row;
 * generated columns (the search vectors) are computed by PostgreSQL as for any insert.
 */
import pg from 'pg';

export interface SeedOptions {
  readonly tickets: number;
  /** Messages per ordinary ticket (tickets × this ≈ the message count). */
  readonly messagesPerTicket: number;
  /** This many tickets (numbers 1..n) get `longThreadMessages` messages, two attachments each. */
  readonly longThreads: number;
  readonly longThreadMessages: number;
  readonly queues: number;
  readonly agents: number;
  readonly customers: number;
  /** Share of ordinary messages with one attachment. */
  readonly attachmentShare: number;
  /** A word put into this share of messages and subjects, for the search figure. */
  readonly searchWord: string;
  readonly searchWordShare: number;
  /**
   * Bytes of HTML alternative on every message but notes (0: none). Mail from Outlook or Gmail
   * carries one, often several times the size of its text; its style block makes up most of it.
   */
  readonly htmlBytes?: number;
}

export interface SeedCounts {
  readonly tickets: number;
  readonly messages: number;
  readonly attachments: number;
  readonly people: number;
  readonly queues: number;
  readonly searchWordMessages: number;
}

const BIG_TABLES = ['ticket', 'message', 'attachment'];

// Vocabulary of a support inbox; bodies are drawn from these (the search word is not among them).
const WORDS = `printer email password reset account login error invoice payment refund server network vpn laptop
screen keyboard mouse access permission folder file share drive backup restore update install license
software hardware monitor cable wifi router firewall certificate browser cache cookie session timeout
slow crash freeze reboot restart phone mobile calendar meeting room booking report dashboard export import
database query table column index migration deploy release version patch security alert warning ticket
request urgent please thanks hello regards customer order shipping delivery address tracking return
warranty repair replacement battery charger adapter port usb bluetooth audio video camera microphone
headset speaker volume driver firmware bios disk memory storage quota mailbox spam filter attachment
signature calendar contact group policy domain dns proxy gateway latency outage incident problem change
approval budget purchase quote contract renewal subscription trial upgrade downgrade cancel billing`
  .split(/\s+/)
  .filter(Boolean);

function sqlArray(words: readonly string[]): string {
  return `array[${words.map((w) => `'${w.replace(/'/g, "''")}'`).join(',')}]::text[]`;
}

async function timed(label: string, client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const t = performance.now();
  const result = await client.query(sql, params);
  console.log(`    ${label}: ${result.rowCount ?? 0} rows, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return result.rowCount ?? 0;
}

/** Seeds `databaseUrl` (already migrated, otherwise empty of tickets). */
export async function seedTickets(databaseUrl: string, o: SeedOptions): Promise<SeedCounts> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Bench set-up only (the gateway's own writes keep their durable defaults): no commit fsync, and
    // no per-row foreign-key triggers (replica role; the seed is consistent by construction).
    const SESSION = `set synchronous_commit = off; set session_replication_role = replica`;
    await client.query(`${SESSION}; set maintenance_work_mem = '256MB'; select setseed(0.42)`);
    const words = sqlArray(WORDS);

    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        `select i.indexname, i.indexdef from pg_indexes i
         where i.schemaname = 'public' and i.tablename = any($1)
           and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        [BIG_TABLES],
      )
    ).rows;
    for (const index of indexes) await client.query(`drop index "${index.indexname}"`);

    await timed('people', client, `
      insert into person (email, name, role, active, watch_opt_out, created_at)
      select 'agent' || g || '@bench.example', 'Agent ' || g, 'AGENT'::role, true, false, now() from generate_series(1, $1::int) g
      union all
      select 'customer' || g || '@customer' || (g % 97) || '.example',
             initcap((${words})[1 + (g * 7) % ${WORDS.length}]) || ' ' || initcap((${words})[1 + (g * 13) % ${WORDS.length}]) || 'son',
             null::role, true, false, now()
      from generate_series(1, $2::int) g`, [o.agents, o.customers]);

    await timed('queues', client, `
      insert into queue (name, email_address, keywords, created_at, updated_at)
      select 'Bench queue ' || lpad(g::text, 2, '0'), 'queue' || g || '@bench.example', array[(${words})[g]], now(), now()
      from generate_series(1, $1::int) g`, [o.queues]);
    await timed('queue agents', client, `
      insert into queue_agent (queue_id, person_id)
      select q.id, p.id from queue q join person p on p.email like 'agent%@bench.example'
      where q.name like 'Bench queue %' and (p.id + q.id) % 3 = 0`);

    await client.query(`create temp table bench_ids as
      select array(select id from queue where name like 'Bench queue %' order by id) as queues,
             array(select id from person where email like 'agent%@bench.example' order by id) as agents,
             array(select id from person where email like 'customer%' order by id) as customers`);

    const ticketSql = `
      insert into ticket (number, subject, status, priority, type, queue_id, requester_id, assignee_id, created_at, updated_at, closed_at)
      select g,
             initcap((${words})[1 + floor(random() * ${WORDS.length})::int]) || ' ' || (${words})[1 + floor(random() * ${WORDS.length})::int]
               || ' ' || (${words})[1 + floor(random() * ${WORDS.length})::int]
               || case when random() < $2::float8 then ' ' || $3::text else '' end,
             (array['OPEN','IN_PROGRESS','WAITING_FOR_CUSTOMER','PENDING_APPROVAL','CLOSED']::ticket_status[])[1 + g % 5],
             (array['LOW','NORMAL','NORMAL','HIGH','URGENT']::priority[])[1 + g % 5],
             (array['INCIDENT','PROBLEM','CHANGE','QUESTION']::ticket_type[])[1 + g % 4],
             b.queues[1 + g % cardinality(b.queues)],
             b.customers[1 + floor(random() * cardinality(b.customers))::int],
             case when g % 4 = 0 then null else b.agents[1 + floor(random() * cardinality(b.agents))::int] end,
             now() - interval '365 days' + (g * interval '315 seconds'),
             now() - interval '365 days' + (g * interval '315 seconds') + interval '5 hours',
             case when g % 5 = 4 then now() - interval '365 days' + (g * interval '315 seconds') + interval '6 hours' end
      from generate_series(1, $1::int) g, bench_ids b`;
    const tickets = await timed('tickets', client, ticketSql, [o.tickets, o.searchWordShare, o.searchWord]);
    await client.query(`select setval('ticket_number_seq', (select max(number) from ticket))`);

    // 4,000 paragraphs of 40-80 words; each message takes one (cheap), some get the search word.
    await timed('paragraphs', client, `
      create temp table bench_paragraph as
      select p as id, (select string_agg((${words})[1 + floor(random() * ${WORDS.length})::int], ' ')
                       from generate_series(1, 40 + (p % 41))) as body
      from generate_series(1, 4000) p`);

    // Message k of a ticket: k odd inbound from the requester, k even an agent's reply, every 5th a note.
    const messageSql = (range: string, perTicket: string) => `
      insert into message (ticket_id, direction, author_id, "to", cc, subject, body_text, body_html, message_id, "references", created_at)
      select t.id,
             (case when k % 5 = 0 then 'NOTE' when k % 2 = 1 then 'INBOUND' else 'OUTBOUND' end)::message_direction,
             case when k % 2 = 1 then t.requester_id else coalesce(t.assignee_id, b.agents[1]) end,
             '[]'::jsonb, '[]'::jsonb,
             case when k = 1 then t.subject else 'Re: ' || t.subject end,
             'Hello,\n\n' || p.body || case when random() < $1::float8 then ' ' || $2::text else '' end || '\n\nRegards',
             case when $8::int > 0 and k % 5 <> 0 then '<html><head><style>' || left(repeat('p.MsoNormal, li.MsoNormal { margin: 0cm; font-size: 11pt; font-family: "Calibri", sans-serif; } ', $8::int / 80 + 1), $8::int)
               || '</style></head><body><div class="WordSection1"><p class="MsoNormal">Hello,</p><p class="MsoNormal">' || p.body || '</p></div></body></html>' end,
             '<bench-' || t.id || '-' || k || '@bench.example>',
             '{}'::text[],
             t.created_at + (k - 1) * interval '1 minute'
      from ticket t cross join bench_ids b
      cross join lateral generate_series(1, ${perTicket}) k
      join bench_paragraph p on p.id = 1 + (t.id * 31 + k * 17) % 4000
      where ${range}`;
    const half = Math.floor(o.tickets / 2);
    // Two connections share the work of computing half a million search vectors.
    const second = new pg.Client({ connectionString: databaseUrl });
    await second.connect();
    let messages = 0;
    try {
      await second.query(`${SESSION}; select setseed(0.24)`);
      await second.query(`create temp table bench_ids as select * from (values (array(select id from person where email like 'agent%@bench.example' order by id))) v(agents)`);
      await second.query(`create temp table bench_paragraph as select 0 as id, ''::text as body where false`);
      // The second connection needs the same paragraphs: copy them over through this process.
      const paragraphs = (await client.query<{ id: number; body: string }>(`select id, body from bench_paragraph`)).rows;
      await second.query(`insert into bench_paragraph select * from unnest($1::int[], $2::text[])`, [paragraphs.map((p) => p.id), paragraphs.map((p) => p.body)]);
      const counts = await Promise.all([
        timed('messages (first half)', client, messageSql(`t.number > $3 and t.number <= $4`, `case when t.number <= $5 then $6::int else $7::int end`), [
          o.searchWordShare, o.searchWord, 0, half, o.longThreads, o.longThreadMessages, o.messagesPerTicket, o.htmlBytes ?? 0,
        ]),
        timed('messages (second half)', second, messageSql(`t.number > $3 and t.number <= $4`, `case when t.number <= $5 then $6::int else $7::int end`), [
          o.searchWordShare, o.searchWord, half, o.tickets, o.longThreads, o.longThreadMessages, o.messagesPerTicket, o.htmlBytes ?? 0,
        ]),
      ]);
      messages = counts[0] + counts[1];
    } finally {
      await second.end();
    }

    const attachments = await timed('attachments', client, `
      insert into attachment (message_id, filename, content_type, size, sha256, inline, content, created_at)
      select m.id, 'file-' || m.id || '-' || a || case when a = 1 then '.pdf' else '.png' end,
             case when a = 1 then 'application/pdf' else 'image/png' end,
             512, encode(sha256(decode(repeat(to_hex(m.id % 16), 1024), 'hex')), 'hex'), false,
             decode(repeat(to_hex(m.id % 16), 1024), 'hex'), m.created_at
      from message m join ticket t on t.id = m.ticket_id
      cross join lateral generate_series(1, case when t.number <= $1::int then 2 else 1 end) a
      where t.number <= $1::int or (m.id * 2654435761) % 1000 < $2::float8 * 1000`, [o.longThreads, o.attachmentShare]);

    const t = performance.now();
    for (const index of indexes) await client.query(index.indexdef);
    console.log(`    rebuilt ${indexes.length} indexes: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const t2 = performance.now();
    await client.query(`analyze`);
    console.log(`    analyze: ${((performance.now() - t2) / 1000).toFixed(1)} s`);

    const count = async (sql: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
    return {
      tickets,
      messages,
      attachments,
      people: await count(`select count(*) as n from person`),
      queues: await count(`select count(*) as n from queue`),
      searchWordMessages: await count(`select count(*) as n from message where body_text like '%' || $1::text || '%'`, [o.searchWord]),
    };
  } finally {
    await client.end();
  }
}
