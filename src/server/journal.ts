/**
 * The IXFR journal (RFC 1995): for each zone, the changes between the
 * serials it was published with, so that a secondary holding an older copy
 * is sent only what changed. Held in memory to answer, and in the state
 * directory to survive a restart: one file per zone, `ixfr/ZONE.ixfr.json`,
 * written atomically (as serials.json) each time a change is recorded.
 * Bounded per zone in size and in age; the oldest changes go first.
 *
 * A journal is good only for the copy it ends at. At start, and when a zone
 * comes back, it is used only if its last serial and content digest are
 * those of the zone served; otherwise it is dropped (logged at info). A
 * change is recorded from the two snapshots' published records (what AXFR
 * sends, src/zone/diff.ts), never from the YAML.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runInSlices, type Steps } from '../util/steps.js';
import { nameKey, nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { wireOf, type RdataPart } from '../wire/rdata.js';
import { makeRRset } from '../wire/rrset.js';
import { recordChangeSteps, type RR } from '../zone/diff.js';
import { serialGreater, serialOf } from '../zone/serial.js';
import type { Zone } from '../zone/zone.js';
import type { JournalLookup, ZoneChange } from '../query/ixfr.js';
import type { LoadedZone } from './load.js';
import { writeAtomically } from './state.js';

export interface JournalLimits {
  /** Most octets of one zone's journal file (0: no journal); beyond, the oldest changes are dropped. */
  maxBytes: number;
  /** Changes recorded longer ago than this (ms) are dropped whenever the zone's journal is read or written. */
  maxAgeMs: number;
}

/** 4 MiB and 7 days a zone: a few thousand small edits, and a secondary a week behind still transfers incrementally. */
export const DEFAULT_JOURNAL_LIMITS: JournalLimits = { maxBytes: 4 * 1024 * 1024, maxAgeMs: 7 * 86_400_000 };

const SUBDIR = 'ixfr';
const VERSION = 1;

/** A record in the file: owner labels, type, class, TTL, RDATA parts (octets as hex, names as labels, so they compress again). */
type StoredRR = [owner: string[], type: number, klass: number, ttl: number, rdata: (string | string[])[]];
interface StoredChange { at: number; from: StoredRR; to: StoredRR; removed: StoredRR[]; added: StoredRR[] }

/** A change as kept: when it was recorded, and its text in the file (made once). */
interface Kept { change: ZoneChange; at: number; text: string }
/** One zone's journal (`zone` in presentation form): it ends at `serial`, with content `digest`. */
interface ZoneJournal { zone: string; serial: number; digest: string; changes: Kept[] }

const store = ({ rrset, rdata }: RR): StoredRR =>
  [[...rrset.owner], rrset.type, rrset.klass, rrset.ttl, rdata.parts.map((p) => (Buffer.isBuffer(p) ? p.toString('hex') : [...p.name]))];

function restore(s: unknown): RR {
  if (!Array.isArray(s) || s.length !== 5) throw new Error('a record is not [owner, type, class, ttl, rdata]');
  const [owner, type, klass, ttl, parts] = s as unknown[];
  const labels = (v: unknown) => Array.isArray(v) && v.every((l) => typeof l === 'string') ? v as string[] : undefined;
  const u = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (!labels(owner) || !u(type, 65535) || !u(klass, 65535) || !u(ttl, 2 ** 32 - 1) || !Array.isArray(parts)) throw new Error('a record with a field of the wrong kind');
  const rd: RdataPart[] = parts.map((p: unknown) => {
    if (typeof p === 'string' && /^(?:[0-9a-f]{2})*$/.test(p)) return Buffer.from(p, 'hex');
    const name = labels(p);
    if (!name) throw new Error('RDATA that is neither octets nor a name');
    return { name };
  });
  const rrset = makeRRset(owner as string[], type as number, klass as number, ttl as number, [{ parts: rd, wire: wireOf(rd) }]);
  return { rrset, rdata: rrset.rdatas[0]! };
}

const soaOf = (zone: Zone): RR => ({ rrset: zone.soa, rdata: zone.soa.rdatas[0]! });
const serialAt = (rr: RR) => serialOf(rr.rrset);
/** The file of a zone: its name in presentation form, escaped for a file name (no `/`). */
const fileOf = (zone: string) => `${encodeURIComponent(zone)}ixfr.json`;

export class Journals {
  private readonly zones = new Map<string, ZoneJournal>();
  private readonly dir: string;

  constructor(stateDir: string, private readonly limits: JournalLimits, private readonly log: Logger, private readonly now: () => number = Date.now) {
    this.dir = join(stateDir, SUBDIR);
  }

  /** For the responder: a zone's changes, oldest first, the last ending at the serial the journal was recorded up to. */
  readonly lookup: JournalLookup = (zone) => this.zones.get(nameKey(zone.origin))?.changes.map((k) => k.change);

  /** At start: each served zone's journal from the state directory, kept only where it ends at the copy served. */
  started(zones: readonly LoadedZone[]): void {
    for (const z of zones) {
      const text = nameToText(z.zone.origin);
      const j = this.read(z, text);
      if (!j) continue;
      this.zones.set(nameKey(z.zone.origin), j);
      if (this.trim(j)) this.write(j);
      if (j.changes.length) this.log.info({ zone: text, changes: j.changes.length, from: serialAt(j.changes[0]!.change.oldSoa), serial: j.serial }, 'IXFR journal loaded');
    }
  }

  /**
   * After a load: for each zone whose serial moved, the change from the copy
   * served until then; a zone new to this load keeps the journal it had only
   * if that ends at its copy; a zone retired loses its journal. Run in slices once the new zones are served
   * (a change of a large zone takes a while to compare): until its change is
   * recorded, the journal of a zone ends before the serial served, and an
   * IXFR request gets the whole zone (src/query/ixfr.ts).
   */
  loaded(before: readonly LoadedZone[], now: readonly LoadedZone[]): Promise<void> {
    return runInSlices(this.loadedSteps(before, now));
  }

  private *loadedSteps(before: readonly LoadedZone[], now: readonly LoadedZone[]): Steps<void> {
    const old = new Map(before.map((z) => [nameKey(z.zone.origin), z]));
    for (const z of now) {
      const was = old.get(nameKey(z.zone.origin));
      if (was && (was.zone === z.zone || (was.serial === z.serial && was.digest === z.digest))) continue;
      try {
        yield* this.record(was, z);
      } catch (err) {
        // Nothing a journal does may stop a reload: without it, IXFR answers with the whole zone.
        this.zones.delete(nameKey(z.zone.origin));
        this.log.warn({ zone: nameToText(z.zone.origin), err }, 'IXFR journal dropped: recording the change failed');
      }
      yield;
    }
    // A retired zone (no file defines it any more) takes its journal with it: the state directory
    // does not keep the changes of every zone ever served.
    const served = new Set(now.map((z) => nameKey(z.zone.origin)));
    for (const [key, z] of old) if (!served.has(key) && this.zones.has(key)) this.drop(key, nameToText(z.zone.origin), 'the zone is retired');
  }

  private *record(was: LoadedZone | undefined, z: LoadedZone): Steps<void> {
    const key = nameKey(z.zone.origin);
    const text = nameToText(z.zone.origin);
    const j = this.zones.get(key);
    if (!was) {
      // A zone back after being retired: its journal ends at the copy it had then, which this may not be.
      if (j && (j.serial !== z.serial || j.digest !== z.digest)) this.drop(key, text, 'it ends at another copy of the zone');
      return;
    }
    if (z.zone.unpublishable().length || was.zone.unpublishable().length) {
      if (j) this.drop(key, text, 'the zone cannot be transferred');
      return;
    }
    if (!serialGreater(z.serial, was.serial)) {
      // RFC 1982: a secondary would not take this copy as newer; no change leads to it.
      if (j) this.drop(key, text, `serial ${z.serial} is not greater than ${was.serial}`);
      return;
    }
    const t0 = performance.now();
    const base: ZoneJournal = j && j.serial === was.serial && j.digest === was.digest ? j : { zone: text, serial: was.serial, digest: was.digest, changes: [] };
    const { removed, added } = yield* recordChangeSteps(was.zone, z.zone);
    // RFC 1995 §4: the SOAs frame each change; the others are deleted and added.
    const plain = (rs: RR[]) => rs.filter((r) => r.rrset.type !== TYPE.SOA).map(({ rrset, rdata }) => ({ rrset, rdata }));
    const change: ZoneChange = { oldSoa: soaOf(was.zone), newSoa: soaOf(z.zone), removed: plain(removed), added: plain(added) };
    const at = this.now();
    const stored: StoredChange = { at, from: store(change.oldSoa), to: store(change.newSoa), removed: change.removed.map(store), added: change.added.map(store) };
    const next: ZoneJournal = { zone: text, serial: z.serial, digest: z.digest, changes: [...base.changes, { change, at, text: JSON.stringify(stored) }] };
    this.trim(next);
    this.zones.set(key, next);
    this.log.debug({ zone: text, from: was.serial, to: z.serial, removed: change.removed.length, added: change.added.length, changes: next.changes.length, ms: Math.round(performance.now() - t0) }, 'IXFR journal: change recorded');
    this.write(next);
  }

  /** Drops the changes older than the age limit, then the oldest until the file fits the size limit; true when any went. */
  private trim(j: ZoneJournal): boolean {
    const n = j.changes.length;
    const oldest = this.now() - this.limits.maxAgeMs;
    while (j.changes.length && j.changes[0]!.at < oldest) j.changes.shift();
    let bytes = Buffer.byteLength(fileText(j));
    while (j.changes.length && bytes > this.limits.maxBytes) bytes -= Buffer.byteLength(j.changes.shift()!.text) + 2;
    return j.changes.length !== n;
  }

  /** The journal on disk; an empty one is no file. A directory we cannot write leaves the journal in memory only. */
  private write(j: ZoneJournal): void {
    try {
      if (j.changes.length) writeAtomically(this.dir, fileOf(j.zone), fileText(j));
      else rmSync(join(this.dir, fileOf(j.zone)), { force: true });
    } catch (err) {
      this.log.warn({ zone: j.zone, dir: this.dir, err: (err as Error).message }, 'IXFR journal not written: kept in memory only, so after a restart the zone is transferred whole');
    }
  }

  private drop(key: string, zone: string, why: string): void {
    this.zones.delete(key);
    this.log.info({ zone }, `IXFR journal dropped: ${why}`);
    this.write({ zone, serial: 0, digest: '', changes: [] });
  }

  /** The journal of `z` on disk, if it is whole and ends at the copy served. */
  private read(z: LoadedZone, zone: string): ZoneJournal | undefined {
    const path = join(this.dir, fileOf(zone));
    let raw: string;
    try { raw = readFileSync(path, 'utf8'); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.log.warn({ zone, path, err: (e as Error).message }, 'IXFR journal not read');
      return undefined;
    }
    try {
      const data = JSON.parse(raw) as { version?: unknown; zone?: unknown; serial?: unknown; digest?: unknown; changes?: unknown };
      if (data.version !== VERSION || data.zone !== zone || !Array.isArray(data.changes)) throw new Error(`not a version ${VERSION} journal of ${zone}`);
      if (data.serial !== z.serial || data.digest !== z.digest) {
        this.drop(nameKey(z.zone.origin), zone, `it ends at serial ${String(data.serial)}${data.serial === z.serial ? ' with other content' : ''}, and serial ${z.serial} is served`);
        return undefined;
      }
      const changes = (data.changes as StoredChange[]).map((c): Kept => {
        if (typeof c?.at !== 'number' || !Array.isArray(c.removed) || !Array.isArray(c.added)) throw new Error('a change without its time or records');
        const change: ZoneChange = { oldSoa: restore(c.from), newSoa: restore(c.to), removed: c.removed.map(restore), added: c.added.map(restore) };
        return { change, at: c.at, text: JSON.stringify(c) };
      });
      // Each change starts where the one before ended, and the last at the copy served.
      changes.forEach((k, i) => {
        const to = i + 1 < changes.length ? serialAt(changes[i + 1]!.change.oldSoa) : z.serial;
        if (serialAt(k.change.newSoa) !== to) throw new Error(`the changes do not follow each other up to serial ${z.serial}`);
      });
      return { zone, serial: z.serial, digest: z.digest, changes };
    } catch (e) {
      this.log.warn({ zone, path, err: (e as Error).message }, 'IXFR journal dropped: the file cannot be used');
      this.write({ zone, serial: 0, digest: '', changes: [] });
      return undefined;
    }
  }
}

function fileText(j: ZoneJournal): string {
  return `{"version":${VERSION},"zone":${JSON.stringify(j.zone)},"serial":${j.serial},"digest":${JSON.stringify(j.digest)},"changes":[\n${j.changes.map((k) => k.text).join(',\n')}\n]}\n`;
}
