/**
 * Building a snapshot from a directory of zone files: read, validate,
 * synthesize, check, build tries. Returns every problem at once; a zone with
 * an error is left out, the others still load.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readYaml } from '../config/source.js';
import { buildModel, type ZoneModel } from '../config/model.js';
import { RRsetCollector, synthesizeBase, checkZone } from '../synth/index.js';
import { nameKey, nameToText } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { Catalog, Zone } from '../zone/zone.js';

export interface LoadedZone {
  zone: Zone;
  model: ZoneModel;
  file: string;
  millis: number;
}

export interface LoadResult {
  catalog: Catalog;
  zones: LoadedZone[];
  problems: Problem[];
  /** Files whose zone had errors and was not loaded. */
  failed: string[];
}

export function zoneFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort().map((f) => join(path, f));
}

export function loadZones(paths: string[]): LoadResult {
  const problems: Problem[] = [];
  const zones: LoadedZone[] = [];
  const failed: string[] = [];
  const seen = new Map<string, string>();
  let files: string[] = [];
  for (const p of paths) {
    try { files = files.concat(zoneFiles(p)); } catch (e) { problems.push(problem({ file: p, line: 1, col: 1 }, 'read', (e as Error).message)); }
  }
  for (const file of files) {
    const t0 = performance.now();
    const read = readYaml(file);
    const mine: Problem[] = [...read.problems];
    let model: ZoneModel | undefined;
    if (read.source) {
      const built = buildModel(read.source, basename(file).replace(/\.ya?ml$/, ''), file);
      mine.push(...built.problems);
      model = built.model;
    }
    let zone: Zone | undefined;
    if (model) {
      const key = nameKey(model.origin);
      const other = seen.get(key);
      if (other) mine.push(problem({ file, line: 1, col: 1 }, 'zone-duplicate', `zone ${nameToText(model.origin)} is also defined in ${other}`, 'one file per zone'));
      seen.set(key, file);
      const collector = new RRsetCollector(mine);
      synthesizeBase(model, collector);
      const rrsets = collector.rrsets();
      const tainted = new Set(model.hosts.filter((h) => h.invalid).map((h) => nameKey(h.owner)));
      mine.push(...checkZone(model.origin, rrsets, tainted));
      if (!mine.some((p) => p.severity === 'error')) zone = Zone.build(model.origin.map((l) => l.toLowerCase()), rrsets);
    }
    problems.push(...mine);
    if (zone && model) zones.push({ zone, model, file, millis: performance.now() - t0 });
    else failed.push(file);
  }
  return { catalog: new Catalog(zones.map((z) => z.zone)), zones, problems, failed };
}
