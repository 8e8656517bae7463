/**
 * What a reload may take as it was from the load before: the zone of a file
 * that reads exactly as it did, whose key and certificate files do too, and
 * that no other file reads or adds to (no reverse: entry makes PTRs from its
 * hosts, no other zone routes records into it or puts the forward side of
 * generic names in it; the loader marks such zones `reusable`). Such a
 * zone's records, serial and trie depend on nothing else, so making them
 * again would give the same zone: the loader skips it, and a reload that
 * changed one file of a thousand does the work of one. The lint still runs
 * over every zone served, since what it finds crosses zones.
 */
import { namedFilesUnchanged } from '../config/model.js';
import { MAX_ZONE_FILE, readRegularFile } from '../config/source.js';
import type { LoadedZone } from './load.js';

/** The zones of the load before that may be reused, by file. */
export function reusableCopies(previous: readonly LoadedZone[]): Map<string, LoadedZone> {
  const out = new Map<string, LoadedZone>();
  for (const z of previous) if (z.reusable) out.set(z.file, z);
  return out;
}

/** The copy of `file`'s zone, if the file and the key files it names read as they did when it was made. */
export function unchangedCopy(copies: ReadonlyMap<string, LoadedZone>, file: string): LoadedZone | undefined {
  const copy = copies.get(file);
  if (!copy) return undefined;
  const text = readRegularFile(file, MAX_ZONE_FILE);
  return text === copy.model.text && namedFilesUnchanged(copy.model, file) ? copy : undefined;
}
