/**
 * Reload orchestration: when reloads run (SIGHUP, --watch), and what the
 * log says a reload did.
 *
 * Requests are merged: one that arrives while a reload runs (or before the
 * server has started) becomes a single follow-up, so five SIGHUPs during a
 * long reload cost two reloads, never five, and memory holds the old
 * snapshot plus one new one at most.
 */
import type { Logger } from 'pino';
import { nameKey, nameToText } from '../util/name.js';
import type { LoadedZone, LoadResult } from './load.js';

export class ReloadQueue {
  private paused = true;
  private wanted = false;
  private running = false;

  /** `onIdle` hears how many reloads ran since the queue was last idle. */
  constructor(private readonly run: () => void | Promise<void>, private readonly onError: (err: unknown) => void, private readonly onIdle?: (reloads: number) => void) {}

  /** Asks for a reload; merged with one already asked for and not yet begun. */
  request(): void {
    this.wanted = true;
    this.kick();
  }

  /** Reloads may run from now on (a request made before runs now). */
  start(): void {
    this.paused = false;
    this.kick();
  }

  /** No reload begins any more (stopping); one running finishes. */
  stop(): void {
    this.paused = true;
  }

  private kick(): void {
    if (this.paused || this.running || !this.wanted) return;
    this.running = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    let n = 0;
    while (this.wanted && !this.paused) {
      this.wanted = false;
      n++;
      try { await this.run(); } catch (err) { this.onError(err); }
      // Let the signals (and watch events) that arrived meanwhile be heard: they set `wanted` once, for one follow-up.
      await new Promise((r) => setImmediate(r));
    }
    this.running = false;
    this.onIdle?.(n);
  }
}

/**
 * One line for the whole reload: `reloaded` at info with counts when every
 * file loaded; else `reload partly failed` naming the files, at warn when
 * each failed file's zones keep a last good copy, at error when some file
 * has none to keep (a new file with errors: its zones are not served at
 * all). A zone that is no longer defined anywhere is retired, at warn with
 * its name (removing its file is how a zone is retired).
 */
export function logReload(log: Logger, before: readonly LoadedZone[], next: LoadResult, ms: number): void {
  const old = new Map(before.map((z) => [nameKey(z.zone.origin), z]));
  const now = [...next.zones, ...next.kept];
  const served = new Set(now.map((z) => nameKey(z.zone.origin)));
  const retired = before.filter((z) => !served.has(nameKey(z.zone.origin)));
  for (const z of retired) log.warn({ zone: nameToText(z.zone.origin), file: z.file }, 'zone retired: no zone file defines it any more');
  const added = next.zones.filter((z) => !old.has(nameKey(z.zone.origin))).length;
  const changed = next.zones.filter((z) => { const o = old.get(nameKey(z.zone.origin)); return o !== undefined && o.serial !== z.serial; }).length;
  const counts = { zones: now.length, changed, added, retired: retired.length, ms: Math.round(ms) };
  if (!next.failed.length) { log.info(counts, 'reloaded'); return; }
  const keptFiles = new Set(next.kept.map((z) => z.file));
  const unserved = next.failed.filter((f) => !keptFiles.has(f));
  const entry = { ...counts, files: next.failed, kept: next.kept.map((z) => nameToText(z.zone.origin)), ...(unserved.length ? { notServed: unserved } : {}) };
  if (unserved.length) log.error(entry, 'reload partly failed');
  else log.warn(entry, 'reload partly failed');
}
