/**
 * `serve --watch`: a reload when a zone file, a key or certificate file a
 * zone names, or a zone directory changes, through the same merged queue as
 * SIGHUP.
 *
 * fs.watch on the directories (inotify on Linux, FSEvents, kqueue) is
 * enough: an editor that saves by rename replaces the directory entry, which
 * a watch on the file itself would lose, and a directory watch also sees
 * zone files appear and go. Events are debounced: the reload runs once the
 * directory has been quiet for DEBOUNCE_MS, so an editor that renames the
 * old file away and writes the new one a moment later never makes the zone
 * look retired in between. Names that are not ours (swap files, backups
 * such as `a.yaml~`) do not count.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LoadResult } from './load.js';

export const DEBOUNCE_MS = 300;

/** Directory → the names in it that matter ('*.yaml' stands for every zone file). */
export type WatchTargets = Map<string, Set<string>>;

const ZONE_FILES = '*.yaml';
const isZoneFile = (f: string) => f.endsWith('.yaml') || f.endsWith('.yml');

/** What to watch for a set of paths (as serve was given them) and what they loaded. */
export function watchTargets(paths: readonly string[], loaded: LoadResult): WatchTargets {
  const out: WatchTargets = new Map();
  const add = (dir: string, name: string) => {
    const set = out.get(dir) ?? new Set<string>();
    set.add(name);
    out.set(dir, set);
  };
  for (const p of paths) {
    const full = resolve(p);
    let dir = false;
    try { dir = statSync(full).isDirectory(); } catch { /* gone: watch where it would be */ }
    if (dir) add(full, ZONE_FILES);
    else add(dirname(full), basename(full));
  }
  // Key and certificate files, relative to the zone file that names them (src/config/model.ts).
  for (const z of [...loaded.zones, ...loaded.kept]) {
    for (const name of z.model.files.keys()) {
      const f = resolve(dirname(z.model.file), name);
      add(dirname(f), basename(f));
    }
  }
  return out;
}

export class ZoneWatcher {
  private readonly watchers = new Map<string, { w: FSWatcher; names: Set<string> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void, private readonly log: Logger, private readonly debounceMs = DEBOUNCE_MS) {}

  /** Watches exactly these directories from now on (called after every load: key files come and go). */
  watch(targets: WatchTargets): void {
    for (const [dir, entry] of this.watchers) {
      if (!targets.has(dir)) { entry.w.close(); this.watchers.delete(dir); }
    }
    for (const [dir, names] of targets) {
      const have = this.watchers.get(dir);
      if (have) { have.names = names; continue; }
      try {
        const entry = { w: watch(dir, { persistent: false }), names };
        entry.w.on('change', (_event, file) => {
          const name = typeof file === 'string' ? file : file?.toString();
          // No name (some platforms): anything may have changed.
          if (name === undefined || (entry.names.has(ZONE_FILES) && isZoneFile(name)) || entry.names.has(name)) this.changed(dir, name);
        });
        // The directory itself went away (renamed, deleted): reload, which says what that means for its zones.
        entry.w.on('error', (err) => { this.log.warn({ dir, err }, 'watch: directory no longer watched'); entry.w.close(); this.watchers.delete(dir); this.changed(dir, undefined); });
        this.watchers.set(dir, entry);
      } catch (err) {
        this.log.warn({ dir, err }, 'watch: cannot watch the directory');
      }
    }
  }

  private changed(dir: string, name: string | undefined): void {
    this.log.debug({ dir, file: name }, 'watch: change');
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; this.onChange(); }, this.debounceMs);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const { w } of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
