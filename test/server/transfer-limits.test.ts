/**
 * A transfer on a TCP connection and what comes behind it: the queries a
 * client pipelines after an AXFR are held in a bounded buffer (the socket is
 * paused beyond it) and answered in order once the transfer ends; stop()
 * lets a transfer in progress finish within its grace, and destroys the
 * connection of a client that never reads when the grace runs out.
 */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { encodeQuery, decodeResponse } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';
import { serveLoaded, type Running } from '../helpers/server.js';
import type { TcpLimits } from '../../src/server/transport.js';

const N = 100_000;
const AXFR = 252, A = 1, SOA = 6, IN = 1;

/** Owner names of one 63-octet label: the transfer (~8 MB) outgrows what the kernel buffers for a client that does not read. */
const host = (i: number): string => `h${i}-`.padEnd(63, 'x');
const frame = (msg: Buffer): Buffer => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

/** Every whole message received so far, and a promise for the next. */
class Reader {
  private buf = Buffer.alloc(0);
  readonly messages: Buffer[] = [];
  closed = false;
  constructor(readonly socket: Socket, slowMs = 0) {
    socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        this.messages.push(this.buf.subarray(2, 2 + this.buf.readUInt16BE(0)));
        this.buf = this.buf.subarray(2 + this.buf.readUInt16BE(0));
      }
      if (slowMs) { socket.pause(); setTimeout(() => socket.resume(), slowMs); }
    });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => {});
  }
  read(): void { this.socket.resume(); }
  async until(pred: () => boolean, ms = 60_000): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out with ${this.messages.length} messages`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** The transfer's messages (id 0) from the front of what was read: records, and the first and last record's types. */
function transferOf(messages: Buffer[]): { count: number; records: number; first?: number; last?: number; ended: boolean } {
  let records = 0, first: number | undefined, last: number | undefined, count = 0;
  for (const m of messages) {
    if (m.readUInt16BE(0) !== 0) break;
    const d = decodeResponse(m);
    if (d.kind !== 'response') throw new Error(d.reason);
    count++;
    records += d.response.answer.length;
    first ??= d.response.answer[0]?.type;
    last = d.response.answer.at(-1)?.type ?? last;
    if (count > 1 && last === SOA) return { count, records, first, last, ended: true };
  }
  return { count, records, first, last, ended: false };
}

describe('a transfer and the queries pipelined behind it', () => {
  let dir: string;
  let loaded: LoadResult;
  const servers: Running[] = [];
  const stopped = new Set<Running>();
  const serve = async (tcp?: Partial<TcpLimits>): Promise<Running> => {
    const s = await serveLoaded(loaded, { transfer: { allow: ['127.0.0.0/8'], keys: [] }, ...(tcp ? { tcp } : {}) });
    servers.push(s);
    return s;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailns-xfrlimits-'));
    const hosts = Array.from({ length: N }, (_, i) => `  ${host(i)}: {ipv4: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}}`).join('\n');
    writeFileSync(join(dir, 'big.test.yaml'), `zone: big.test.\nsoa: {serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts}\n`);
    loaded = loadZones([dir]);
  }, 120_000);
  afterAll(async () => { for (const s of servers) if (!stopped.has(s)) await s.server.stop(0); rmSync(dir, { recursive: true, force: true }); });

  const stats = (s: Running) => s.server.tcpStats();

  for (const [what, tcp, bound] of [
    ['64 messages (the default)', undefined, (h: { messages: number; bytes: number }) => h.messages <= 64 && h.bytes <= 64 * 1024],
    ['4 KiB', { heldMessages: 1_000_000, heldBytes: 4096 }, (h: { messages: number; bytes: number }) => h.bytes <= 4096],
  ] as const) {
    it(`holds at most ${what} behind a transfer, stops reading beyond, then answers every query in order`, async () => {
      const s = await serve(tcp);
      const Q = 5000;
      const r = new Reader(await open(s.port));
      const frames = [frame(encodeQuery(0, parseName('big.test.'), AXFR, IN))];
      for (let i = 1; i <= Q; i++) frames.push(frame(encodeQuery(i, parseName(`${host(i)}.big.test.`), A, IN)));
      const sent = Buffer.concat(frames);
      r.socket.write(sent);
      // The client reads nothing: the transfer stalls on a full socket and the queries wait behind it.
      await r.until(() => stats(s).transfers === 1 && stats(s).pauses > 0);
      let most = { messages: 0, bytes: 0 };
      for (let i = 0; i < 30; i++) {
        const h = stats(s).held;
        if (h.bytes > most.bytes) most = { ...h };
        expect(bound(h)).toBe(true);
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(stats(s).transfers).toBe(1);
      expect(bound(stats(s).heldMax)).toBe(true);
      console.log(`held behind a stalled transfer, bound ${what}: at most ${stats(s).heldMax.messages} messages, ${stats(s).heldMax.bytes} bytes of ${sent.length} pipelined`);
      r.read();
      await r.until(() => transferOf(r.messages).ended && r.messages.length >= transferOf(r.messages).count + Q);
      const t = transferOf(r.messages);
      expect([t.records, t.first, t.last]).toEqual([N + 4, SOA, SOA]);
      const answers = r.messages.slice(t.count).map((m) => decodeResponse(m));
      expect(answers.length).toBe(Q);
      answers.forEach((d, i) => {
        if (d.kind !== 'response') throw new Error(d.reason);
        expect([d.response.id, d.response.rcode, d.response.answer.length, d.response.answer[0]?.type]).toEqual([i + 1, 0, 1, A]);
      });
      expect(bound(stats(s).heldMax)).toBe(true);
      r.socket.destroy();
    }, 120_000);
  }

  it('stop() ends idle connections at once and lets a running transfer finish within the grace', async () => {
    const s = await serve();
    const idle = new Reader(await open(s.port));
    idle.read();
    const r = new Reader(await open(s.port), 1);
    r.socket.write(frame(encodeQuery(0, parseName('big.test.'), AXFR, IN)));
    await r.until(() => stats(s).transfers === 1 && stats(s).connections === 2);
    const t0 = performance.now();
    const stopping = s.server.stop(60_000);
    stopped.add(s);
    await idle.until(() => idle.closed);
    // The idle one is gone while the transfer still runs (its client has read nothing yet).
    expect(stats(s).transfers).toBe(1);
    r.read();
    await stopping;
    const ms = performance.now() - t0;
    await r.until(() => r.closed);
    const t = transferOf(r.messages);
    expect([t.ended, t.records, t.first, t.last]).toEqual([true, N + 4, SOA, SOA]);
    expect(r.messages.length).toBe(t.count);
    console.log(`stop() during a ${t.count}-message transfer to a slow reader: resolved after ${Math.round(ms)} ms, the transfer complete`);
  }, 120_000);

  it('stop() destroys a transfer whose client never reads when the grace runs out', async () => {
    const s = await serve();
    const r = new Reader(await open(s.port));
    r.socket.write(frame(encodeQuery(0, parseName('big.test.'), AXFR, IN)));
    await r.until(() => stats(s).transfers === 1);
    const t0 = performance.now();
    const stopping = s.server.stop(300);
    stopped.add(s);
    await stopping;
    const ms = performance.now() - t0;
    // A bound on a hang, not a speed threshold.
    expect(ms).toBeLessThan(300 + 10_000);
    // Our side is gone (the client, reading nothing, would only see it by reading).
    await r.until(() => stats(s).connections === 0, 5000);
    console.log(`stop(300) with a client that never reads: resolved after ${Math.round(ms)} ms`);
    r.socket.destroy();
  }, 60_000);
});
