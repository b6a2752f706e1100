/**
 * A TCP fault proxy for tests (TESTPLAN "fault proxy"): sits between postdesk and a server
 * (Dovecot, PostgreSQL) and, on the test's command, passes traffic, cuts every connection,
 * black-holes the link (accepts and keeps sockets open but forwards nothing: a half-open
 * connection as a dead NAT or a pulled cable leaves it), resets connections (a TCP RST: the
 * client reads ECONNRESET, as when a server process is killed) or refuses connections outright.
 *
 * It can also cut a connection the moment the server sends a chosen byte pattern (e.g. a marker
 * in one message's body), which injects a FETCH error for exactly that message.
 *
 * The proxy's own port never changes, so a server restarted elsewhere can be put behind it again
 * with retarget() while the client keeps its configured address.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type FaultMode = 'pass' | 'cut' | 'blackhole' | 'reset' | 'refuse';

export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly mode: FaultMode;
  /**
   * pass: forward both ways. cut: destroy every open connection, and every new one on accept.
   * blackhole: forward nothing (open connections included, for good) and keep sockets open.
   * reset: reset every open connection, and every new one on accept (the client reads ECONNRESET).
   * refuse: destroy open connections and stop listening (clients get ECONNREFUSED).
   */
  setMode(mode: FaultMode): Promise<void>;
  /** Forward new connections to another port of 127.0.0.1 (e.g. a restarted server). */
  retarget(port: number): void;
  /** Cut a connection whenever the server's bytes contain `pattern`; null: stop doing so. */
  cutOn(pattern: string | null): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections cut because the server sent the cutOn pattern. */
  readonly patternCuts: number;
  /** Connections currently open. */
  readonly open: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

interface Link {
  client: Socket;
  upstream: Socket;
  /** Once black-holed, a link never forwards again: bytes were dropped, the stream is corrupt. */
  dead: boolean;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let target = targetPort;
  let mode: FaultMode = 'pass';
  let pattern: Buffer | null = null;
  let accepted = 0;
  let patternCuts = 0;
  const links = new Set<Link>();

  const destroy = (link: Link) => {
    link.client.destroy();
    link.upstream.destroy();
    links.delete(link);
  };

  const reset = (link: Link) => {
    link.client.resetAndDestroy();
    destroy(link);
  };

  const onConnection = (client: Socket) => {
    accepted++;
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target, HOST);
    const link: Link = { client, upstream, dead: mode === 'blackhole' };
    links.add(link);
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (!link.dead) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.dead) return;
      if (pattern) {
        // Match across chunk boundaries: keep the last pattern.length - 1 bytes seen.
        const window = Buffer.concat([tail, chunk]);
        const at = window.indexOf(pattern);
        if (at >= 0) {
          // The bytes before the pattern get through (earlier messages of the same FETCH arrive
          // intact), then the connection is cut in the middle of the one carrying it.
          patternCuts++;
          link.dead = true;
          upstream.destroy();
          client.end(chunk.subarray(0, Math.max(0, at - tail.length)), () => destroy(link));
          return;
        }
        tail = window.subarray(Math.max(0, window.length - pattern.length + 1));
      }
      client.write(chunk);
    });
    // A black-holed link keeps its client socket open whatever the server does.
    const end = () => {
      if (!link.dead) destroy(link);
    };
    client.on('close', () => destroy(link));
    upstream.on('close', end);
    client.on('error', () => destroy(link));
    upstream.on('error', end);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    host: HOST,
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get patternCuts() {
      return patternCuts;
    },
    get open() {
      return links.size;
    },
    async setMode(next) {
      const previous = mode;
      mode = next;
      if (next === 'cut' || next === 'refuse') for (const link of [...links]) destroy(link);
      if (next === 'reset') for (const link of [...links]) reset(link);
      if (next === 'blackhole') for (const link of links) link.dead = true;
      if (next === 'refuse' && previous !== 'refuse') await stopListening();
      if (previous === 'refuse' && next !== 'refuse') {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    retarget(next) {
      target = next;
    },
    cutOn(text) {
      pattern = text === null ? null : Buffer.from(text);
    },
    async close() {
      for (const link of [...links]) destroy(link);
      if (mode !== 'refuse') await stopListening();
    },
  };
}
