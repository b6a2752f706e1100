/**
 * A private Dovecot IMAP server for integration tests: one per call, each in its own temp dir with
 * its own port, users and logs, so test files running in parallel never see each other's mail.
 *
 * Uses Debian's `dovecot` binary (package dovecot-imapd; CI installs it) with the config from
 * STACK.md ("Dovecot for tests"). It never reads /etc/dovecot. Where the binary is missing (or we are
 * not root, see below) DOVECOT_SKIP_REASON says why, so test files can skip loudly:
 *
 *     if (DOVECOT_SKIP_REASON) console.warn(DOVECOT_SKIP_REASON);
 *     describe.skipIf(!dovecotAvailable())('…', () => { … });
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, appendFileSync, chmodSync, chownSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';

export interface DovecotUser {
  readonly name: string;
  readonly password: string;
}

export interface Dovecot {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Every user of this instance, including those added later with addUser(). */
  readonly users: readonly DovecotUser[];
  /** The instance's temp dir (config, users file, homes, runtime files). */
  readonly dir: string;
  /** Dovecot's own log: the first place to look when a login or APPEND fails. */
  readonly logFile: string;
  /** `imap://user:pass@127.0.0.1:port` (user and password percent-encoded). */
  imapUrl(user: DovecotUser | string): string;
  /**
   * Adds a user while the server runs (random password unless given). Resolves once Dovecot will see
   * it: Dovecot re-reads a changed passwd-file at most once per second, so this waits up to a second.
   */
  addUser(name: string, password?: string): Promise<DovecotUser>;
  /**
   * APPENDs a raw message over IMAP and resolves with its UID (Dovecot supports UIDPLUS); `received`
   * sets the server's arrival time (INTERNALDATE), as of mail that has been there for a while.
   */
  append(user: DovecotUser | string, raw: Buffer | string, folder?: string, flags?: string[], received?: Date): Promise<number>;
  /**
   * Stops and starts the same instance (same port, same mail), e.g. to test reconnects: open
   * sessions end (their imap processes are stopped), as when a service manager restarts Dovecot.
   */
  restart(): Promise<void>;
  /** Stops the server, waits until its master process is gone, and removes the temp dir. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function findBinary(): string | null {
  // /usr/sbin is often missing from a non-login PATH, hence the fixed fallback.
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'dovecot')), '/usr/sbin/dovecot'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return null;
}

const BINARY = findBinary();

/**
 * Why Dovecot tests cannot run here, or null when they can. Root is required because Dovecot runs
 * mail processes as `nobody` and login processes as `dovenull`, which only root may switch to.
 */
export const DOVECOT_SKIP_REASON: string | null = !BINARY
  ? 'SKIPPED: dovecot binary not found on PATH or at /usr/sbin/dovecot; install dovecot-imapd (CI does)'
  : process.getuid?.() !== 0
    ? `SKIPPED: the Dovecot harness must run as root (Dovecot switches to the users nobody and dovenull); running as uid ${process.getuid?.()}`
    : null;

/** True when `dovecot` is installed and startDovecot() can work (see DOVECOT_SKIP_REASON). */
export function dovecotAvailable(): boolean {
  return DOVECOT_SKIP_REASON === null;
}

/** Master pids of running instances, so a crashed or aborted test run does not leave daemons behind. */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
}

/** A port that was free a moment ago. Another process may take it before Dovecot binds; start() retries then. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * True while the process exists and is not a zombie. Dovecot daemonises, so its master is reparented
 * to PID 1; if PID 1 does not reap, kill(pid, 0) keeps succeeding on the zombie after it exited.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Pids of a process's direct children (Dovecot's master starts every service process itself). */
function childrenOf(parent: number): number[] {
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc
  }
  return entries.flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // The fields after the ")" closing the command name: state, then the parent pid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent ? [Number(entry)] : [];
    } catch {
      return []; // exited meanwhile
    }
  });
}

function config(dir: string, port: number, extra: string): string {
  return `# written by test/harness/dovecot.ts (see STACK.md, "Dovecot for tests")
instance_name = postdesk-test-${port}
protocols = imap
listen = ${HOST}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = ${HOST}
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
${extra}`;
}

/**
 * Starts a private Dovecot IMAP server on 127.0.0.1 and a free port.
 *
 * @param users the users to create, or how many random users (`user1`, `user2`, … with random
 *   passwords) to create; default one random user.
 * @param options.extraConfig lines appended to the generated dovecot.conf, e.g. an `imap_capability`
 *   list that hides an extension (TESTPLAN D8 hides MOVE this way).
 */
export async function startDovecot(users: readonly DovecotUser[] | number = 1, options: { extraConfig?: string } = {}): Promise<Dovecot> {
  if (DOVECOT_SKIP_REASON) throw new Error(DOVECOT_SKIP_REASON);
  const binary = BINARY as string;
  const uid = idOf('-u', 'nobody');
  const gid = idOf('-g', 'nobody');
  const initial = typeof users === 'number' ? Array.from({ length: users }, (_, i) => ({ name: `user${i + 1}`, password: randomBytes(9).toString('base64url') })) : users;

  const dir = mkdtempSync(join(tmpdir(), 'postdesk-dovecot-'));
  // mkdtemp makes 0700; the mail user (nobody) and Dovecot's own users must traverse it.
  chmodSync(dir, 0o755);
  const confFile = join(dir, 'dovecot.conf');
  const usersFile = join(dir, 'users');
  const logFile = join(dir, 'dovecot.log');
  const startupFile = join(dir, 'startup.log');
  const pidFile = join(dir, 'run', 'master.pid');
  mkdirSync(join(dir, 'home'), { mode: 0o755 });
  writeFileSync(usersFile, '', { mode: 0o644 }); // the auth process runs as "dovecot" and must read it

  let port = 0;
  let pid: number | null = null;
  // logger: false, or imapflow logs every protocol line; no auto-IDLE for these one-shot sessions.
  const imapClient = (u: DovecotUser): ImapFlow => new ImapFlow({ host: HOST, port, secure: false, auth: { user: u.name, pass: u.password }, logger: false, disableAutoIdle: true });

  const all: DovecotUser[] = [];
  const writeUser = (name: string, password: string): DovecotUser => {
    // The passwd-file format is colon-separated and the name becomes a directory name.
    if (!/^[A-Za-z0-9._@+-]+$/.test(name) || name.startsWith('.')) throw new Error(`unusable IMAP user name: ${JSON.stringify(name)}`);
    if (/[:\r\n]/.test(password)) throw new Error('an IMAP test password may not contain ":" or line breaks');
    if (all.some((u) => u.name === name)) throw new Error(`IMAP user ${name} exists already`);
    const home = join(dir, 'home', name);
    mkdirSync(home);
    chownSync(home, uid, gid);
    // Appending changes the file's size and mtime, which is what makes Dovecot re-read it.
    appendFileSync(usersFile, `${name}:{PLAIN}${password}:${uid}:${gid}::${home}::\n`);
    const user = { name, password };
    all.push(user);
    return user;
  };
  for (const u of initial) writeUser(u.name, u.password);

  const addUser = async (name: string, password = randomBytes(9).toString('base64url')): Promise<DovecotUser> => {
    const user = writeUser(name, password);
    // Trap: Dovecot's passwd-file checks the file for changes at most once per second of its clock
    // (passwd_file_sync() skips the stat while its last one was in the same second), so a login in the
    // same second as an earlier lookup fails with AUTHENTICATIONFAILED. A lookup in a later second
    // re-reads the file; a real login then proves it did.
    for (let attempt = 1; ; attempt++) {
      await sleep((Math.floor(Date.now() / 1000) + 1) * 1000 - Date.now() + 20);
      const client = imapClient(user);
      try {
        await client.connect();
        await client.logout();
        return user;
      } catch (error) {
        client.close();
        if (attempt >= 5 || !(error as { authenticationFailed?: boolean }).authenticationFailed) {
          throw new Error(`Dovecot does not accept the new user ${name}: ${(error as Error).message}\n${tail(logFile, 5)}`, { cause: error });
        }
      }
    }
  };

  const readPid = (): number | null => {
    try {
      const value = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(value) && value > 0 ? value : null;
    } catch {
      return null;
    }
  };

  const launch = async (): Promise<void> => {
    // stdout/stderr go to a file, never a pipe: the daemon inherits them and keeps them open, so with
    // pipes execFileSync would wait forever (STACK.md trap). The file keeps config errors readable.
    rmSync(pidFile, { force: true }); // a stale one would be read as the new master's below
    const out = openSync(startupFile, 'a');
    try {
      execFileSync(binary, ['-c', confFile], { stdio: ['ignore', out, out] });
    } catch (error) {
      throw new Error(`dovecot did not start (${(error as Error).message.split('\n')[0]}):\n${tail(startupFile)}\n${tail(logFile)}`);
    } finally {
      closeSync(out);
    }
    // Trap: the command returns as soon as it has forked, and the daemon writes master.pid a moment
    // later, so reading it at once fails now and then (and would leave an untracked daemon behind).
    const deadline = Date.now() + 10_000;
    while ((pid = readPid()) === null) {
      if (Date.now() > deadline) throw new Error(`dovecot wrote no ${pidFile}:\n${tail(logFile)}`);
      await sleep(10);
    }
    running.add(pid);
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) throw new Error(`dovecot does not accept connections on ${HOST}:${port}:\n${tail(logFile)}`);
      await sleep(20);
    }
  };

  /** Ends a process and waits until it is gone (SIGKILL after `seconds`). */
  const end = async (target: number, seconds: number): Promise<void> => {
    try {
      process.kill(target, 'SIGTERM');
    } catch {
      return; // exited on its own
    }
    const deadline = Date.now() + seconds * 1000;
    while (isAlive(target)) {
      if (Date.now() > deadline) {
        console.warn(`[harness] dovecot process ${target} ignored SIGTERM for ${seconds} s; killing it`);
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone after all
        }
        break;
      }
      await sleep(25);
    }
  };

  const halt = async (): Promise<void> => {
    // After a failed launch pid may be unset although the daemon runs: the pid file knows better.
    const master = pid ?? readPid();
    if (master === null) return;
    pid = null;
    // Trap: here (daemonised, reparented to PID 1) the imap processes of open sessions outlive the
    // master's SIGTERM despite shutdown_clients = yes, so a "restart" left every client connected
    // to the old process and no reconnect was ever tested. Like a service manager stopping the
    // unit (systemd's default KillMode=control-group), the master's children get SIGTERM with it.
    const children = childrenOf(master);
    // Dovecot takes 1-3 s to stop; waiting matters because restart() reuses the port and stop()
    // removes the dir the daemon still writes to.
    await Promise.all([end(master, 15), ...children.map((child) => end(child, 5))]);
    running.delete(master);
  };

  // A free port can be taken between freePort() and Dovecot's bind: try again with another one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    writeFileSync(confFile, config(dir, port, options.extraConfig ? `${options.extraConfig.trimEnd()}\n` : ''));
    try {
      await launch();
      break;
    } catch (error) {
      await halt();
      if (attempt >= 3 || !/address already in use/i.test((error as Error).message)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const find = (user: DovecotUser | string): DovecotUser => {
    const name = typeof user === 'string' ? user : user.name;
    const found = all.find((u) => u.name === name);
    if (!found) throw new Error(`no IMAP user ${name} on this Dovecot`);
    return found;
  };

  return {
    host: HOST,
    get port() {
      return port;
    },
    users: all,
    dir,
    logFile,
    addUser,
    imapUrl(user) {
      const u = find(user);
      return `imap://${encodeURIComponent(u.name)}:${encodeURIComponent(u.password)}@${HOST}:${port}`;
    },
    async append(user, raw, folder = 'INBOX', flags, received) {
      const u = find(user);
      const client = imapClient(u);
      let step = 'connect';
      try {
        await client.connect();
        // APPEND to a missing folder fails with TRYCREATE; creating an existing one is a no-op.
        step = 'CREATE';
        if (folder.toUpperCase() !== 'INBOX') await client.mailboxCreate(folder);
        step = 'APPEND';
        const result = await client.append(folder, raw, flags, received);
        if (!result || result.uid === undefined) throw new Error('no UID in the reply');
        return result.uid;
      } catch (error) {
        // imapflow's own message is just "Command failed"; the server's text is in responseText.
        const e = error as Error & { responseText?: string };
        throw new Error(`${step} as ${u.name} to ${folder} failed: ${e.message}${e.responseText ? ` (${e.responseText})` : ''}\n${tail(logFile, 5)}`, { cause: error });
      } finally {
        if (client.usable) await client.logout();
      }
    },
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

