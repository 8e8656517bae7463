/**
 * `npm run bench` (second part): loading and reloading a large set, as
 * issue 17 measures it: 1,000 zones of 100 hosts each (100,000 A records
 * plus SOA/NS). Prints the time to the first answer-ready start, the RSS
 * after it, the longest gap in answering while a SIGHUP reload runs (a
 * timestamped UDP query loop, one query a millisecond), for a reload with
 * nothing changed (every zone reused), one with one file edited, and one
 * with every file edited (every zone made again), each reload's own
 * duration from the log, and the peak RSS during them. Run twice: mailns on
 * both cores (BENCH_RELOAD_CORES, taskset lists), then on core 0 alone;
 * this process (the query loop) runs on core 1 (npm run bench pins it).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ZONES = Number(process.env.BENCH_RELOAD_ZONES ?? 1000);
const HOSTS = Number(process.env.BENCH_RELOAD_HOSTS ?? 100);

function makeSet(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let z = 0; z < ZONES; z++) {
    const hosts: string[] = [];
    for (let h = 0; h < HOSTS; h++) hosts.push(`  h${h}: {ipv4: 10.${z >> 8}.${z & 255}.${h}}`);
    writeFileSync(join(dir, `z${z}.test.yaml`), `zone: z${z}.test.\nsoa: {serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts.join('\n')}\n`);
  }
}

/** A query for `name` A in wire form (hand-built: the bench measures the server, not a client). */
function query(name: string, id: number): Buffer {
  const parts = [Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of name.split('.').filter(Boolean)) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

const rssMiB = (pid: number) => {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024; } catch { return NaN; }
};

/** One run: mailns started on `cores` (a taskset list), its start, three reloads under the query loop. */
async function scenario(cores: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-bench-reload-'));
  try {
    const zones = join(dir, 'zones');
    makeSet(zones);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const t0 = performance.now();
    const child = spawn('taskset', ['-c', cores, process.execPath, 'dist/src/cli/main.js', 'serve', zones, '--listen', `127.0.0.1:${port}`, '--state-dir', join(dir, 'state'), '--log-format', 'json', '--log-level', 'info', '--rrl-rate', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); if (log.length > 1 << 20) log = log.slice(-(1 << 16)); });
    const until = async (re: RegExp, from: number, limitMs: number) => {
      for (const end = Date.now() + limitMs; Date.now() < end;) { if (re.test(log.slice(from))) return true; await new Promise((ok) => setTimeout(ok, 10)); }
      return false;
    };
    if (!(await until(/"msg":"started"/, 0, 600_000))) throw new Error('mailns did not start');
    const startMs = performance.now() - t0;
    const rssLoaded = rssMiB(child.pid!);

    // The query loop: one query a millisecond for a name in the last zone; every answer's time kept.
    const sock = createSocket('udp4');
    const answers: number[] = [];
    sock.on('message', () => answers.push(performance.now()));
    await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', () => ok()));
    let id = 0;
    const timer = setInterval(() => sock.send(query(`h7.z${ZONES - 1}.test`, id++ & 0xffff), port, '127.0.0.1'), 1);
    await new Promise((ok) => setTimeout(ok, 500));
    let peak = rssLoaded;
    const poll = setInterval(() => { peak = Math.max(peak, rssMiB(child.pid!)); }, 20);
    /** One SIGHUP reload under the query loop: its logged duration and the longest gap between answers. */
    const reload = async () => {
      const mark = log.length;
      const hup = performance.now();
      const from = answers.length;
      process.kill(child.pid!, 'SIGHUP');
      const done = await until(/"msg":"reload(ed| partly failed)"/, mark, 600_000);
      await new Promise((ok) => setTimeout(ok, 300));
      const during = answers.slice(from).filter((t) => t >= hup - 5);
      let gap = 0;
      for (let i = 1; i < during.length; i++) gap = Math.max(gap, during[i]! - during[i - 1]!);
      const line = log.slice(mark).split('\n').find((l) => /"msg":"reload(ed| partly failed)"/.test(l));
      const ms = line ? Number((JSON.parse(line) as { ms?: number }).ms) : NaN;
      return { done, ms, gap, answers: during.length };
    };
    // Nothing changed; then one zone file edited, its written serial dropped for serial: auto (so
    // the serial moves, and the IXFR journal records the change).
    const same = await reload();
    const edited = join(zones, `z${ZONES - 1}.test.yaml`);
    writeFileSync(edited, `${readFileSync(edited, 'utf8').replace('soa: {serial: 1}\n', '')}  added: {ipv4: 192.0.2.1}\n`);
    const one = await reload();
    // Every file edited (a comment appended): nothing can be reused, every zone is made again.
    for (let z = 0; z < ZONES; z++) appendFileSync(join(zones, `z${z}.test.yaml`), '# edited\n');
    const all = await reload();
    clearInterval(timer);
    clearInterval(poll);
    sock.close();
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
    const show = (what: string, r: typeof same) =>
      console.log(`  ${what.padEnd(34)}${r.done ? `${Number.isNaN(r.ms) ? '?' : r.ms.toFixed(0)} ms (logged)` : 'not finished'}    longest gap in answers ${r.gap.toFixed(0)} ms (${r.answers} answers to one query a millisecond)`);
    console.log(`\n${ZONES} zones x ${HOSTS} hosts (${ZONES * HOSTS} A records), mailns on cores ${cores}:`);
    console.log(`  start (spawn to "started")        ${startMs.toFixed(0).padStart(8)} ms    RSS after load ${rssLoaded.toFixed(0)} MiB`);
    show('SIGHUP reload, nothing changed', same);
    show('SIGHUP reload, one file edited', one);
    show('SIGHUP reload, every file edited', all);
    console.log(`  peak RSS during the reloads       ${peak.toFixed(0).padStart(8)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Both cores (the worker parses, this thread too at start), then one (no worker: parsing here, in slices on reload).
  for (const cores of (process.env.BENCH_RELOAD_CORES ?? '0-1 0').split(/\s+/).filter(Boolean)) await scenario(cores);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
