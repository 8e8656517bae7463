/** Which files of a path are zone files (serve, check, export, diff, probe read the same ones). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Problem, problem } from '../util/problem.js';

const isZoneFile = (f: string) => f.endsWith('.yaml') || f.endsWith('.yml');

/**
 * The zone files a path names: the file itself, or the *.yaml / *.yml files
 * directly in a directory. A directory without any is an error (a typo in
 * the path must not pass as "0 zones ok"); zone files in a subdirectory are
 * not read, and a warning says so (keys/ and the like hold no zone files).
 */
export function zoneFiles(path: string, problems: Problem[] = []): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  const entries = readdirSync(path, { withFileTypes: true });
  // Whatever is named like a zone file is read (a directory or a FIFO so named gets its own finding there).
  const files = entries.filter((e) => isZoneFile(e.name)).map((e) => e.name).sort().map((f) => join(path, f));
  for (const d of entries.filter((e) => e.isDirectory() && !isZoneFile(e.name))) {
    let inside: string[] = [];
    try { inside = readdirSync(join(path, d.name)).filter(isZoneFile); } catch { /* unreadable: nothing to say about its files */ }
    if (inside.length) problems.push(problem({ file: join(path, d.name), line: 1, col: 1 }, 'read', `${inside.length} zone file(s) in the subdirectory ${join(path, d.name)} are not read: only files directly in ${path} are`, `name ${join(path, d.name)} on the command line too, or move the files up`, 'warning'));
  }
  if (!files.length) problems.push(problem({ file: path, line: 1, col: 1 }, 'read', `no zone files (*.yaml, *.yml) in ${path}`, 'give the directory that holds the zone files, or a file'));
  return files;
}
