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
import { startWithYaml, type Running } from '../helpers/server.js';
import type { TcpLimits } from '../../src/server/tcp.js';

const ZONE = 'zone: example.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.10}\n';

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

