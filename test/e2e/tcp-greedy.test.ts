/**
 * TCP clients that abuse a real `mailns serve` process: a thousand that
 * pipeline queries for large answers and never read them cost a bounded
 * amount of memory (before the bounds, 990 such clients took the process
 * from 71 MB to 1.5 GB; each now holds at most one socket read of its
 * queries, 64 KiB), and SIGTERM with a client trickling its message
 * still exits within the grace.
 */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';
import { dig } from '../helpers/dig.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const TXT = 16;
const CLIENTS = 1000;
/** What each greedy client sends: 150 KB of pipelined queries, 143 MB in all as in the measurement. */
const PER_CLIENT = 150_000;
/** The bound this test holds the server to: RSS may grow by at most this while the clients hold on. */
const RSS_GROWTH_MIB = 150;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('abusive TCP clients against a serve process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailns-greedy-'));
    // A TXT of about 4 KB: a few answers fill what the kernel buffers for a client that does not read.
    const values = Array.from({ length: 16 }, (_, i) => `'${String.fromCharCode(97 + i).repeat(250)}'`).join(', ');
    writeFileSync(join(dir, 'big.test.yaml'), `zone: big.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.10}\nrecords:\n  big: {type: TXT, values: [${values}]}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`${CLIENTS} clients pipelining without reading: RSS grows by less than ${RSS_GROWTH_MIB} MiB, and others are still answered`, async () => {
    const p: ServeProcess = spawnServe([dir, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--tcp-max-connections', String(CLIENTS + 10), '--tcp-max-per-client', String(CLIENTS + 10)]);
    try {
      await p.waitFor((l) => l.msg === 'started');
      const port = p.port();
      const pid = p.child.pid!;
      const before = rssMiB(pid);
      const one = frame(encodeQuery(1, parseName('big.big.test.'), TXT, 1));
      const burst = Buffer.concat(Array.from({ length: Math.ceil(PER_CLIENT / one.length) }, () => one));
      const clients: Socket[] = [];
      let peak = before;
      const poll = setInterval(() => { peak = Math.max(peak, rssMiB(pid)); }, 50);
      for (let i = 0; i < CLIENTS; i++) {
        const c = await open(port);
        c.on('error', () => undefined);
        // Never read: the answers pile up in the kernel, then in the server unless it stops answering.
        c.pause();
        c.write(burst);
        clients.push(c);
      }
      await new Promise((r) => setTimeout(r, 3000));
      clearInterval(poll);
      peak = Math.max(peak, rssMiB(pid));
      console.log(`${CLIENTS} greedy clients, ${(CLIENTS * burst.length / 1e6).toFixed(0)} MB sent: RSS ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB`);
      expect(peak - before).toBeLessThan(RSS_GROWTH_MIB);
      const d = await dig(port, ['+tcp', 'www.big.test', 'A']);
      expect(d.status).toBe('NOERROR');
      for (const c of clients) c.destroy();
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }, 120_000);

  it('SIGTERM with a client trickling its message exits 0 within the grace', async () => {
    const p = spawnServe([dir, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state2'), '--tcp-io-timeout', '600']);
    await p.waitFor((l) => l.msg === 'started');
    // Half-open allowed: our FIN does not make the client go, as a trickler that wants to stay would not.
    const t = await new Promise<Socket>((resolve, reject) => { const s = connect({ port: p.port(), host: '127.0.0.1', allowHalfOpen: true }, () => resolve(s)); s.once('error', reject); });
    t.on('error', () => undefined);
    t.write(Buffer.from([0]));
    const drip = setInterval(() => { if (!t.destroyed) t.write(Buffer.from([0])); }, 500);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      // The grace is 5 s (serve's STOP_GRACE_MS): the trickler is waited for that long, and no longer.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
      expect(Date.now() - t0).toBeLessThan(8000);
    } finally {
      clearInterval(drip);
      t.destroy();
    }
  }, 30_000);
});
