/**
 * `npm run bench:memory`: what reverse zones with generic names cost in
 * memory. Two processes (with --expose-gc) each load zones and answer the
 * same 20,000 queries for random generic names through the responder: one
 * with the example zones only (the names are REFUSED there), one with the
 * example zones plus a /16 IPv4 and a /48 IPv6 reverse zone with generic
 * names (forward side too). Heap and RSS after a full GC, and the difference.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZones } from '../src/server/load.js';
import { Responder } from '../src/query/respond.js';
import { decodeQuery } from '../src/wire/decode.js';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 20000);

const REVERSE = `zone: pool.test.
nameservers: [ns.example.]
reverse:
  - network: 10.20.0.0/16
    generic: {name: 'h-{dashed}.pool.test.', forward: true}
  - network: 2001:db8:77::/48
    generic: {name: 'h6-{dashed}.pool.test.', forward: true}
`;

const gc = (globalThis as { gc?: () => void }).gc;

function measure(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}

/** A query in wire form for `name` PTR (hand-built: the bench measures the server's code, not a client's). */
function query(name: string, id: number): Buffer {
  const labels = name.split('.').filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, 0, 12, 0, 1]));
  return Buffer.concat(parts);
}

function main(): void {
  if (process.argv[2] !== 'child') {
    const run = (mode: string) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', process.argv[1]!, 'child', mode], { encoding: 'utf8' })) as { load: { heap: number; rss: number }; after: { heap: number; rss: number }; answered: number };
    const a = run('base'), b = run('reverse');
    const f = (x: number) => x.toFixed(1).padStart(6);
    console.log('                                          heap MiB   RSS MiB');
    console.log(`example zones, loaded                      ${f(a.load.heap)}    ${f(a.load.rss)}`);
    console.log(`  after ${QUERIES} queries (REFUSED)         ${f(a.after.heap)}    ${f(a.after.rss)}`);
    console.log(`+ /16 and /48 with generic names, loaded   ${f(b.load.heap)}    ${f(b.load.rss)}`);
    console.log(`  after ${QUERIES} queries (${b.answered} PTRs)       ${f(b.after.heap)}    ${f(b.after.rss)}`);
    console.log(`added by the reverse zones after the same queries: heap ${(b.after.heap - a.after.heap).toFixed(2)} MiB, RSS ${(b.after.rss - a.after.rss).toFixed(1)} MiB`);
    return;
  }
  if (!gc) { console.error('run with node --expose-gc'); process.exit(2); }
  const mode = process.argv[3];
  const dir = mkdtempSync(join(tmpdir(), 'mailns-mem-'));
  writeFileSync(join(dir, 'pool.test.yaml'), REVERSE);
  try {
    const loaded = loadZones(mode === 'reverse' ? ['zones', dir] : ['zones']);
    if (loaded.problems.some((p) => p.severity === 'error')) throw new Error('zones did not load');
    const load = measure();
    const responder = new Responder({ chaos: { version: false, identity: false } });
    let seed = 99, answered = 0;
    const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let i = 0; i < QUERIES; i++) {
      const n = rand();
      const name = i % 2 === 0
        ? `${n & 255}.${(n >> 8) & 255}.20.10.in-addr.arpa`
        : [...Array(20).keys()].map((k) => ((n >> (k % 28)) & 15).toString(16)).join('.') + '.7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
      const reply = responder.respond(decodeQuery(query(name, i & 0xffff)), loaded.catalog, 'udp');
      if (reply && reply.bytes.readUInt16BE(6) === 1) answered++;
    }
    process.stdout.write(JSON.stringify({ load, after: measure(), answered }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
