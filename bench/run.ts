/**
 * `npm run bench`: dnsperf against mailns and NSD serving the same zone, in
 * the same run, each server pinned to core 0 and dnsperf to core 1. Prints
 * queries per second and the mailns/NSD ratio for UDP and TCP, for two
 * mixes: the names a mail domain is asked for (repeated), and 100,000
 * distinct random names (the shape of a random-subdomain flood: NXDOMAIN,
 * wildcard answers and misses), then how the random mix fares beside the
 * repeated one for each server.
 *
 * Each figure is the median of BENCH_ROUNDS runs of BENCH_SECONDS, the
 * servers and mixes taking turns, with the range of the runs beside it.
 *
 *   BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CLIENTS=4 npm run bench
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { loadZones } from '../src/server/load.js';
import { exportZone } from '../src/zone/export.js';
import { nameToText } from '../src/util/name.js';
import { findFreePort, findTool, startNsd } from '../test/helpers/nsd.js';
import { randomQueries, repeatedQueries } from './mixes.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const ZONES = process.env.BENCH_ZONES ?? 'zones';

function dnsperf(port: number, file: string, tcp: boolean, seconds = SECONDS): { qps: number; lost: number; latencyMs: number; raw: string } {
  const args = ['-c', '1', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds), '-c', String(CLIENTS), '-q', '200', ...(tcp ? ['-m', 'tcp'] : [])];
  const r = spawnSync('taskset', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const latencyMs = Number(/Average Latency \(s\):\s+([\d.]+)/.exec(out)?.[1] ?? NaN) * 1000;
  return { qps, lost, latencyMs, raw: out };
}

async function startMailns(port: number): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', process.execPath, 'dist/src/cli/main.js', 'serve', ZONES, '--listen', `127.0.0.1:${port}`, '--log-level', process.env.BENCH_LOG ?? 'warn', '--rrl-rate', '0'], { stdio: ['ignore', process.env.BENCH_LOG ? 'inherit' : 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dig', ['+short', '+tries=1', '+time=1', '@127.0.0.1', '-p', String(port), 'example.com', 'SOA'], { encoding: 'utf8' });
    // dig +short prints its timeout message on stdout too: wait for the SOA itself.
    if (/^\S+ \S+ \d+ \d+ \d+ \d+ \d+$/m.test(r.stdout)) return child;
    await new Promise((res) => setTimeout(res, 100));
  }
  child.kill('SIGKILL');
  throw new Error('mailns did not start');
}

async function main(): Promise<void> {
  for (const tool of ['dnsperf', 'taskset', 'nsd', 'dig']) {
    if (!findTool(tool)) { console.error(`bench needs ${tool} (Debian: dnsperf, util-linux, nsd, bind9-dnsutils)`); process.exit(2); }
  }
  if (cpus().length < 2) console.error('warning: fewer than 2 cores; server and dnsperf will share one');
  const dir = mkdtempSync(join(tmpdir(), 'mailns-bench-'));
  const mixes = [{ name: 'repeated', file: join(dir, 'repeated.txt') }, { name: 'random', file: join(dir, 'random.txt') }];
  writeFileSync(mixes[0]!.file, repeatedQueries());
  writeFileSync(mixes[1]!.file, randomQueries());
  const loaded = loadZones([ZONES]);
  const nsd = await startNsd(loaded.zones.map((z) => ({ name: nameToText(z.zone.origin), text: exportZone(z.zone) })), { wrap: ['taskset', '-c', '0'] });
  const port = await findFreePort();
  const mailns = await startMailns(port);
  // This machine's speed drifts within minutes, so each figure is the median of ROUNDS runs, and the
  // runs it is compared with (the other mix, the other server) are interleaved with it, round by round.
  const runs = new Map<string, ReturnType<typeof dnsperf>[]>();
  const median = (key: string) => { const q = runs.get(key)!.map((r) => r.qps).sort((x, y) => x - y); return q[q.length >> 1]!; };
  try {
    for (const tcp of [false, true]) {
      const proto = tcp ? 'TCP' : 'UDP';
      // Warm-up: let V8 compile the hot paths before the measured runs.
      for (const mix of mixes) dnsperf(port, mix.file, tcp, 3);
      for (let round = 0; round < ROUNDS; round++) {
        for (const mix of mixes) {
          for (const [server, p] of [['mailns', port], ['NSD', nsd.port]] as const) {
            const r = dnsperf(p, mix.file, tcp);
            if (!(r.qps > 0)) console.error(r.raw);
            const key = `${server} ${proto} ${mix.name}`;
            runs.set(key, [...(runs.get(key) ?? []), r]);
          }
        }
      }
      for (const mix of mixes) {
        const row = (server: string) => {
          const rs = runs.get(`${server} ${proto} ${mix.name}`)!;
          const lost = rs.reduce((n, r) => n + r.lost, 0);
          const spread = `${Math.min(...rs.map((r) => r.qps)).toFixed(0)}-${Math.max(...rs.map((r) => r.qps)).toFixed(0)}`;
          return `${median(`${server} ${proto} ${mix.name}`).toFixed(0).padStart(7)} qps (${spread}, lost ${lost})`;
        };
        console.log(`${proto} ${mix.name.padEnd(8)}  mailns ${row('mailns')}   NSD ${row('NSD')}   mailns/NSD ${(median(`mailns ${proto} ${mix.name}`) / median(`NSD ${proto} ${mix.name}`)).toFixed(3)}`);
      }
    }
    for (const proto of ['UDP', 'TCP']) {
      const ratio = (server: string) => (median(`${server} ${proto} random`) / median(`${server} ${proto} repeated`)).toFixed(3);
      console.log(`${proto} random/repeated  mailns ${ratio('mailns')}   NSD ${ratio('NSD')}`);
    }
  } finally {
    mailns.kill('SIGTERM');
    await nsd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\ndnsperf -l ${SECONDS} -c ${CLIENTS} -q 200, median of ${ROUNDS} runs, servers on core 0, dnsperf on core 1, ${loaded.zones.length} zone(s) from ${ZONES}`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
