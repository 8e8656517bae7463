/**
 * The state directory: what must survive a restart. Today the last serial
 * published for each zone and the digest of the content it was published
 * with, so `serial: auto` moves exactly when the content does, across
 * restarts too.
 *
 * One file for all zones (serials.json), not one per zone: a reload that
 * changes several zones (a forward zone and its reverse zones, from one file)
 * records them with a single rename, so a crash never leaves half of a
 * reload's serials on disk; and it is small (about 120 bytes a zone, so
 * 120 KB for 1,000 zones, rewritten only when some serial moved). Zones
 * whose file is gone keep their entry: a zone that comes back must not start
 * again below the serial its secondaries still hold.
 *
 * serve writes it (temp file, fsync, rename, fsync of the directory);
 * check, export, diff and explain only read it, to print the serial serve
 * would publish. A directory that cannot be written is not fatal: the
 * serials are kept in memory and the caller is told why.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface SerialRecord {
  serial: number;
  /** contentDigest (src/zone/serial.ts) of what was published with it. */
  digest: string;
}

/** Read-only view the loader takes: zone (nameKey) → what was last published. */
export type SerialsSeen = ReadonlyMap<string, SerialRecord>;

const FILE = 'serials.json';
const VERSION = 1;

/**
 * The state directory to use: --state-dir, else $STATE_DIRECTORY (systemd's
 * StateDirectory=, the first when it lists several), else ./state.
 */
export function stateDirectory(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const sd = env.STATE_DIRECTORY?.split(':')[0];
  if (sd) return resolve(sd);
  return resolve('state');
}

/** For the verbs that only read it (check, export, diff, explain): the serials serve would start from; `warn` hears about a file it cannot read. */
export function readSerials(flag: string | undefined, warn: (message: string) => void): SerialsSeen {
  const { state, warning } = SerialState.read(stateDirectory(flag));
  if (warning) warn(warning);
  return state.seen;
}

export class SerialState {
  private readonly zones = new Map<string, SerialRecord>();

  private constructor(readonly dir: string) {}

  /** What is recorded (nothing when the directory or file does not exist); a file that cannot be read or parsed gives a warning. */
  static read(dir: string): { state: SerialState; warning?: string } {
    const state = new SerialState(dir);
    const path = join(dir, FILE);
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { state };
      return { state, warning: `${path}: ${(e as Error).message}; serials start again from today's date` };
    }
    try {
      const data = JSON.parse(text) as { version?: unknown; zones?: Record<string, unknown> };
      if (data.version !== VERSION || typeof data.zones !== 'object' || data.zones === null) throw new Error(`not a version ${VERSION} serials file`);
      for (const [zone, r] of Object.entries(data.zones)) {
        const x = r as Partial<SerialRecord>;
        if (typeof x.serial === 'number' && Number.isInteger(x.serial) && x.serial >= 0 && x.serial < 2 ** 32 && typeof x.digest === 'string') state.zones.set(zone, { serial: x.serial, digest: x.digest });
      }
    } catch (e) {
      return { state, warning: `${path}: ${(e as Error).message}; serials start again from today's date` };
    }
    return { state };
  }

  get seen(): SerialsSeen {
    return this.zones;
  }

  /**
   * Records what a load publishes, in memory, and on disk when anything
   * moved. Returns why the file could not be written (the records stay in
   * memory, and the next change tries again), or undefined.
   */
  record(entries: Iterable<[string, SerialRecord]>): string | undefined {
    let changed = false;
    for (const [zone, r] of entries) {
      const was = this.zones.get(zone);
      if (was && was.serial === r.serial && was.digest === r.digest) continue;
      this.zones.set(zone, r);
      changed = true;
    }
    if (!changed) return undefined;
    try {
      this.write();
      return undefined;
    } catch (e) {
      return `${this.dir}: ${(e as Error).message}`;
    }
  }

  private write(): void {
    const zones = Object.fromEntries([...this.zones].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeAtomically(this.dir, FILE, `${JSON.stringify({ version: VERSION, zones }, null, 1)}\n`);
  }
}

/** `dir`, made if missing: its parents with the usual modes, itself 0700. */
export function makeStateDirectory(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  try { mkdirSync(dir, { mode: 0o700 }); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; }
}

/**
 * Writes `dir/file` atomically: a temporary file, fsync, rename over the
 * file, fsync of the directory. A reader (or a restart after a crash) sees
 * the old file or the new one, whole. Throws when it cannot (the last
 * complete file stays).
 */
export function writeAtomically(dir: string, file: string, text: string): void {
  // Only serve reads and writes its state: the directory 0700 when made here (its parents as usual), each file 0600.
  makeStateDirectory(dir);
  const tmp = join(dir, `.${file}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, file));
  } catch (e) {
    // A full disk: leave no temp file behind, and keep the last complete file.
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename is durable only once the directory entry is (rename(2) and fsync(2) on Linux).
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
}
