/**
 * Building a snapshot from a directory of zone files: read, validate,
 * synthesize, route records one zone asks another to publish, check, build
 * tries. Returns every problem at once; a zone with an error is left out,
 * the others still load.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readYaml } from '../config/source.js';
import { buildModel, type ZoneModel } from '../config/model.js';
import { RRsetCollector, synthesizeBase, synthesizeRecords, checkZone } from '../synth/index.js';
import { synthesizeIntent, type IntentArtifacts } from '../synth/mail/index.js';
import { isSubdomain, nameKey, nameToText } from '../util/name.js';
import { type Problem, problem, sortProblems } from '../util/problem.js';
import { Catalog, Zone } from '../zone/zone.js';

export interface LoadedZone {
  zone: Zone;
  model: ZoneModel;
  file: string;
  millis: number;
  artifacts: IntentArtifacts;
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

interface Pending {
  file: string;
  model: ZoneModel;
  collector: RRsetCollector;
  artifacts: IntentArtifacts;
  problems: Problem[];
  t0: number;
}

export function loadZones(paths: string[]): LoadResult {
  const problems: Problem[] = [];
  const failed: string[] = [];
  let files: string[] = [];
  for (const p of paths) {
    try { files = files.concat(zoneFiles(p)); } catch (e) { problems.push(problem({ file: p, line: 1, col: 1 }, 'read', (e as Error).message)); }
  }

  // 1. Each file on its own: YAML, model, its own records.
  const pending: Pending[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const t0 = performance.now();
    const read = readYaml(file);
    const mine: Problem[] = [...read.problems];
    const built = read.source ? buildModel(read.source, basename(file).replace(/\.ya?ml$/, ''), file) : undefined;
    if (built) mine.push(...built.problems);
    const model = built?.model;
    if (!model) { problems.push(...mine); failed.push(file); continue; }
    const key = nameKey(model.origin);
    const other = seen.get(key);
    if (other) mine.push(problem({ file, line: 1, col: 1 }, 'zone-duplicate', `zone ${nameToText(model.origin)} is also defined in ${other}`, 'one file per zone'));
    seen.set(key, file);
    const collector = new RRsetCollector(model.origin, mine);
    synthesizeBase(model, collector);
    synthesizeRecords(model, collector);
    const artifacts = synthesizeIntent(model, collector);
    pending.push({ file, model, collector, artifacts, problems: mine, t0 });
  }

  // 2. Records a zone asks another zone to publish (DMARC report authorization)
  //    go to the closest enclosing zone we load; none is an error-free no-op.
  for (const p of pending) {
    for (const f of p.collector.foreign) {
      let target: Pending | undefined;
      for (const q of pending) {
        if (isSubdomain(f.owner, q.model.origin) && (!target || q.model.origin.length > target.model.origin.length)) target = q;
      }
      target?.collector.add(f.owner, f.type, f.ttl, [f.rdata], f.source, false);
    }
  }

  // 3. Check and build each zone.
  const zones: LoadedZone[] = [];
  for (const p of pending) {
    const rrsets = p.collector.rrsets();
    const tainted = new Set(p.model.hosts.filter((h) => h.invalid).map((h) => nameKey(h.owner)));
    p.problems.push(...checkZone(p.model.origin, rrsets, tainted));
    problems.push(...p.problems);
    if (p.problems.some((x) => x.severity === 'error')) { failed.push(p.file); continue; }
    const zone = Zone.build(p.model.origin, rrsets);
    zones.push({ zone, model: p.model, file: p.file, millis: performance.now() - p.t0, artifacts: p.artifacts });
  }
  return { catalog: new Catalog(zones.map((z) => z.zone)), zones, problems: sortProblems(problems), failed };
}
