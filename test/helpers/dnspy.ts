/**
 * Batch DNS queries through dnspython (test/helpers/dnsquery.py, run with /usr/bin/python3).
 * Replies are in a canonical, comparable form so that mailns and NSD answers can be diffed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Query {
  name: string;
  /** RR type mnemonic, e.g. 'A', 'SOA', 'ANY', 'TYPE65534'. */
  type: string;
  /** RR class mnemonic; default 'IN'. */
  class?: string;
  /** Send over TCP instead of UDP. */
  tcp?: boolean;
  /** EDNS payload size; false = no EDNS; default 1232. */
  edns?: number | false;
  /** Set the DO bit (implies EDNS). */
  do?: boolean;
  /** EDNS version (default 0). */
  ednsVersion?: number;
  /** Set the RD flag (default off). */
  rd?: boolean;
  /** Opcode mnemonic ('QUERY', 'IQUERY', 'STATUS', 'NOTIFY', 'UPDATE') or a number as a string, e.g. '3'. */
  opcode?: string;
  /** Label copied into the result. */
  id?: string;
}

export interface Reply {
  id?: string;
  /** dnspython rcode text incl. extended rcodes, e.g. 'NOERROR', 'NXDOMAIN', 'BADVERS'. '' if no reply. */
  rcode: string;
  /** Header flags, sorted, e.g. ['AA', 'QR']. */
  flags: string[];
  /** EDNS from the reply's OPT record; options as 'EDE <info-code>[ <text>]' or '<NAME> <hex>'. */
  edns: null | { version: number; payload: number; do: boolean; options: string[] };
  /** 'name CLASS TYPE', name letter case as received from the server. */
  question: string[];
  /** Sorted RR lines 'owner ttl CLASS TYPE rdata' (owner lower-cased; names in name-only rdata lower-cased). */
  answer: string[];
  authority: string[];
  /** OPT is not included here (see `edns`). */
  additional: string[];
  /** Opcode of the response ('QUERY', 'NOTIFY', or a number like '3'); absent if no reply. */
  opcode?: string;
  /** Wire size of the response in bytes (absent if no reply). */
  size?: number;
  /** Set when there was no usable reply: 'timeout', 'connection refused', 'eof', or a parse error message. */
  error?: string;
}

export const PYTHON = '/usr/bin/python3';
export const DNSQUERY_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dnsquery.py');

/** True if /usr/bin/python3 can import dnspython. */
export function hasDnspython(): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', 'import dns.message'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * Like hasDnspython, but throws when MAILNS_REQUIRE_TOOLS=1 and it is missing
 * (so CI turns a skip into a failure).
 */
export function requireDnspython(): boolean {
  if (hasDnspython()) return true;
  if (process.env.MAILNS_REQUIRE_TOOLS === '1') {
    throw new Error(`required tool 'dnspython' (python3-dnspython for ${PYTHON}) not found (MAILNS_REQUIRE_TOOLS=1)`);
  }
  return false;
}

/** Runs dnsquery.py with one JSON request and returns its JSON reply. */
function runDnsquery<T>(request: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(PYTHON, [DNSQUERY_PY], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) return reject(new Error(`dnsquery.py exited with ${code ?? signal}:\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch (e) {
        reject(new Error(`dnsquery.py produced bad output: ${(e as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Send all queries (sequentially, in one python process) and return the replies in order. */
export async function queryAll(server: { host: string; port: number }, queries: Query[]): Promise<Reply[]> {
  if (queries.length === 0) return [];
  const replies = await runDnsquery<Reply[]>({ host: server.host, port: server.port, queries });
  if (!Array.isArray(replies) || replies.length !== queries.length) {
    throw new Error(`dnsquery.py: expected ${queries.length} replies, got ${Array.isArray(replies) ? replies.length : typeof replies}`);
  }
  return replies;
}

/** Zone-file lines read by dnspython and written in the canonical form of Reply sections (sorted), per group. */
export function normalizeAll(groups: string[][]): Promise<string[][]> {
  return runDnsquery<string[][]>({ normalize: groups });
}
