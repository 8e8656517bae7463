/**
 * Zone files parsed on worker threads: YAML parsing is about half of
 * loading a large set, and each file is parsed on its own, so a worker
 * parses the next files while the loader models and synthesizes the ones
 * before (a pipeline over two cores), and on reload the parsing is off the
 * thread that answers queries. Results are plain data (src/config/source.ts
 * ParsedYaml). A worker that cannot start or fails makes the pool parse on
 * the calling thread from then on: slower, never different.
 */
import { availableParallelism } from 'node:os';
import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { readParsed, type ReadResult } from './source.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

/**
 * A file's ReadResult, made when the loader takes it. A worker's reply
 * waits as its serialized bytes, outside the heap the collector walks, and
 * is unpacked just before it is used: its objects then die young. Unpacked
 * on arrival, the files parsed ahead aged in the queue into the old
 * generation, where they were most of the garbage a large start collected
 * (and its peak heap, which the process keeps as RSS).
 */
export type Parsed = () => ReadResult;

interface Waiting { file: string; done: (r: Parsed) => void }
interface Queued extends Waiting { id: number }

/**
 * Files handed to a worker at a time: enough that it never waits while the
 * thread that reads its answers works through a slice (10 ms at start, a
 * file of 100 hosts parses in about 1.5 ms).
 */
export const IN_FLIGHT = 16;

export class ParsePool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly waiting = new Map<number, Waiting & { worker: number }>();
  /** Asked for, not yet handed to a worker (parseHere takes the first). */
  private readonly queued: Queued[] = [];
  private nextId = 0;
  private broken = false;
  /** Files parsed so far on a worker, and on the calling thread (no worker, or one that failed, or parseHere). */
  readonly parsed = { worker: 0, here: 0 };

  /**
   * `size` workers, started on first use. The default is one fewer than the
   * cores this process may run on (its CPU affinity: `taskset`, a
   * container's cpuset): with one core there is none, and files are parsed
   * on the calling thread, since a worker could only take turns with it.
   */
  constructor(private readonly size = availableParallelism() - 1) {}

  /** True when read() parses on a worker (false: on the calling thread, as the promise is made). */
  get threaded(): boolean {
    return !this.broken && this.size >= 1;
  }

  /** The file read and parsed, as readParsed(file) gives it. */
  read(file: string): Promise<Parsed> {
    if (this.broken || !this.warm()) { const r = this.here(file); return Promise.resolve(() => r); }
    return new Promise((done) => {
      this.queued.push({ id: this.nextId++, file, done });
      this.pump();
    });
  }

  /**
   * Parses, on the calling thread, the first file asked for that no worker
   * has yet, settling its read() with it; false when there is none. The
   * first load uses it: rather than wait for a worker that is behind, the
   * loader parses a file itself, so both cores parse (a reload does not: a
   * file's parse is one step, too long a pause in answering for a large file).
   */
  parseHere(): boolean {
    const q = this.queued.shift();
    if (!q) return false;
    const r = this.here(q.file);
    q.done(() => r);
    return true;
  }

  /**
   * Stops the workers, and with them their heaps (tens of MB each: a load
   * ends with it, so an idle server holds none); the next read() starts new
   * ones. A request still waiting is parsed here. Settles when the workers
   * have ended, their memory given back.
   */
  close(): Promise<void> {
    const workers = this.workers.splice(0);
    const ended = workers.map(({ w }) => { w.removeAllListeners(); w.on('error', () => undefined); return w.terminate().then(() => undefined, () => undefined); });
    const left = [...this.waiting.values(), ...this.queued.splice(0)];
    this.waiting.clear();
    for (const w of left) { const r = this.here(w.file); w.done(() => r); }
    return Promise.all(ended).then(() => undefined);
  }

  /** Hands queued files to workers with room, in the order they were asked for. */
  private pump(): void {
    for (;;) {
      const q = this.queued[0];
      const at = q ? this.workers.findIndex((x) => x.busy < IN_FLIGHT) : -1;
      if (!q || at < 0) return;
      this.queued.shift();
      const worker = this.workers[at]!;
      worker.busy++;
      this.waiting.set(q.id, { file: q.file, done: q.done, worker: at });
      // A worker with work in hand keeps the process alive (the first load happens before any socket is open).
      worker.w.ref();
      worker.w.postMessage({ id: q.id, file: q.file } satisfies ParseRequest);
    }
  }

  /**
   * Starts the workers now (read() does it too): a worker takes about a
   * tenth of a second to load its modules, which the loader spends
   * compiling the schema. False when files are parsed on the calling thread.
   */
  warm(): boolean {
    if (this.broken) return false;
    if (this.workers.length) return true;
    if (this.size < 1) return false;
    try {
      for (let i = 0; i < this.size; i++) {
        const w = new Worker(new URL('./parse-worker.js', import.meta.url));
        w.on('message', (m: ParseReply) => this.answered(m));
        w.on('error', () => this.fail());
        w.on('exit', () => this.fail());
        w.unref();
        this.workers.push({ w, busy: 0 });
      }
      return true;
    } catch {
      this.fail();
      return false;
    }
  }

  private answered(m: ParseReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    const worker = this.workers[w.worker];
    if (worker) { worker.busy--; if (!worker.busy) worker.w.unref(); }
    if ('wire' in m) {
      this.parsed.worker++;
      const { wire } = m;
      w.done(() => deserialize(Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength)) as ReadResult);
    } else {
      const r = this.here(w.file);
      w.done(() => r);
    }
    this.pump();
  }

  /** From now on, parse on this thread; what was sent to the workers is parsed here. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    void this.close();
  }

  private here(file: string): ReadResult {
    this.parsed.here++;
    return readParsed(file);
  }
}
