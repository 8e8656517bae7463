/**
 * Test helpers for running a real NSD instance (differential tests: mailns vs NSD).
 *
 * - hasTool(name): is an executable on PATH (or /usr/sbin, /usr/bin)?
 * - requireTool(name): like hasTool, but throws when MAILNS_REQUIRE_TOOLS=1 and the tool is missing.
 * - startNsd(zones): start a throwaway foreground NSD on 127.0.0.1:<free port>.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of an executable found on PATH or in the usual sbin/bin dirs, or null. */
export function findTool(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).concat(EXTRA_DIRS);
  for (const dir of dirs) {
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True if the executable is found on PATH or in /usr/sbin, /usr/bin. */
export function hasTool(name: string): boolean {
  return findTool(name) !== null;
}

/**
 * Like hasTool, but when MAILNS_REQUIRE_TOOLS=1 and the tool is missing, throws
 * (so CI turns a skip into a failure). Returns false when missing otherwise.
 */
export function requireTool(name: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.MAILNS_REQUIRE_TOOLS === '1') {
    throw new Error(`required tool '${name}' not found on PATH or in /usr/sbin, /usr/bin (MAILNS_REQUIRE_TOOLS=1)`);
  }
  return false;
}

export interface NsdZone {
  /** Zone apex, e.g. "example.test." (trailing dot optional). */
  name: string;
  /** Master-file text of the zone. */
  text: string;
}

export interface NsdInstance {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** Find a port on 127.0.0.1 that is free for both UDP and TCP. */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
    });
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      return port;
    }
  }
  throw new Error('could not find a port free for both UDP and TCP on 127.0.0.1');
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function zoneFileName(name: string, i: number): string {
  const base = fqdn(name).slice(0, -1).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${i}-${base}.zone`;
}

/** Quote a value for nsd.conf. */
function q(s: string): string {
  return `"${s.replace(/"/g, '')}"`;
}

/** Build a minimal DNS query packet (no EDNS) for name/type, class IN. */
function buildQuery(id: number, name: string, qtype: number): Buffer {
  const labels = fqdn(name).slice(0, -1).split('.').filter(Boolean);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0000, 2); // no RD
  header.writeUInt16BE(1, 4); // qdcount
  parts.push(header);
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2);
  parts.push(tail);
  return Buffer.concat(parts);
}

/** Send one UDP SOA query; resolve true if we get an answer with matching id and rcode NOERROR. */
function probeSoa(port: number, name: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 0xffff);
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* ignore */
      }
      resolve(v);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      const flags = msg.readUInt16BE(2);
      const rcode = flags & 0xf;
      const ancount = msg.readUInt16BE(6);
      finish((flags & 0x8000) !== 0 && rcode === 0 && ancount > 0);
    });
    sock.send(buildQuery(id, name, 6), port, '127.0.0.1', (err) => {
      if (err) finish(false);
    });
  });
}

function readIfExists(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Start NSD serving the given zones on 127.0.0.1:<port> (UDP+TCP).
 * Resolves once NSD answers an SOA query for the first zone (up to 10 s).
 */
export interface NsdOptions {
  /** Command prefix, e.g. ['taskset', '-c', '0'] to pin NSD to a core for benchmarks. */
  wrap?: string[];
  /** Keep NSD's own response rate limiting (its defaults); otherwise it is off, as for load tests. */
  rrl?: boolean;
}

export async function startNsd(zones: NsdZone[], opts: NsdOptions = {}): Promise<NsdInstance> {
  if (zones.length === 0) throw new Error('startNsd: at least one zone is required');
  const nsdBin = findTool('nsd');
  if (!nsdBin) throw new Error("startNsd: tool 'nsd' not found");
  const checkBin = findTool('nsd-checkzone');

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mailns-nsd-'));
  const cleanup = () => fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);

  try {
    const zoneEntries: string[] = [];
    for (let i = 0; i < zones.length; i++) {
      const z = zones[i]!;
      const file = path.join(dir, zoneFileName(z.name, i));
      await fsp.writeFile(file, z.text.endsWith('\n') ? z.text : `${z.text}\n`);
      if (checkBin) {
        const r = spawnSync(checkBin, [fqdn(z.name), file], { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) {
          throw new Error(
            `nsd-checkzone failed for ${z.name} (exit ${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}`,
          );
        }
      }
      zoneEntries.push(`zone:\n\tname: ${q(fqdn(z.name))}\n\tzonefile: ${q(file)}\n`);
    }

    const port = await findFreePort();
    const logfile = path.join(dir, 'nsd.log');
    const conf = [
      'server:',
      '\tusername: ""',
      '\tchroot: ""',
      '\tdatabase: ""',
      `\tzonelistfile: ${q(path.join(dir, 'zone.list'))}`,
      `\txfrdfile: ${q(path.join(dir, 'xfrd.state'))}`,
      `\txfrdir: ${q(dir)}`,
      `\tpidfile: ${q(path.join(dir, 'nsd.pid'))}`,
      `\tlogfile: ${q(logfile)}`,
      `\tip-address: 127.0.0.1@${port}`,
      `\tport: ${port}`,
      '\tdo-ip4: yes',
      '\tdo-ip6: no',
      '\tserver-count: 1',
      '\tverbosity: 1',
      '\thide-version: no',
      ...(opts.rrl ? [] : ['\trrl-ratelimit: 0', '\trrl-whitelist-ratelimit: 0']),
      '',
      'remote-control:',
      '\tcontrol-enable: no',
      '',
      ...zoneEntries,
    ].join('\n');
    const confPath = path.join(dir, 'nsd.conf');
    await fsp.writeFile(confPath, conf);

    const [cmd, ...pre] = [...(opts.wrap ?? []), nsdBin];
    const child: ChildProcess = spawn(cmd!, [...pre, '-d', '-c', confPath], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const state: { exited: { code: number | null; signal: NodeJS.Signals | null } | null; spawnError: Error | null } = {
      exited: null,
      spawnError: null,
    };
    const exitPromise = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        state.exited = { code, signal };
        resolve();
      });
      child.once('error', (e) => {
        state.spawnError = e;
        // 'exit' may never fire when the spawn itself failed
        if (child.pid === undefined) resolve();
      });
    });

    // Don't leave an orphan NSD behind if the test process exits without stop().
    const onExit = () => {
      if (state.exited === null) child.kill('SIGKILL');
    };
    process.once('exit', onExit);

    const kill = async (): Promise<void> => {
      process.removeListener('exit', onExit);
      if (state.exited === null && state.spawnError === null && child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => {
          if (state.exited === null) child.kill('SIGKILL');
        }, 2000);
        await exitPromise;
        clearTimeout(t);
      }
    };

    const deadline = Date.now() + 10_000;
    const first = fqdn(zones[0]!.name);
    for (;;) {
      if (state.spawnError || state.exited) {
        const why = state.spawnError
          ? `spawn error: ${state.spawnError.message}`
          : `exited early (${JSON.stringify(state.exited)})`;
        throw new Error(`nsd ${why}\n--- output ---\n${output}\n--- log ---\n${readIfExists(logfile)}`);
      }
      if (await probeSoa(port, first, 300)) break;
      if (Date.now() > deadline) {
        await kill();
        throw new Error(
          `nsd did not answer SOA ${first} on port ${port} within 10 s\n--- output ---\n${output}\n--- log ---\n${readIfExists(logfile)}`,
        );
      }
      await sleep(50);
    }

    let stopped = false;
    return {
      port,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await kill();
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

export interface SecondaryKey { name: string; algorithm: string; secret: string }

/**
 * NSD as a secondary of a primary on 127.0.0.1:`primaryPort`: each zone
 * pulled with `request-xfr` (signed with `key`), NOTIFY allowed from the
 * primary with the same key (`opts.port`: the port to listen on). Resolves once NSD answers the SOA of every zone
 * in `expect` (up to 20 s); the others it may never get.
 */
export async function startNsdSecondary(zones: string[], primaryPort: number, key: SecondaryKey, expect: string[] = zones, opts: { port?: number } = {}): Promise<NsdInstance & { log(): string }> {
  const nsdBin = findTool('nsd');
  if (!nsdBin) throw new Error("startNsdSecondary: tool 'nsd' not found");
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mailns-nsd2-'));
  // A port chosen beforehand (findFreePort) lets the primary be told where to send NOTIFY before NSD starts.
  const port = opts.port ?? await findFreePort();
  const logfile = path.join(dir, 'nsd.log');
  const conf = [
    'server:', '\tusername: ""', '\tchroot: ""', '\tdatabase: ""',
    `\tzonelistfile: ${q(path.join(dir, 'zone.list'))}`, `\txfrdfile: ${q(path.join(dir, 'xfrd.state'))}`, `\txfrdir: ${q(dir)}`,
    `\tpidfile: ${q(path.join(dir, 'nsd.pid'))}`, `\tlogfile: ${q(logfile)}`,
    `\tip-address: 127.0.0.1@${port}`, `\tport: ${port}`, '\tdo-ip4: yes', '\tdo-ip6: no', '\tserver-count: 1', '\tverbosity: 2',
    '\trrl-ratelimit: 0', '\trrl-whitelist-ratelimit: 0', '',
    'remote-control:', '\tcontrol-enable: no', '',
    'key:', `\tname: ${q(key.name)}`, `\talgorithm: ${key.algorithm}`, `\tsecret: ${q(key.secret)}`, '',
    ...zones.map((z, i) => [
      'zone:', `\tname: ${q(fqdn(z))}`, `\tzonefile: ${q(path.join(dir, zoneFileName(z, i)))}`,
      `\trequest-xfr: 127.0.0.1@${primaryPort} ${key.name}`, `\tallow-notify: 127.0.0.1 ${key.name}`, '',
    ].join('\n')),
  ].join('\n');
  const confPath = path.join(dir, 'nsd.conf');
  await fsp.writeFile(confPath, conf);
  const child = spawn(nsdBin, ['-d', '-c', confPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const onExit = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (!exited) { child.kill('SIGTERM'); const t = setTimeout(() => child.kill('SIGKILL'), 2000); await exitPromise; clearTimeout(t); }
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  const deadline = Date.now() + 20_000;
  const pending = new Set(expect.map(fqdn));
  while (pending.size) {
    if (exited) { const log = readIfExists(logfile); await stop(); throw new Error(`nsd exited early\n${output}\n${log}`); }
    for (const z of [...pending]) if (await probeSoa(port, z, 300)) pending.delete(z);
    if (!pending.size) break;
    if (Date.now() > deadline) { const log = readIfExists(logfile); await stop(); throw new Error(`nsd did not transfer ${[...pending].join(', ')} within 20 s\n${output}\n${log}`); }
    await sleep(100);
  }
  return { port, dir, stop, log: () => readIfExists(logfile) };
}
