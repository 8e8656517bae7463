/**
 * Knot (knotd, Debian's `knot`) as a real secondary on loopback: in the
 * foreground, every path under a temporary directory, its log (stderr, at
 * info) collected for the test to read. Knot's configuration is YAML in
 * block style only: flow maps make knotd exit at start.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './nsd.js';

export interface KnotInstance {
  port: number;
  dir: string;
  /** Everything knotd logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts knotd listening on 127.0.0.1@`port` (a free one unless given).
 * `config(dir)` is the rest of its configuration (key:, remote:, acl:,
 * template:, zone:); the zones' files belong under `dir` (e.g. a default
 * template with `storage: DIR/zones`). Its database directory is made
 * first, or knotd exits after its first transfer.
 */
export async function startKnot(config: (dir: string) => string, opts: { port?: number } = {}): Promise<KnotInstance> {
  const port = opts.port ?? await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'mailns-knot-'));
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'knot.conf'), `server:
    rundir: ${dir}
    pidfile: ${dir}/knot.pid
    listen: 127.0.0.1@${port}
database:
    storage: ${dir}/db
control:
    listen: ${dir}/knot.sock
log:
  - target: stderr
    any: info
${config(dir)}`);
  const child = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    port,
    dir,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); await exited; }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rcode, answer count and (for an SOA) serial that `dig @knot` gets; 'no answer' when none comes. */
export function digAt(port: number, name: string, type: string): { status?: string; answers: number; lines: string[] } {
  try {
    const out = execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=1', '+norecurse', name, type], { encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => l && !l.startsWith(';'));
    return { status: /status: (\w+)/.exec(out)?.[1], answers: Number(/ANSWER: (\d+)/.exec(out)?.[1] ?? 0), lines };
  } catch { return { answers: 0, lines: [] }; }
}

/** Polls `what` every 100 ms until it is true or `ms` have passed (a bound for a hung peer, not a timing claim). */
export async function until(what: () => boolean, ms = 15_000): Promise<boolean> {
  for (const t0 = performance.now(); performance.now() - t0 < ms;) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
