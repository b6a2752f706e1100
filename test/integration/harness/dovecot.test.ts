/**
 * The Dovecot harness itself: what it APPENDs comes back byte for byte over IMAP, UIDs ascend, and an
 * idling client hears about new mail. Later IMAP ingest tests rely on all three.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow, type ExistsEvent } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../harness/dovecot.js';

// A skip must say why, or a machine without Dovecot looks green while testing nothing.
if (DOVECOT_SKIP_REASON) console.warn(`[dovecot.test.ts] ${DOVECOT_SKIP_REASON}`);

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

// CRLF throughout: Dovecot stores LF and gives back CRLF, so only CRLF input can come back identical.
const plain = ['From: Alice <alice@example.test>', 'To: help@postdesk.test', 'Subject: Printer on fire', 'Message-ID: <harness-1@example.test>', 'Date: Mon, 02 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', 'Grüße, the printer in room 2 is on fire. 🔥', ''].join('\r\n');
const multipart = Buffer.from(
  [
    'From: Bob <bob@example.test>',
    'To: help@postdesk.test',
    'Subject: =?UTF-8?Q?Re:_Dr=C3=BCcker?=',
    'Message-ID: <harness-2@example.test>',
    'In-Reply-To: <harness-1@example.test>',
    'Date: Mon, 02 Nov 2026 10:05:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Log attached.',
    '--b1',
    'Content-Type: application/octet-stream; name="log.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64'),
    '--b1--',
    '',
  ].join('\r\n'),
);

function clientFor(dovecot: Dovecot, user: DovecotUser, autoIdleDelay?: number): ImapFlow {
  // logger: false, or imapflow logs every protocol line (STACK.md).
  return new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, ...(autoIdleDelay === undefined ? { disableAutoIdle: true } : { autoIdleDelay }) });
}

describe.skipIf(!dovecotAvailable())('Dovecot harness', () => {
  let dovecot: Dovecot;
  const open: ImapFlow[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot(2);
  });

  afterAll(async () => {
    for (const c of open) if (c.usable) await c.logout();
    await dovecot?.stop();
  });

  it('APPENDs messages that FETCH returns byte-identical, with ascending UIDs', async () => {
    const [alice] = dovecot.users;
    if (!alice) throw new Error('no user');
    const uid1 = await dovecot.append(alice, plain);
    const uid2 = await dovecot.append(alice, multipart, 'INBOX', ['\\Seen']);
    expect(uid2).toBeGreaterThan(uid1);

    const client = clientFor(dovecot, alice);
    open.push(client);
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const fetched = await client.fetchAll(`${uid1},${uid2}`, { uid: true, source: true, flags: true }, { uid: true });
      expect(fetched.map((m) => m.uid)).toEqual([uid1, uid2]);
      expect(fetched.map((m) => sha256(m.source ?? ''))).toEqual([sha256(plain), sha256(multipart)]);
      expect(fetched[1]?.flags?.has('\\Seen')).toBe(true);
    } finally {
      lock.release();
    }
    await client.logout();
  });

  it('notifies an idling client with EXISTS when another APPEND arrives', async () => {
    const [, bob] = dovecot.users;
    if (!bob) throw new Error('no user');
    // autoIdleDelay defaults to 15 s (STACK.md trap); 50 ms makes the client idle almost at once.
    const client = clientFor(dovecot, bob, 50);
    open.push(client);
    await client.connect();
    await client.mailboxOpen('INBOX');
    // Wait until the client really is in IDLE, so the notice is IDLE's doing and not a later command's.
    while (!client.idling) await sleep(10);

    // events.once rejects if the client emits 'error'; the abort only turns a hang into a clear failure.
    const notified = once(client, 'exists', { signal: AbortSignal.timeout(30_000) });
    const uid = await dovecot.append(bob, plain);
    const [event] = (await notified) as [ExistsEvent];
    expect(event).toEqual({ path: 'INBOX', count: 1, prevCount: 0 });
    expect(uid).toBeGreaterThan(0);
    await client.logout();
  });

  it('serves users added later and keeps their mail across a restart', async () => {
    const carol = await dovecot.addUser('carol', 'p@ss word');
    expect(dovecot.imapUrl(carol)).toBe(`imap://carol:p%40ss%20word@127.0.0.1:${dovecot.port}`);
    const uid = await dovecot.append('carol', plain, 'Archive');

    await dovecot.restart();

    const client = clientFor(dovecot, carol);
    open.push(client);
    await client.connect();
    const status = await client.status('Archive', { messages: true, uidNext: true });
    // status() resolves false instead of throwing on failure (STACK.md), which toMatchObject rejects too.
    expect(status).toMatchObject({ messages: 1, uidNext: uid + 1 });
    await client.logout();
  });
});
