/** The fault proxy: passes, cuts, black-holes, resets, refuses, retargets and cuts on a byte pattern. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';

/** An echo server that answers each chunk with "echo:<chunk>". */
async function echoServer(prefix = 'echo:'): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on('data', (d) => socket.write(`${prefix}${d.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

interface Client {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

function client(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (d) => (data += d.toString()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(prefix?: string): Promise<{ proxy: FaultProxy; port: number }> {
  const echo = await echoServer(prefix);
  const proxy = await startFaultProxy(echo.port);
  cleanup.push(() => proxy.close(), () => new Promise((r) => echo.server.close(r)));
  return { proxy, port: echo.port };
}

describe('fault proxy', () => {
  it('passes traffic both ways, then cuts every connection and each new one', async () => {
    const { proxy } = await setup();
    const c = await client(proxy.port);
    c.socket.write('hello');
    await until(() => c.received() === 'echo:hello');
    await proxy.setMode('cut');
    await c.closed;
    const late = await client(proxy.port);
    await late.closed;
    expect(late.received()).toBe('');
    expect(proxy.accepted).toBe(2);
  });

  it('black-holes: sockets stay open, nothing is forwarded, even after the mode returns to pass', async () => {
    const { proxy } = await setup();
    const c = await client(proxy.port);
    await proxy.setMode('blackhole');
    c.socket.write('lost');
    const fresh = await client(proxy.port);
    fresh.socket.write('also lost');
    await new Promise((r) => setTimeout(r, 200));
    expect([c.received(), fresh.received()]).toEqual(['', '']);
    expect(c.socket.destroyed || fresh.socket.destroyed).toBe(false);
    expect(proxy.open).toBe(2);
    await proxy.setMode('pass');
    c.socket.write('still lost');
    const after = await client(proxy.port);
    after.socket.write('ok');
    await until(() => after.received() === 'echo:ok');
    expect(c.received()).toBe('');
    c.socket.destroy();
    fresh.socket.destroy();
    after.socket.destroy();
  });

  it('resets open connections and each new one: the client reads ECONNRESET', async () => {
    const { proxy } = await setup();
    const c = await client(proxy.port);
    const failure = new Promise<string | undefined>((r) => c.socket.once('error', (e: NodeJS.ErrnoException) => r(e.code)));
    c.socket.write('hello');
    await until(() => c.received() === 'echo:hello');
    await proxy.setMode('reset');
    expect(await failure).toBe('ECONNRESET');
    const late = connect(proxy.port, '127.0.0.1');
    expect(await new Promise((r) => late.once('error', (e: NodeJS.ErrnoException) => r(e.code)))).toBe('ECONNRESET');
    expect(proxy.open).toBe(0);
  });

  it('refuses connections until passing again, on the same port, to a new target', async () => {
    const { proxy } = await setup();
    await proxy.setMode('refuse');
    const error = await client(proxy.port).then(() => null, (e: NodeJS.ErrnoException) => e.code);
    expect(error).toBe('ECONNREFUSED');
    const other = await echoServer('other:');
    cleanup.push(() => new Promise((r) => other.server.close(r)));
    proxy.retarget(other.port);
    await proxy.setMode('pass');
    const c = await client(proxy.port);
    c.socket.write('x');
    await until(() => c.received() === 'other:x');
    c.socket.destroy();
  });

  it('cuts a connection when the server sends the pattern, also split across chunks', async () => {
    const { proxy } = await setup(''); // a plain echo, so the server's stream is what the client wrote
    proxy.cutOn('POISON');
    const c = await client(proxy.port);
    c.socket.write('harmless');
    await until(() => c.received() === 'harmless');
    c.socket.write('POI');
    await new Promise((r) => setTimeout(r, 50));
    c.socket.write('SON');
    await c.closed;
    expect(c.received()).toBe('harmlessPOI');
    expect(proxy.patternCuts).toBe(1);
  });
});
