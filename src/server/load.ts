/**
 * Building a snapshot from a directory of zone files: read, validate,
 * synthesize, route records one zone asks another to publish, check, build
 * tries. Returns every problem at once; a zone with an error is left out,
 * the others still load.
 */
import { parseYaml, readYaml, sourced, type YamlSource } from '../config/source.js';
import type { Parsed, ParsePool } from '../config/parse-pool.js';
import { zoneValidator } from '../config/schema.js';
import { buildModel, defaultOrigin, modelKept, type ZoneModel } from '../config/model.js';
import { RRsetCollector, synthesizeBase, synthesizeRecords, checkZone } from '../synth/index.js';
import { synthesizeIntent } from '../synth/mail/index.js';
import { buildReverseZones, fromKeys, readsHostsOf } from '../synth/reverse/index.js';
import { applyIgnores, unknownIgnores, type LintZone, type Silenced } from '../lint/index.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import type { Name } from '../util/name.js';
import { isSubdomain, nameKey, nameToText } from '../util/name.js';
import { type Problem, problem, sortProblems } from '../util/problem.js';
import { Catalog, Zone } from '../zone/zone.js';
import { contentDigest, withSerial } from '../zone/serial.js';
import { catalogZone, decideSerial } from './load-serial.js';
import { zoneFiles } from './zone-files.js';
import { reusableCopies, unchangedCopy } from './load-reuse.js';
import { runInSlices, runSteps, type Steps } from '../util/steps.js';
import { lintRound, type Round } from './load-lint.js';
import type { LoadedZone, LoadOptions, LoadResult, Pending } from './load-types.js';

export type { LoadedZone, LoadOptions, LoadResult, ZoneArtifacts } from './load-types.js';

/** How many files a parse pool works ahead of the loader (their parsed data waits in memory meanwhile). */
const PARSE_AHEAD = 32;

const nextTurn = () => new Promise<void>((ok) => setImmediate(ok));

const hasError = (p: { problems: Problem[] }) => p.problems.some((x) => x.severity === 'error');

/** Loads in one go (check, export, diff, the first start). */
export function loadZones(paths: string[], opts: LoadOptions = {}): LoadResult {
  return runSteps(loadSteps(paths, { ...opts, pool: undefined }));
}

/**
 * Loads in slices of about `sliceMs` of work, letting the event loop run
 * between them (a reload: the server goes on answering from the snapshot it
 * has while the next one is built, and swaps it in one reference at the end).
 * The same steps as loadZones, so the two cannot load differently.
 */
export function loadZonesInSlices(paths: string[], opts: LoadOptions = {}, sliceMs = 4): Promise<LoadResult> {
  return runInSlices(loadSteps(paths, opts), sliceMs);
}

/** The load, as a generator: each `yield` marks a point where the caller may pause (after a file, a zone, a lint of one zone). */
function* loadSteps(paths: string[], opts: LoadOptions): Steps<LoadResult> {
  const problems: Problem[] = [];
  const silenced: Silenced[] = [];
  const failed: string[] = [];
  let files: string[] = [];
  for (const p of paths) {
    try { files = files.concat(zoneFiles(p, problems)); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push(problem({ file: p, line: 1, col: 1 }, 'read', code === 'ENOENT' ? `${p}: no such file or directory` : code === 'EACCES' ? `${p}: permission denied` : (e as Error).message));
    }
  }

  // 1. Each file on its own: YAML, model, its own records.
  const models: { file: string; model: ZoneModel; problems: Problem[]; ms: number }[] = [];
  const pending: Pending[] = [];
  const seen = new Map<string, string>();
  const claim = (origin: Name, file: string, mine: Problem[]) => {
    const key = nameKey(origin);
    const other = seen.get(key);
    if (other) mine.push(problem({ file, line: 1, col: 1 }, 'zone-duplicate', `zone ${nameToText(origin)} is also defined in ${other}`, 'one definition per zone'));
    seen.set(key, file);
  };
  /** A file's model and its own records; none for a file that failed or has reverse: entries only. */
  const modelFile = (file: string, read: { source?: YamlSource; problems: Problem[] }, t0: number, claimed = false): Pending | undefined => {
    const mine: Problem[] = [...read.problems];
    const built = read.source ? buildModel(read.source, defaultOrigin(file), file) : undefined;
    if (built) mine.push(...built.problems);
    const model = built?.model;
    if (!model) { problems.push(...mine); failed.push(file); return undefined; }
    const parsed = performance.now() - t0;
    models.push({ file, model, problems: mine, ms: parsed });
    if (!model.forward) { problems.push(...mine); return undefined; }
    if (!claimed) claim(model.origin, file, mine);
    const collector = new RRsetCollector(model.origin, mine);
    synthesizeBase(model, collector);
    synthesizeRecords(model, collector);
    const artifacts = synthesizeIntent(model, collector);
    const p: Pending = { file, origin: model.origin, model, collector, artifacts, problems: mine, synthesizers: [], reverse: false, ms: performance.now() - t0 };
    // A zone that adds to no other and has no reverse: entries is finished
    // now, while its records are young (most zones of a large set): its
    // checks, serial and trie cannot change unless another file turns out
    // to add to it or read it, and then it is made again (remake).
    if (!claimed && !model.reverse?.length && !collector.foreign.length && !mine.some((x) => x.rule === 'zone-duplicate')) finishEarly(p);
    // Where its nodes are is much of a file's memory: a file whose reverse: entries are still to be built keeps it until then.
    if (!model.reverse?.length) model.release();
    return p;
  };
  /** Its RRsets and their structural checks (step 4). */
  const checked = (p: Pending): RRset[] => {
    const t0 = performance.now();
    const rrsets = p.collector.rrsets();
    p.silenced = [];
    p.problems.push(...applyIgnores(p.model, checkZone(p.origin, rrsets), p.silenced));
    p.ms += performance.now() - t0;
    return rrsets;
  };
  /** Its serial, from the digest of its content (step 6a): its SOA in `rrsets` takes it. */
  const serialized = (p: Pending, rrsets: RRset[]) => {
    const soaAt = rrsets.findIndex((rs) => rs.type === TYPE.SOA);
    if (soaAt < 0) return;
    const t0 = performance.now();
    const digest = contentDigest(rrsets, p.synthesizers.map((s) => s.fingerprint));
    p.ms += performance.now() - t0;
    const serial = decideSerial(p.origin, digest, p.model.soa, opts, now, p.problems);
    rrsets[soaAt] = withSerial(rrsets[soaAt]!, serial);
    p.serial = serial;
    p.digest = digest;
  };
  const now = opts.now ?? new Date();
  /** Steps 4, 6a and the trie of a zone tied to no other, done as its file is read. */
  const finishEarly = (p: Pending) => {
    const rrsets = checked(p);
    serialized(p, rrsets);
    const t0 = performance.now();
    const r = Zone.build(p.origin, rrsets, p.synthesizers, { transfer: p.model.transfer });
    p.early = { rrsets, ...('zone' in r ? { zone: r.zone } : {}), buildMs: performance.now() - t0 };
  };
  // On reload, a zone no other file reads or adds to, whose file and key files read as they did, is
  // served as it was (load-reuse.ts) until another file turns out to need it: then it is made again
  // from the same text, where it stands in the order.
  const copies = reusableCopies(opts.previous?.zones ?? []);
  const reuse: (LoadedZone | null | undefined)[] = [];
  const reuseOf = (j: number) => (reuse[j] === undefined ? (reuse[j] = unchangedCopy(copies, files[j]!) ?? null) : reuse[j]);
  const remake = (p: Pending) => {
    if (!p.reused && !p.early) return;
    // A zone finished early is in `models` already: its model is replaced.
    const listed = p.early ? models.findIndex((m) => m.model === p.model) : -1;
    if (listed >= 0) models.splice(listed, 1);
    const again = modelFile(p.file, parseYaml(p.model.text, p.file), performance.now(), true);
    if (!again) return;
    // What claiming the zone found (a second definition) stands: the zone was claimed in its place in the order.
    again.problems.push(...p.problems.filter((x) => x.rule === 'zone-duplicate'));
    Object.assign(p, again, { reused: undefined, early: undefined });
  };
  // With a parse pool the next files are parsed on a worker while this thread models the ones before.
  const ahead: (Promise<Parsed> | undefined)[] = [];
  const ready = new Set<number>();
  // Without a worker, read() parses here at once: then only the file needed now.
  const window = opts.pool?.threaded ? PARSE_AHEAD : 1;
  /** Asks the pool for the files from `i` on that it has not been asked for, up to the window. */
  const askAhead = (pool: ParsePool, i: number) => {
    for (let j = i; j < Math.min(files.length, i + window); j++) {
      if (ahead[j] || reuseOf(j)) continue;
      ahead[j] = pool.read(files[j]!);
      void ahead[j]!.then(() => ready.add(j));
    }
  };
  // The schema's one-time compile belongs to the load, not to the zone whose file happens to be read first.
  // A worker is handed its first files before it, and parses them while this thread compiles.
  if (files.length) {
    if (opts.pool?.threaded) askAhead(opts.pool, 0);
    zoneValidator();
  }
  for (const [i, file] of files.entries()) {
    const copy = reuseOf(i);
    if (copy) {
      const mine = [...copy.reusable!.problems];
      claim(copy.model.origin, file, mine);
      pending.push({
        file, origin: copy.model.origin, model: copy.model, collector: new RRsetCollector(copy.model.origin, mine), artifacts: copy.artifacts,
        problems: mine, synthesizers: [], reverse: false, ms: copy.millis, serial: copy.serial, digest: copy.digest, reused: copy,
      });
      continue;
    }
    let read: { source?: YamlSource; problems: Problem[] } | undefined;
    if (opts.pool) {
      askAhead(opts.pool, i);
      // Rather than wait for a worker, parse the next file no worker has; a turn of the event loop between lets their answers in.
      while (opts.parseHere && !ready.has(i) && opts.pool.parseHere()) yield nextTurn();
      read = sourced(((yield ahead[i]!) as Parsed)());
      ahead[i] = undefined;
      ready.delete(i);
    }
    const t0 = performance.now();
    const made = modelFile(file, read ?? readYaml(file), t0);
    if (made) pending.push(made);
    yield;
  }

  // 2. Records a zone asks another zone to publish (DMARC report authorization)
  //    go to the closest enclosing zone we load; none is an error-free no-op.
  const closest = (name: Name) => {
    let target: Pending | undefined;
    for (const q of pending) {
      if (isSubdomain(name, q.origin) && (!target || q.origin.length > target.origin.length)) target = q;
    }
    return target;
  };
  /** Zones tied to others (they add to one, or another reads or adds to them): never reused by the next reload. */
  const tied = new Set<Pending>();
  const need = (p: Pending) => { tied.add(p); remake(p); };
  for (const p of pending) {
    if (p.collector.foreign.length) tied.add(p);
    for (const f of p.collector.foreign) {
      const target = closest(f.owner);
      if (!target) continue;
      need(target);
      target.collector.add(f.owner, f.type, f.ttl, [f.rdata], f.source, false);
    }
    if (p.collector.foreign.length) yield;
  }
  // The zones whose hosts reverse: entries make PTRs from.
  for (const m of models) {
    for (const e of m.model.reverse ?? []) {
      if (!e) continue;
      const keys = fromKeys(e);
      for (const p of pending) if (readsHostsOf(m.model, keys, p.model)) need(p);
    }
  }

  // 3. Reverse zones, from every file's reverse: entries and the forward hosts.
  const forwardModels = pending.map((p) => p.model);
  for (const m of models) {
    if (!m.model.reverse?.length) continue;
    const t0 = performance.now();
    const built = buildReverseZones(m.model, forwardModels);
    const ms = m.ms + performance.now() - t0;
    problems.push(...built.unbuilt);
    if (built.unbuilt.some((x) => x.severity === 'error') && !failed.includes(m.file)) failed.push(m.file);
    for (const z of built.zones) {
      // Problems of the entry belong to this reverse zone alone.
      const zp: Problem[] = m.model.forward ? z.problems : [...m.problems, ...z.problems];
      claim(z.origin, m.file, zp);
      pending.push({
        file: m.file, origin: z.origin, model: m.model, collector: z.collector, artifacts: { isp: z.isp }, problems: zp,
        synthesizers: z.synthesizers, reverse: true, reverseInfo: { net: z.net, classless: z.classless, forward: z.forward }, ms,
      });
    }
    m.model.release();
    yield;
  }
  // The zones that hold the forward side of generic names.
  for (const p of pending) {
    const f = p.reverseInfo?.forward;
    const target = f && closest(f.suffix);
    if (target) need(target);
  }

  // From here on a file's hosts and records are RRsets: the models keep what the lint reads.
  const slim = new Map(models.map((m) => [m.model, modelKept(m.model)]));
  for (const m of models) m.model = slim.get(m.model)!;
  for (const p of pending) p.model = slim.get(p.model) ?? p.model;

  // 4. The structural checks of each zone's records.
  const rrsetsOf: RRset[][] = [];
  for (const p of pending) {
    // A reused zone's RRsets are in its trie already: nothing to check again, nothing to build.
    if (p.reused) { rrsetsOf.push([]); p.silenced = [...p.reused.reusable!.silenced]; silenced.push(...p.silenced); continue; }
    if (p.early) { rrsetsOf.push(p.early.rrsets); silenced.push(...p.silenced!); continue; }
    rrsetsOf.push(checked(p));
    silenced.push(...p.silenced!);
    yield;
  }
  // A lint.ignore entry for a rule that does not exist silences nothing: say so, once per file.
  const STRUCTURAL = new Set(['cname-apex', 'cname-exclusive', 'cname-single', 'occluded', 'dname', 'shadowed']);
  const seenModels = new Set<ZoneModel>();
  for (const p of pending) {
    if (p.reused || seenModels.has(p.model)) continue;
    seenModels.add(p.model);
    p.problems.push(...unknownIgnores(p.model, STRUCTURAL));
  }

  // 5. The forward side of generic names exists only where their reverse zone loads: else they could never confirm.
  const attached = new Map<Pending, Pending[]>();
  for (const p of pending) {
    const f = p.reverseInfo?.forward;
    if (!f || hasError(p)) continue;
    const target = closest(f.suffix);
    if (target) { target.synthesizers.push(f.synth); attached.set(target, [...(attached.get(target) ?? []), p]); }
    else p.problems.push(problem(f.at, 'reverse-generic', `generic names under ${nameToText(f.suffix)} need a zone we serve for their forward side`, 'load the zone of the generic names, or set forward: false'));
  }

  // 6a. Serials: decided here, before any trie is built, so every verb (check,
  //     export, diff, serve) and the lint see the one serial serve publishes.
  for (const [i, p] of pending.entries()) {
    if (p.reused || p.early) continue;
    serialized(p, rrsetsOf[i]!);
    yield;
  }

  // 6. The snapshot: every zone's trie. A zone that cannot be built is a finding with its zone and file.
  const before = new Map(pending.map((p) => [p, [...p.problems]]));
  const built = new Map<Pending, Zone>();
  /** Each zone's last trie build (a later round rebuilds it; the last one is served). */
  const buildMs = new Map<Pending, number>();
  const build = (p: Pending, i: number): Problem[] => {
    // A second definition of a zone is left out, so every question has one answer: the first definition's.
    if (p.problems.some((x) => x.rule === 'zone-duplicate')) return [];
    if (p.reused) { built.set(p, p.reused.zone); buildMs.set(p, 0); return []; }
    if (p.early?.zone) { built.set(p, p.early.zone); buildMs.set(p, p.early.buildMs); return []; }
    const t0 = performance.now();
    const r = Zone.build(p.origin, rrsetsOf[i]!, p.synthesizers, { transfer: p.model.transfer });
    buildMs.set(p, performance.now() - t0);
    if ('zone' in r) { built.set(p, r.zone); return []; }
    // A zone without an SOA because its soa: had an error is explained by that error.
    if (hasError(p) && !rrsetsOf[i]!.some((rs) => rs.type === TYPE.SOA)) return [];
    return [problem({ file: p.file, line: 1, col: 1 }, 'zone-build', `zone ${nameToText(p.origin)} cannot be built: ${r.error}`, 'this is a bug in mailns: please report it with the zone file')];
  };

  // 7. The lint, over that snapshot and through the server's lookup: every
  //    zone that could be built is in it, so checks that follow names across
  //    zones (SPF includes, FCrDNS) still report on zones that will not be served.
  const lintZoneOf = (p: Pending): LintZone => ({ origin: p.origin, zone: built.get(p)!, model: p.model, reverse: p.reverse, mtaStsPolicy: p.artifacts.mtaStsPolicy });
  const failedFiles = () => new Set([...failed, ...pending.filter(hasError).map((p) => p.file)]);
  // On reload a file is one unit: when any zone from it fails, none of its
  // zones is served from the new file and they all keep their last good copy
  // (a forward zone and its reverse: entries must be of one generation, or a
  // PTR names a host whose address moved). At a first start (and in check)
  // there is no other generation to mix with: each zone that loads is served.
  const servable = (gone: Set<string>) => (p: Pending) => built.has(p) && !hasError(p) && !(opts.previous && gone.has(p.file));

  // 8. A reverse zone that the lint fails takes the forward side of its generic
  //    names with it; the zones that lose it are built and linted again, so
  //    what is certified is what is served (a few rounds at most: each one
  //    only removes synthesizers).
  let round: Round<Pending>;
  let kept: LoadedZone[] = [];
  for (let n = 0; ; n++) {
    built.clear();
    for (const [i, p] of pending.entries()) {
      p.problems = [...before.get(p)!, ...build(p, i)];
      yield;
    }
    round = yield* lintRound(pending, opts.observe, pending.filter((p) => built.has(p)).map((p) => ({ p, lz: lintZoneOf(p) })));
    for (const p of pending) p.problems.push(...round.found.get(p)!);
    // On reload, the zones that fail keep serving their last good copy: the
    // fresh zones are certified again over exactly the set that will be
    // served, and one that now fails (it counted on the new copy of a zone
    // that keeps its old one) keeps its own last good copy too.
    if (opts.previous) {
      for (let k = 0; k <= pending.length; k++) {
        const gone = failedFiles();
        const fresh = pending.filter(servable(gone));
        const freshKeys = new Set(fresh.map((p) => nameKey(p.origin)));
        kept = opts.previous.zones.filter((z) => gone.has(z.file) && !freshKeys.has(nameKey(z.zone.origin)));
        const b = yield* lintRound(pending, opts.observe, [
          ...fresh.map((p) => ({ p, lz: lintZoneOf(p) })),
          ...kept.map((z) => ({ lz: { origin: z.zone.origin, zone: z.zone, model: z.model, reverse: z.reverse, mtaStsPolicy: z.artifacts.mtaStsPolicy } })),
        ]);
        for (const p of fresh) p.problems = [...before.get(p)!, ...b.found.get(p)!];
        if (!fresh.some(hasError)) break;
      }
    }
    let changed = false;
    const served = servable(failedFiles());
    for (const [target, from] of attached) {
      const gone = from.filter((r) => !served(r) && target.synthesizers.includes(r.reverseInfo!.forward!.synth));
      if (!gone.length) continue;
      target.synthesizers = target.synthesizers.filter((s) => !gone.some((r) => r.reverseInfo!.forward!.synth === s));
      changed = true;
    }
    if (!changed || n === pending.length) break;
  }
  silenced.push(...round.silenced);
  problems.push(...round.unowned);

  // 9. Only zones without errors, from files without errors, are served.
  const zones: LoadedZone[] = [];
  const served = servable(failedFiles());
  for (const p of pending) {
    const zone = built.get(p);
    if (!zone || !served(p)) continue;
    const alone = !p.reverse && !p.model.reverse?.length && !tied.has(p);
    zones.push({
      zone, model: p.model, file: p.file, millis: p.ms + (buildMs.get(p) ?? 0), artifacts: p.artifacts, reverse: p.reverse, serial: p.serial!, digest: p.digest!,
      ...(alone ? { reusable: { problems: before.get(p)!, silenced: p.silenced ?? [] } } : {}),
    });
  }
  yield;
  const listed = new Set(problems);
  for (const p of pending) {
    for (const x of p.problems) if (!listed.has(x)) { listed.add(x); problems.push(x); }
    if (hasError(p) && !failed.includes(p.file)) failed.push(p.file);
  }
  if (opts.catalogZone) {
    const made = catalogZone(opts.catalogZone, [...zones, ...kept], pending.map((p) => p.origin), opts, now);
    if ('zone' in made) zones.push(made.zone); else problems.push(made.problem);
  }
  yield;
  const catalog = new Catalog([...zones, ...kept].map((z) => z.zone));
  // Every position a finding needs has been asked for: the parsed YAML can go (a kept zone's lint parses again if it must).
  for (const m of models) m.model.release();
  for (const z of [...zones, ...kept]) z.model.release();
  yield;
  const order = new Map(sortProblems(silenced.map((x) => x.problem)).map((x, i) => [x, i]));
  return { catalog, zones, kept, problems: sortProblems(problems), failed, silenced: silenced.sort((a, b) => order.get(a.problem)! - order.get(b.problem)!) };
}
