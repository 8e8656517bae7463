/**
 * Issue 17, reload under load: dnsperf (a client we did not write) sends
 * UDP queries the whole time the test edits a TXT record and sends SIGHUP
 * 20 times, each waiting for its `reloaded` line. Every query sent is
 * answered (dnsperf: sent = completed, lost 0), no answer is REFUSED or
 * SERVFAIL, and after each reload dig sees the new TXT.
 *
 * The load is bounded by its input, not by time: dnsperf reads its queries
 * from a pipe we feed for as long as the reloads run, and when we close it
 * dnsperf waits for the outstanding answers and ends "end of file". (A
 * time limit would have to guess how long 20 reloads take; SIGINT leaves
 * the queries in flight neither answered nor lost, "interrupted".) At most
 * 100 queries are in flight (dnsperf's default -q), so at its default,
 * unbounded rate the server is not flooded past its socket buffer: on
 * loopback nothing is lost. No timing bounds: the figures are printed.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const haveTools = requireTool('dnsperf') && requireTool('dig');
const RELOADS = 20;

const dir = mkdtempSync(join(tmpdir(), 'mailns-reload-load-'));
const zones = join(dir, 'zones');
cpSync(resolve('zones'), zones, { recursive: true });
const zoneFile = join(zones, 'example.com.yaml');
const original = readFileSync(zoneFile, 'utf8');
/**
 * example.com with a TXT record whose value counts the reloads, and a
 * written serial that grows with it (new content under the same serial is
 * an error on reload: secondaries would never fetch it).
 */
const withCounter = (n: number) => {
  const text = original
    .replace(/^records:\n/m, `records:\n  load: {type: TXT, value: 'reload-${n}'}\n`)
    .replace(/^(\s+serial:) (\d+)$/m, (_, k: string, v: string) => `${k} ${Number(v) + n}`);
  if (!text.includes(`'reload-${n}'`)) throw new Error('no records: block in zones/example.com.yaml to add the counter to');
  return text;
};

let s: ServeProcess | undefined;
afterAll(() => { s?.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

// Names of every zone served; all NOERROR but one NXDOMAIN.
const QUERIES = [
  'example.com SOA', 'example.com MX', 'example.com TXT', 'www.example.com A', 'mail.example.com AAAA',
  'load.example.com TXT', '_dmarc.example.com TXT', 'nx.example.com A', 'example.org MX', '25.2.0.192.in-addr.arpa PTR',
].join('\n') + '\n';

interface Perf { sent: number; completed: number; lost: number; interrupted: number; qps: number; codes: Record<string, number>; ending: string; out: string }

function parsePerf(out: string): Perf {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const codes: Record<string, number> = {};
  for (const m of (/Response codes:\s+(.*)/.exec(out)?.[1] ?? '').matchAll(/([A-Z]+) (\d+)/g)) codes[m[1]!] = Number(m[2]);
  return {
    sent: num(/Queries sent:\s+(\d+)/), completed: num(/Queries completed:\s+(\d+)/), lost: num(/Queries lost:\s+(\d+)/),
    interrupted: /Queries interrupted:\s+(\d+)/.test(out) ? num(/Queries interrupted:\s+(\d+)/) : 0,
    qps: num(/Queries per second:\s+([\d.]+)/), codes, ending: /Testing complete \(([^)]*)\)/.exec(out)?.[1] ?? '', out,
  };
}

/** dnsperf reading its queries from a pipe; `finish` closes the pipe and resolves with the statistics and how many queries were written. */
function dnsperf(port: number) {
  const child = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const chunk = QUERIES.repeat(100);
  const perChunk = 100 * QUERIES.trim().split('\n').length;
  let written = 0;
  let stop = false;
  let reading!: () => void;
  /** Resolves once dnsperf has taken queries from the pipe (it sends each as it reads it). */
  const started = new Promise<void>((ok) => { reading = ok; });
  const feeding = (async () => {
    while (!stop) {
      written += perChunk;
      // Each chunk is larger than the stream's buffer: a drain means dnsperf has read from the pipe.
      if (!child.stdin.write(chunk)) { await Promise.race([new Promise<void>((ok) => child.stdin.once('drain', ok)), exited]); reading(); }
      if (child.exitCode !== null) break;
    }
    child.stdin.end();
  })();
  // A dnsperf that exits early (its output says why) must not leave the feeder or the test waiting.
  child.stdin.on('error', () => {});
  void exited.then(() => reading());
  return {
    started,
    finish: async () => {
      stop = true;
      await feeding;
      const code = await exited;
      return { code, written, perf: parsePerf(out) };
    },
  };
}

describe.skipIf(!haveTools)('reload under load (issue 17)', () => {
  it(`${RELOADS} reloads while dnsperf queries: every query answered, none REFUSED or SERVFAIL, the new data served`, async () => {
    writeFileSync(zoneFile, withCounter(0));
    // Rate limiting off, as for NSD under load (rrl-ratelimit: 0): every query is to be answered.
    s = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--rrl-rate', '0'], { cwd: dir });
    await s.waitFor((l) => l.msg === 'started');
    const port = s.port();
    expect((await dig(port, ['load.example.com', 'TXT', '+short'])).raw.trim()).toBe('"reload-0"');

    const load = dnsperf(port);
    await load.started;
    const reloads: { ms: number; changed: number }[] = [];
    const seen: string[] = [];
    for (let n = 1; n <= RELOADS; n++) {
      writeFileSync(zoneFile, withCounter(n));
      const from = s.lines.length;
      s.child.kill('SIGHUP');
      const line = await s.waitFor((l) => l.msg === 'reloaded' || l.msg === 'reload partly failed', from);
      expect(line.msg, JSON.stringify(s.lines.slice(from))).toBe('reloaded');
      reloads.push({ ms: line.ms as number, changed: line.changed as number });
      // The new data appears at once, while the load goes on.
      seen.push((await dig(port, ['load.example.com', 'TXT', '+short'])).raw.trim());
    }
    const { code, written, perf } = await load.finish();

    const ms = reloads.map((r) => r.ms).sort((a, b) => a - b);
    console.log(`dnsperf during ${RELOADS} reloads: ${perf.sent} queries sent (${written} written), ${perf.completed} completed, ${perf.lost} lost, ${perf.qps.toFixed(0)} qps; `
      + `response codes ${JSON.stringify(perf.codes)}; reload ms (from the log) min ${ms[0]} median ${ms[ms.length >> 1]} max ${ms[ms.length - 1]}`);

    expect(code, perf.out).toBe(0);
    // The load ended because we closed its input, after the last reload: it ran during all of them.
    expect(perf.ending, perf.out).toBe('end of file');
    expect(perf.sent).toBe(written);
    expect(perf.completed).toBe(perf.sent);
    expect(perf.lost).toBe(0);
    expect(perf.interrupted).toBe(0);
    // Every answer is NOERROR but for the one name that does not exist.
    expect(Object.keys(perf.codes).sort()).toEqual(['NOERROR', 'NXDOMAIN']);
    expect(perf.codes.NOERROR! + perf.codes.NXDOMAIN!).toBe(perf.completed);
    expect(perf.codes.NXDOMAIN).toBe(perf.completed / 10);
    // Each reload changed example.com (the counter), and dig saw each new value right after its reload.
    expect(reloads.every((r) => r.changed >= 1)).toBe(true);
    expect(seen).toEqual(Array.from({ length: RELOADS }, (_, i) => `"reload-${i + 1}"`));
    expect((await dig(port, ['load.example.com', 'TXT', '+short'])).raw.trim()).toBe(`"reload-${RELOADS}"`);
  }, 120_000);
});
