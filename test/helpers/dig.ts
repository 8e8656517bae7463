/** Runs ISC dig against a server and reads the parts of its output the tests compare. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigResult {
  status: string;
  flags: string[];
  counts: { query: number; answer: number; authority: number; additional: number };
  edns: { version: number; udp: number; do: boolean } | null;
  answer: string[];
  authority: string[];
  additional: string[];
  question: string[];
  server: string;
  raw: string;
}

export async function dig(port: number, args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args]);
  return parseDig(stdout);
}

export function parseDig(out: string): DigResult {
  const status = /status: ([A-Z0-9]+)/.exec(out)?.[1] ?? '';
  const flags = (/;; flags:([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const c = /QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)/.exec(out);
  const e = /; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)/.exec(out);
  const section = (name: string) => {
    const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';') ? true : name === 'QUESTION' && l.startsWith(';') && !l.startsWith(';;')).map((l) => l.replace(/^;/, '').replace(/\s+/g, ' ').trim()) : [];
  };
  return {
    status,
    flags,
    counts: { query: Number(c?.[1] ?? 0), answer: Number(c?.[2] ?? 0), authority: Number(c?.[3] ?? 0), additional: Number(c?.[4] ?? 0) },
    edns: e ? { version: Number(e[1]), udp: Number(e[3]), do: /\bdo\b/.test(e[2]!) } : null,
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    question: section('QUESTION'),
    server: /;; SERVER: .*\((UDP|TCP)\)/.exec(out)?.[1] ?? '',
    raw: out,
  };
}
