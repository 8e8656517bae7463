/**
 * What a TCP client can make the listener hold (src/server/tcp.ts): a client
 * that trickles its message is cut off at the I/O timeout, not kept alive by
 * each octet; a table full of such clients, or of idle ones, still lets a
 * genuine client in (dig, a client we did not write), at the expense of the
 * slowest or the one idle longest; one client holds at most its own share.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { startWithYaml, type Running, ONE_HOST_ZONE } from '../helpers/server.js';
import type { TcpLimits } from '../../src/server/tcp.js';
import { encodeQuery } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';

// A TXT RRset of about 4 KB: a client that asks for it and never reads fills its socket in a few answers.
const BIG = Array.from({ length: 16 }, (_, i) => `'${String.fromCharCode(97 + i).repeat(250)}'`).join(', ');
const ZONE = `${ONE_HOST_ZONE}records:\n  big: {type: TXT, values: [${BIG}]}\n`;

/** Connects and pipelines `n` queries for the big TXT, reading nothing. */
async function greedy(port: number, n: number): Promise<Socket> {
  const c = await open(port);
  c.on('error', () => undefined);
  c.pause();
  const q = encodeQuery(7, parseName('big.example.test.'), 16, 1);
  const one = Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
  c.write(Buffer.concat(Array.from({ length: n }, () => one)));
  return c;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the milliseconds from now until the server closes `s`. */
const closedAfter = (s: Socket): Promise<number> => {
  const t0 = Date.now();
  return new Promise((ok) => { s.on('error', () => undefined); s.once('close', () => ok(Date.now() - t0)); });
};

/** Sends one octet of a message every `everyMs` (the first two are the length of a 40-octet message), forever. */
function trickle(s: Socket, everyMs: number): () => void {
  const octets = [0, 40, ...Array.from({ length: 40 }, () => 0)];
  let i = 0;
  const t = setInterval(() => { if (!s.destroyed && i < octets.length) s.write(Buffer.from([octets[i++]!])); }, everyMs);
  s.write(Buffer.from([octets[i++]!]));
  return () => clearInterval(t);
}

describe('TCP connections and their bounds', () => {
  const servers: Running[] = [];
  const serve = async (tcp: Partial<TcpLimits>) => {
    const s = await startWithYaml({ 'example.test.yaml': ZONE }, { tcp });
    servers.push(s);
    return s;
  };
  const stops: (() => void)[] = [];
  afterAll(async () => { for (const f of stops) f(); for (const s of servers) await s.stop(); });

  it('a client that trickles an octet at a time is cut off at the I/O timeout; a genuine client is answered meanwhile', async () => {
    const s = await serve({ ioTimeoutMs: 1000, idleTimeoutMs: 5000 });
    const t = await open(s.port);
    const closed = closedAfter(t);
    // An octet every 300 ms: under a timer reset by every octet (the idle timer alone) it would never be cut off.
    stops.push(trickle(t, 300));
    const d = await dig(s.port, ['+tcp', 'www.example.test', 'A']);
    expect([d.status, d.answer]).toEqual(['NOERROR', ['www.example.test. 3600 IN A 192.0.2.10']]);
    const ms = await closed;
    // The timer is looked at every 250 ms: cut off between 1 s and 1.25 s after its first octet (plus scheduling).
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(2500);
    expect(s.server.tcpStats().closed).toMatchObject({ io: 1, idle: 0, evicted: 0, refused: 0 });
  });

  it('a client that pipelines steadily, each read ending inside the next message, is not taken for a trickler', async () => {
    const s = await serve({ ioTimeoutMs: 1000, idleTimeoutMs: 5000 });
    const c = await open(s.port);
    let answers = 0;
    c.on('data', (d: Buffer) => { answers += d.length; });
    const q = encodeQuery(1, parseName('www.example.test.'), 1, 1);
    const one = Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
    // Every 100 ms: the rest of one query and the first 5 octets of the next, for 2.5 s (each query whole within 100 ms).
    c.write(one.subarray(0, 5));
    for (let i = 0; i < 25; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c.write(Buffer.concat([one.subarray(5), one.subarray(0, 5)]));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(c.destroyed).toBe(false);
    expect(s.server.tcpStats().closed).toMatchObject({ io: 0, idle: 0 });
    expect(answers).toBeGreaterThan(0);
    c.destroy();
  });

  it('over TCP, a query with edns-tcp-keepalive is told the idle timeout (RFC 7828 §3.3.2); over UDP, or without the option, nothing', async () => {
    const s = await serve({ idleTimeoutMs: 1500 });
    expect((await dig(s.port, ['+tcp', '+keepalive', 'www.example.test', 'A'])).raw).toContain('; TCP KEEPALIVE: 1.5 secs');
    expect((await dig(s.port, ['+keepalive', 'www.example.test', 'A'])).raw).not.toContain('KEEPALIVE');
    expect((await dig(s.port, ['+tcp', 'www.example.test', 'A'])).raw).not.toContain('KEEPALIVE');
    // A refused transfer's Extended DNS Error and the keepalive share the OPT.
    const refused = await dig(s.port, ['+tcp', '+keepalive', 'example.test', 'AXFR']);
    expect(refused.raw).toContain('Transfer failed');
    const soa = await dig(s.port, ['+tcp', '+keepalive', '+noall', '+comments', 'example.test', 'AXFR']);
    expect(soa.raw).toMatch(/status: REFUSED/);
    expect(soa.raw).toContain('; TCP KEEPALIVE: 1.5 secs');
    expect(soa.raw).toMatch(/; EDE: 18 \(Prohibited\)/);
  });

  it('a table full of tricklers still takes a genuine client: the slowest trickler gives way', async () => {
    const s = await serve({ maxConnections: 10, maxPerClient: 100, ioTimeoutMs: 20_000, idleTimeoutMs: 20_000 });
    const tricklers: Socket[] = [];
    const closes: Promise<number>[] = [];
    for (let i = 0; i < 10; i++) {
      const t = await open(s.port);
      closes.push(closedAfter(t));
      stops.push(trickle(t, 1000));
      tricklers.push(t);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(s.server.tcpStats().connections).toBe(10);
    for (let q = 0; q < 3; q++) {
      const d = await dig(s.port, ['+tcp', 'www.example.test', 'A']);
      expect(d.status).toBe('NOERROR');
      // dig's connection is gone before the next one comes (else it would be the one idle longest).
      while (s.server.tcpStats().connections > 9) await new Promise((r) => setTimeout(r, 10));
    }
    // The first genuine client took the place of the trickler whose message had been arriving longest (the
    // first); dig closes its connection after the answer, so the next ones found a free place.
    await closes[0];
    expect(s.server.tcpStats().closed).toMatchObject({ evicted: 1, refused: 0 });
    expect(tricklers.map((t) => t.destroyed)).toEqual([true, false, false, false, false, false, false, false, false, false]);
  });

  it('a full table of idle connections: a newcomer takes the place of the one idle longest', async () => {
    const s = await serve({ maxConnections: 3, maxPerClient: 100 });
    const idle: Socket[] = [];
    for (let i = 0; i < 3; i++) { const c = await open(s.port); c.on('error', () => undefined); idle.push(c); await new Promise((r) => setTimeout(r, 20)); }
    const first = closedAfter(idle[0]!);
    const d = await dig(s.port, ['+tcp', 'www.example.test', 'A']);
    expect(d.status).toBe('NOERROR');
    await first;
    expect(idle.map((c) => c.destroyed)).toEqual([true, false, false]);
    expect(s.server.tcpStats().closed).toMatchObject({ evicted: 1, refused: 0 });
  });

  it('a client that does not read its answers is cut off after the idle timeout, and answering stopped meanwhile', async () => {
    const s = await serve({ idleTimeoutMs: 1500, ioTimeoutMs: 20_000 });
    const t0 = Date.now();
    const c = await greedy(s.port, 5000);
    // The client reads nothing, so it does not see the close either: the server's count says when.
    while (!s.server.tcpStats().closed.unread) await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    c.destroy();
    const st = s.server.tcpStats();
    expect(st.closed).toMatchObject({ unread: 1, io: 0, idle: 0 });
    // While it waited, what it had sent was held within the bounds, the rest left unread.
    expect(st.heldMax.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(st.pauses).toBeGreaterThan(0);
  });

  it('when every connection is working (answers it does not read), a newcomer is refused, and nothing else is closed', async () => {
    const s = await serve({ maxConnections: 2, maxPerClient: 100, idleTimeoutMs: 20_000 });
    const a = await greedy(s.port, 5000);
    const b = await greedy(s.port, 5000);
    for (let i = 0; i < 500 && s.server.tcpStats().pauses < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // The premise: both have stopped being read, their answers waiting.
    expect(s.server.tcpStats().pauses).toBeGreaterThanOrEqual(2);
    const late = await open(s.port);
    await closedAfter(late);
    expect(s.server.tcpStats().closed).toMatchObject({ refused: 1, evicted: 0 });
    expect([a.destroyed, b.destroyed]).toEqual([false, false]);
    a.destroy();
    b.destroy();
  });

  it('one client holds at most its own share: beyond, its connection idle longest gives way', async () => {
    const s = await serve({ maxConnections: 100, maxPerClient: 2 });
    const a = await open(s.port);
    const aClosed = closedAfter(a);
    await new Promise((r) => setTimeout(r, 20));
    const b = await open(s.port);
    b.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const d = await dig(s.port, ['+tcp', 'www.example.test', 'A']);
    expect(d.status).toBe('NOERROR');
    await aClosed;
    expect([a.destroyed, b.destroyed]).toEqual([true, false]);
    expect(s.server.tcpStats().closed).toMatchObject({ evicted: 1 });
    b.destroy();
  });
});

