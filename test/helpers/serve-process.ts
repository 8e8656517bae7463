/**
 * `mailns serve` as a spawned process (the built CLI), with its JSON log
 * lines collected, for tests of what only a real process shows: signals,
 * the state directory across restarts, --watch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('dist/src/cli/main.js');

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export interface ServeProcess {
  child: ChildProcess;
  /** Every log line so far, parsed. */
  lines: LogLine[];
  /** Everything on stderr so far. */
  stderr(): string;
  /** The first line from index `from` on that `match` accepts; rejects if the process exits first or after `ms`. */
  waitFor(match: (l: LogLine) => boolean, from?: number, ms?: number): Promise<LogLine>;
  /** The UDP port of the first listener (once `started` is logged). */
  port(): number;
  /** Resolves with the exit code (or the signal) once the process has exited. */
  exited: Promise<number | string>;
}

export const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function spawnServe(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ServeProcess {
  const child = spawn(process.execPath, [CLI, 'serve', ...args, '--log-format', 'json'], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let err = '';
  let rest = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    rest += d.toString();
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as LogLine);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, signal) => { for (const w of waiters) w(); ok(code ?? signal ?? -1); }));
  const waitFor = (match: (l: LogLine) => boolean, from = 0, ms = 20_000) => new Promise<LogLine>((ok, fail) => {
    const timer = setTimeout(() => { waiters.delete(check); fail(new Error(`no matching log line within ${ms} ms; lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${err}`)); }, ms);
    const check = () => {
      const hit = lines.slice(from).find(match);
      if (hit) { clearTimeout(timer); waiters.delete(check); ok(hit); return; }
      if (child.exitCode !== null || child.signalCode !== null) { clearTimeout(timer); waiters.delete(check); fail(new Error(`serve exited (${child.exitCode ?? child.signalCode}); lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${err}`)); }
    };
    waiters.add(check);
    check();
  });
  const port = () => {
    const started = lines.find((l) => l.msg === 'started');
    if (!started) throw new Error('not started yet');
    return Number(/:(\d+)$/.exec((started.udp as string[])[0]!)![1]);
  };
  return { child, lines, stderr: () => err, waitFor, port, exited };
}
