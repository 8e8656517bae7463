/** Zone transfers and signed queries through dnspython (test/helpers/xfr.py, with /usr/bin/python3). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './dnspy.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'xfr.py');

export interface Key { name: string; secret: string; algorithm?: string }

function run<T>(request: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`xfr.py exited ${code}: ${err}`)); return; }
      try { resolve(JSON.parse(out) as T); } catch (e) { reject(new Error(`xfr.py: ${(e as Error).message}: ${out}${err}`)); }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** AXFR of `zone`; every message's TSIG verified by dnspython when `key` is given; `skew` moves our clock (seconds). */
export function axfr(port: number, zone: string, key?: Key, skew = 0): Promise<{ records: string[]; messages: number; error?: string }> {
  return run({ op: 'xfr', port, zone, key, skew });
}

export function signedQuery(port: number, zone: string, type: string, opts: { tcp?: boolean; key?: Key; skew?: number } = {}): Promise<{ rcode?: string; error?: string }> {
  return run({ op: 'query', port, zone, type, ...opts });
}

/** A master file (mailns export) in the canonical lines axfr() gives. */
export async function zoneRecords(zone: string, text: string): Promise<string[]> {
  return (await run<{ records: string[] }>({ op: 'zone', zone, text })).records;
}

/** IXFR from `serial` (dns.query.xfr), over UDP when asked: the records in the order received. */
export function ixfr(port: number, zone: string, serial: number, opts: { udp?: boolean; key?: Key } = {}): Promise<{ records: string[]; messages: number; error?: string }> {
  return run({ op: 'ixfr', port, zone, serial, ...opts });
}

/** The master file `text` as dnspython's zone, brought up to date by IXFR (dns.query.inbound_xfr); the zone's records after. */
export function applyIxfr(port: number, zone: string, text: string, opts: { udpMode?: 'never' | 'try' | 'only'; key?: Key } = {}): Promise<{ records?: string[]; error?: string }> {
  return run({ op: 'apply', port, zone, text, udp_mode: opts.udpMode ?? 'never', key: opts.key });
}
