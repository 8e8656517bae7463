/**
 * The fuzz judge (test/helpers/fuzzjudge.py, dnspython under /usr/bin/python3)
 * as a stream: each (transport, query, reply) is written to it as it comes,
 * and `finish` returns its verdict. Writes wait while the judge is behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './dnspy.js';

/** Beside this file, or (compiled into dist/ for npm run fuzz) beside its source. */
const HERE = dirname(fileURLToPath(import.meta.url));
const JUDGE_PY = [join(HERE, 'fuzzjudge.py'), join(HERE, '../../../test/helpers/fuzzjudge.py')].find((p) => existsSync(p)) ?? join(HERE, 'fuzzjudge.py');

export interface Verdict {
  inputs: number;
  counts: Record<string, number>;
  failures: Record<string, { count: number; transport: string; query: string; reply: string | null; detail: string }>;
}

export class FuzzJudge {
  private readonly proc: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';

  /** `zones`: the origins the server serves, as text (answers other than REFUSED are only possible below them). */
  constructor(zones: string[]) {
    this.proc = spawn(PYTHON, [JUDGE_PY, ...zones], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.proc.stderr.on('data', (d: Buffer) => { this.err += d.toString(); });
    // A judge that dies is a broken run, said with what it printed.
    this.proc.stdin.on('error', (e) => { this.failed ??= new Error(`the fuzz judge stopped reading (${e.message}): ${this.err}`); });
  }

  private failed: Error | undefined;
  private drained: Promise<void> | undefined;

  /** One exchange; `reply` null when none came. Resolves once the judge can take more. */
  async add(transport: 'udp' | 'tcp', query: Buffer, reply: Buffer | null): Promise<void> {
    if (this.failed) throw this.failed;
    const head = Buffer.alloc(3);
    head[0] = transport === 'udp' ? 0 : 1;
    head.writeUInt16BE(query.length, 1);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(reply ? reply.length : 0xffffffff, 0);
    const ok = this.proc.stdin.write(Buffer.concat(reply ? [head, query, len, reply] : [head, query, len]));
    // One wait for the drain, however many writers are behind it.
    if (!ok) this.drained ??= once(this.proc.stdin, 'drain').then(() => { this.drained = undefined; });
    if (this.drained) await this.drained;
  }

  async finish(): Promise<Verdict> {
    const exited = once(this.proc, 'exit');
    this.proc.stdin.end(Buffer.from([0xff]));
    const [code] = await exited as [number | null];
    if (code !== 0) throw new Error(`the fuzz judge exited with ${code}: ${this.err}`);
    return JSON.parse(this.out) as Verdict;
  }
}

/** A verdict's failures, one kind a paragraph, for a report. */
export function verdictReport(v: Verdict): string {
  return Object.entries(v.failures).map(([kind, f]) => `[x${f.count}] ${f.transport}: ${kind}${f.detail ? ` (${f.detail})` : ''}\n    query ${f.query}\n    reply ${f.reply ?? '(none)'}`).join('\n');
}
