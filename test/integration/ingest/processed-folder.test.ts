/**
 * TESTPLAN D8: moving processed mail on a server without MOVE (RFC 6851). Dovecot runs with its
 * capability list overridden so MOVE is hidden; imapflow's messageMove then falls back to
 * UID COPY + UID STORE \Deleted + UID EXPUNGE. A fault proxy cuts the connection the moment the
 * server answers the COPY (its tagged `OK [COPYUID …]`): the server has copied the message to the
 * processed folder, the client never hears so, and neither STORE \Deleted nor EXPUNGE is sent.
 *
 * 20 such cuts, each followed by the poller's own reconnect (5 mailboxes, each with its own proxy
 * and 4 cuts, so the backoff of one poller stays within seconds), plus one mailbox whose single
 * message is cut after every COPY for the whole run (the same message, as often as the poller
 * copies it). At the end: the processed folders hold at most 1 copy of each message (counted by
 * Message-ID; the osTicket #5645 case is one more copy per retry), every INBOX is empty, and the
 * database holds each message exactly once.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../harness/dovecot.js';
import { queryDatabase as query } from '../../harness/eventually.js';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { buildMail, randomMessageId } from '../../harness/mail.js';
import { count, imapUrlVia, jsonLines, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[processed-folder.test] ${DOVECOT_SKIP_REASON}`);

/** Dovecot 2.3's own post-login list without MOVE (UIDPLUS kept: imapflow expunges by UID with it). */
const CAPABILITIES_WITHOUT_MOVE =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY SPECIAL-USE';
/** Dovecot's tagged answer to a successful UID COPY starts `OK [COPYUID <uidvalidity> <src> <dst>]`. */
const COPY_ANSWER = '[COPYUID ';
const PROCESSED = 'Processed';
const MAILBOXES = 5;
const CUTS_PER_MAILBOX = 4;

let dovecot: Dovecot;
let app: TestApp | undefined;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(MAILBOXES + 1, { extraConfig: `imap_capability = ${CAPABILITIES_WITHOUT_MOVE}` });
});
afterAll(async () => {
  await app?.stop();
  await Promise.all(proxies.map((p) => p.close()));
  await dovecot?.stop();
});

function bareClient(user: DovecotUser): ImapFlow {
  return new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
}

/** Message-IDs of a folder straight from Dovecot (never through a proxy), one entry per copy; null: the folder does not exist. */
async function messageIds(user: DovecotUser, folder: string): Promise<string[] | null> {
  const client = bareClient(user);
  await client.connect();
  try {
    if (!(await client.list()).some((entry) => entry.path === folder)) return null;
    await client.mailboxOpen(folder);
    const ids: string[] = [];
    for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '(none)');
    return ids;
  } finally {
    await client.logout();
  }
}

/** Copies per Message-ID above 1. */
function extraCopies(ids: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

describe.skipIf(!dovecotAvailable())('processed folder without MOVE (D8)', () => {
  it('the override hides MOVE from a logged-in client (imapflow then uses COPY + STORE + EXPUNGE)', async () => {
    const client = bareClient(dovecot.users[0]!);
    await client.connect();
    const capabilities = [...client.capabilities.keys()];
    await client.logout();
    console.info(`[D8] capabilities after login: ${capabilities.join(' ')}`);
    expect(capabilities).not.toContain('MOVE');
    expect(capabilities.map((c) => c.toUpperCase())).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'UIDPLUS']));
  });

  it('20 cuts right after the server answered COPY: at most 1 copy per message in Processed, INBOX empty, each message ingested once', async () => {
    const users = dovecot.users;
    for (const _ of users) {
      const proxy = await startFaultProxy(dovecot.port);
      proxy.cutOn(COPY_ANSWER);
      proxies.push(proxy);
    }
    const mailboxes = users.map((user, i) => ({ name: `d8-${i}`, url: imapUrlVia(dovecot, user, proxies[i]!.port), address: 'support@example.com', processedFolder: PROCESSED }));
    const started = Date.now();
    app = await startTestApp({ MAILBOXES: JSON.stringify(mailboxes), SUPPORT_ADDRESS: 'support@example.com', POLL_INTERVAL_MS: '60000', SENDER_RATE_LIMIT: '1000/10m' });
    const gateway = app;

    const sent = new Map<number, string[]>(); // mailbox index -> Message-IDs appended
    const appendOne = async (i: number, subject: string) => {
      const id = randomMessageId();
      sent.set(i, [...(sent.get(i) ?? []), `<${id}>`]);
      await dovecot.append(users[i]!, await buildMail({ subject, messageId: id, from: `c${i}@customer.test` }));
    };

    // Mailboxes 0-4: a new message per round; the round ends when its COPY has been cut. The next
    // message is appended while the poller is down, so its next session first meets the message
    // left behind by the cut, then copies the new one (and is cut again).
    const rounds = Array.from({ length: MAILBOXES }, async (_, i) => {
      const proxy = proxies[i]!;
      for (let round = 1; round <= CUTS_PER_MAILBOX; round++) {
        await appendOne(i, `d8 ${i}.${round}`);
        await until(async () => proxy.patternCuts >= round, `mailbox ${i}: cut ${round} after COPY`, 60);
      }
      proxy.cutOn(null); // from now on the link works; the last reconnect has to tidy up
    });
    // Mailbox 5: one message, and every COPY of it is cut for as long as the others run.
    const same = MAILBOXES;
    await appendOne(same, 'd8 same message');
    await Promise.all(rounds);
    const sameCuts = proxies[same]!.patternCuts;
    proxies[same]!.cutOn(null);
    const totalCuts = proxies.slice(0, MAILBOXES).reduce((n, p) => n + p.patternCuts, 0);
    console.info(`[D8] ${totalCuts} cuts after COPY over ${MAILBOXES} mailboxes in ${Date.now() - started} ms; the same-message mailbox meanwhile: ${sameCuts} cut(s)`);

    // Settled: every INBOX empty (nothing left flagged \Deleted either: exists counts those).
    const state = async () => Promise.all(users.map(async (u) => ({ inbox: (await messageIds(u, 'INBOX')) ?? [], processed: (await messageIds(u, PROCESSED)) ?? [] })));
    await until(async () => (await state()).every((s, i) => s.inbox.length === 0 && new Set(s.processed).size === sent.get(i)!.length), 'every INBOX emptied into Processed', 45).catch(async (error: unknown) => {
      const warnings = jsonLines(gateway.logLines()).filter((l) => l.level !== 'info' && l.level !== 30).map((l) => `${String(l.mailbox ?? '')} ${String(l.msg)} ${String(l.reason ?? '')}`);
      throw new Error(`${(error as Error).message}\nstate: ${JSON.stringify(await state())}\nwarnings:\n${warnings.slice(-30).join('\n')}`);
    });
    const final = await state();
    const logged = jsonLines(gateway.logLines());
    const reconnects = logged.filter((l) => l.msg === 'mailbox session ended; reconnecting');
    // How each leftover was finished: found in Processed already and only removed from INBOX, never copied again.
    const finished = logged.filter((l) => l.msg === 'finishing moves that a lost connection interrupted');
    const sum = (key: string) => finished.reduce((n, l) => n + Number(l[key] ?? 0), 0);

    for (const [i, s] of final.entries()) {
      expect(s.inbox, `INBOX of mailbox ${i}`).toEqual([]);
      expect(extraCopies(s.processed), `duplicates in Processed of mailbox ${i}`).toEqual({});
      expect(s.processed.sort(), `Processed of mailbox ${i}`).toEqual([...sent.get(i)!].sort());
    }
    expect(totalCuts).toBeGreaterThanOrEqual(MAILBOXES * CUTS_PER_MAILBOX);
    expect(sameCuts).toBeGreaterThanOrEqual(1);
    expect({ alreadyCopied: sum('alreadyCopied'), toMove: sum('toMove') }).toEqual({ alreadyCopied: totalCuts + sameCuts, toMove: 0 });

    // The database: each message exactly once, as one ticket and one message row.
    const all = [...sent.values()].flat().map((id) => id.slice(1, -1));
    const rows = await query<{ message_id: string; n: string }>(gateway.databaseUrl, `select message_id, count(*)::text as n from message where message_id = any($1) group by 1`, [all]);
    expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    expect(rows).toHaveLength(all.length);
    expect(await count(gateway.databaseUrl, `select 1 from ticket where subject like 'd8 %'`)).toBe(all.length);
    expect(await count(gateway.databaseUrl, `select 1 from inbound_receipt where mailbox like 'd8-%'`)).toBe(all.length);

    const copies = final.reduce((n, s) => n + s.processed.length, 0);
    console.info(
      `[D8] ${all.length} messages, ${totalCuts + sameCuts} cuts after COPY (${sameCuts} for the same-message mailbox), ${reconnects.length} reconnects, ` +
        `${sum('alreadyCopied')} left-behind messages found already in Processed (removed from INBOX, not copied again); ` +
        `Processed holds ${copies} copies of ${all.length} messages; INBOX total ${final.reduce((n, s) => n + s.inbox.length, 0)}; ` +
        `database: ${rows.length} messages, 0 duplicates; ${Date.now() - started} ms`,
    );
  });
});
