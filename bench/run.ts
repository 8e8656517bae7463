/**
 * `npm run bench`: dnsperf against mailns and NSD serving the same zone, in
 * the same run, each server pinned to core 0 and dnsperf to core 1. Prints
 * queries per second and the mailns/NSD ratio for UDP and TCP.
 *
 *   BENCH_SECONDS=10 BENCH_CLIENTS=4 npm run bench
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { loadZones } from '../src/server/load.js';
import { exportZone } from '../src/zone/export.js';
import { nameToText } from '../src/util/name.js';
import { findFreePort, findTool, startNsd } from '../test/helpers/nsd.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const ZONES = process.env.BENCH_ZONES ?? 'zones';

function queries(): string {
  // A mix a mail domain sees: addresses, MX, TXT (SPF, DKIM), misses, wildcard, CNAME.
  return [
    'example.com A', 'example.com MX', 'example.com TXT', 'mail.example.com A', 'mail.example.com AAAA',
    'www.example.com A', 'rsa2026._domainkey.example.com TXT', 'nope.example.com A', '_domainkey.example.com TXT',
    'x.lab.example.com A', 'webmail.example.com A', '_submissions._tcp.example.com SRV', 'example.com SOA',
    'host.sub.example.com A', 'example.com NS',
  ].join('\n') + '\n';
}

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
  const qfile = join(dir, 'queries.txt');
  writeFileSync(qfile, queries());
  const loaded = loadZones([ZONES]);
  const nsd = await startNsd(loaded.zones.map((z) => ({ name: nameToText(z.zone.origin), text: exportZone(z.zone) })), { wrap: ['taskset', '-c', '0'] });
  const port = await findFreePort();
  const mailns = await startMailns(port);
  const rows: string[] = [];
  try {
    for (const tcp of [false, true]) {
      const proto = tcp ? 'TCP' : 'UDP';
      // Warm-up: let V8 compile the hot path before the measured run.
      dnsperf(port, qfile, tcp, 3);
      const ours = dnsperf(port, qfile, tcp);
      if (!(ours.qps > 0)) console.error(ours.raw);
      const theirs = dnsperf(nsd.port, qfile, tcp);
      rows.push(`${proto}  mailns ${ours.qps.toFixed(0).padStart(8)} qps (lost ${ours.lost}, avg ${ours.latencyMs.toFixed(3)} ms)   NSD ${theirs.qps.toFixed(0).padStart(8)} qps (lost ${theirs.lost}, avg ${theirs.latencyMs.toFixed(3)} ms)   ratio ${(ours.qps / theirs.qps).toFixed(3)}`);
      console.log(rows[rows.length - 1]);
    }
  } finally {
    mailns.kill('SIGTERM');
    await nsd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\ndnsperf -l ${SECONDS} -c ${CLIENTS} -q 200, servers on core 0, dnsperf on core 1, ${loaded.zones.length} zone(s) from ${ZONES}`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
