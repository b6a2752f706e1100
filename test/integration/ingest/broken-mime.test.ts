/**
 * M7, broken MIME through IMAP: each message is APPENDed to a real Dovecot and fetched by the
 * gateway's poller. Every one must end parsed (ticket) or quarantined with a reason (never a
 * PIPELINE_ERROR, never a crash), and the raw source postdesk stored must be byte-identical to the
 * server's copy (sha256 of what Dovecot hands out for that UID, which for the mixed CRLF/LF case is
 * not what was APPENDed: Dovecot stores and serves its own line endings).
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../harness/dovecot.js';
import { queryDatabase } from '../../harness/eventually.js';
import { randomMessageId } from '../../harness/mail.js';
import { count, jsonLines, until } from './fault-helpers.js';

if (DOVECOT_SKIP_REASON) console.warn(`[broken-mime.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot | null = null;
let app: TestApp | null = null;
afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

const head = (subject: string, eol = '\r\n') =>
  ['From: m7@customer.test', 'To: support@example.com', `Subject: ${subject}`, `Message-ID: <${randomMessageId()}>`, 'Date: Mon, 2 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', ''].join(eol);

const CASES: [string, string][] = [
  ['missing closing boundary', `${head('m7 missing closing boundary')}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nopen part\r\n--x\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n`],
  ['undeclared boundary', `${head('m7 undeclared boundary')}Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n`],
  ['boundary text inside base64', `${head('m7 boundary inside base64')}Content-Type: multipart/mixed; boundary=QUJD\r\n\r\n--QUJD\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--QUJD\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKQUJD\r\nQUJDQUJD\r\n--QUJD--\r\n`],
  ['two Content-Type headers', `${head('m7 two content types')}Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n`],
  ['mixed CRLF and LF', `${head('m7 mixed line endings', '\n')}Content-Type: multipart/mixed; boundary=x\r\n\n--x\nContent-Type: text/plain\r\n\r\nhi\n--x--\r\n`],
  ['8-bit bytes in headers', `${head('m7 eight-bit \xe9\xff headers')}X-Raw: \xff\xfe\xc3\r\nContent-Type: text/plain\r\n\r\nhi\r\n`],
  ['invalid base64 in an attachment', `${head('m7 invalid base64')}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64###=\r\n--b--\r\n`],
  ['invalid quoted-printable in an attachment', `${head('m7 invalid qp')}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=b.txt\r\nContent-Disposition: attachment; filename=b.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=4\r\n--b--\r\n`],
];

async function session<T>(d: Dovecot, user: DovecotUser, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

describe.skipIf(!dovecotAvailable())('broken MIME through IMAP (M7)', () => {
  it('parses or quarantines every broken message, storing exactly the bytes the server hands out', { timeout: 90_000 }, async () => {
    dovecot = await startDovecot(1);
    const user = dovecot.users[0]!;
    const uids = await session(dovecot, user, async (client) => {
      const out: number[] = [];
      for (const [, raw] of CASES) {
        const result = await client.append('INBOX', Buffer.from(raw, 'latin1'));
        if (!result || result.uid === undefined) throw new Error('APPEND returned no UID');
        out.push(result.uid);
      }
      return out;
    });
    const serverCopies = await session(dovecot, user, async (client) => {
      await client.mailboxOpen('INBOX');
      const copies = new Map<number, Buffer>();
      for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) copies.set(m.uid, m.source!);
      return copies;
    });

    app = await startTestApp({ MAILBOXES: JSON.stringify([{ name: 'm7', url: dovecot.imapUrl(user), address: 'support@example.com' }]), SUPPORT_ADDRESS: 'support@example.com' });
    const databaseUrl = app.databaseUrl;
    await until(async () => (await count(databaseUrl, `select 1 from inbound_receipt where mailbox = 'm7'`)) >= CASES.length, `${CASES.length} receipts`);

    const stored = await queryDatabase<{ uid: string; outcome: string; code: string | null; sha256: string; size: number }>(
      databaseUrl,
      `select r.uid::text, r.outcome, q.reason_code as code, encode(sha256(s.content), 'hex') as sha256, s.size
         from inbound_receipt r left join message m on m.id = r.message_id left join quarantined_message q on q.id = r.quarantined_id
         join raw_source s on s.id = coalesce(m.raw_source_id, q.raw_source_id)
        where r.mailbox = 'm7' order by r.uid`,
    );
    expect(stored).toHaveLength(CASES.length);
    const summary: string[] = [];
    CASES.forEach(([what, raw], i) => {
      const row = stored.find((s) => Number(s.uid) === uids[i])!;
      const copy = serverCopies.get(uids[i]!)!;
      expect(row, what).toBeDefined();
      expect(['ticket', 'quarantined'], what).toContain(row.outcome);
      expect(row.code, what).not.toBe('PIPELINE_ERROR');
      expect({ sha256: row.sha256, size: row.size }, what).toEqual({ sha256: createHash('sha256').update(copy).digest('hex'), size: copy.length });
      summary.push(`${what}: ${row.outcome}${row.code ? ` ${row.code}` : ''}${copy.equals(Buffer.from(raw, 'latin1')) ? '' : ' (server rewrote the bytes)'}`);
    });
    expect(jsonLines(app.logLines()).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    console.info(`[M7] ${CASES.length} broken messages via Dovecot, raw sha256 = server copy for all:\n  ${summary.join('\n  ')}`);
  });
});
