/**
 * What would change in the published records between two snapshots, zone by
 * zone. Records compare at the RR level (owner, type, TTL, RDATA), the unit a
 * zone transfer carries (RFC 1995 §4 lists an incremental transfer as records
 * deleted and records added): a TTL change is one record removed and one
 * added. Pure: loading the two sides is the CLI's.
 *
 * The SOA serial is not compared: it is a consequence of a change, not one
 * (with `serial: auto` it moves exactly when the rest does; a written serial
 * may be bumped with nothing else changed). A changed zone whose SOA
 * differs only in its serial carries the two serials (`serial`), a zone that
 * differs in nothing else is listed in `serialOnly`; a change to any other SOA
 * field shows the whole SOA, both serials included.
 */
import { nameKey, nameToText, type Name } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { Rdata } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { recordLine } from './export.js';
import { compareLabels, type Zone } from './zone.js';
import { serialOf } from './serial.js';
import { runSteps, type Steps } from '../util/steps.js';

/** One published record: its RRset (owner, type, class, TTL) and one RDATA of it. */
export interface RR {
  rrset: RRset;
  rdata: Rdata;
}

/** A record and its identity for the comparison. */
export interface Rec extends RR {
  owner: Name;
  type: number;
  ttl: number;
  wire: Buffer;
  key: string;
}

export interface DiffLine {
  op: '-' | '+';
  /** The record as `export` prints it. */
  record: string;
}

export interface ZoneDiff {
  zone: string;
  /** added / removed: the zone is on one side only. */
  status: 'changed' | 'added' | 'removed';
  added: number;
  removed: number;
  /** Canonical order: owner (RFC 4034 §6.1), type, removals before additions, RDATA (§6.3), TTL. */
  lines: DiffLine[];
  /** A changed zone whose SOA differs only in its serial: the two serials, for the header. */
  serial?: { old: number; new: number };
}

export interface SerialOnly {
  zone: string;
  old: number;
  new: number;
}

export interface SnapshotDiff {
  /** The zones with a change, in canonical order of their names. */
  zones: ZoneDiff[];
  unchanged: number;
  /** Zones that differ in their SOA serial and nothing else: counted unchanged. */
  serialOnly: SerialOnly[];
}

/** RFC 4034 §6.1: names compare label by label from the right; a name sorts before the names below it. */
export function compareNames(a: Name, b: Name): number {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const c = compareLabels(a[a.length - i]!, b[b.length - i]!);
    if (c) return c;
  }
  return a.length - b.length;
}

function* records(zone: Zone): Steps<Rec[]> {
  const out: Rec[] = [];
  // What export prints and a transfer sends: generic names included where they can be listed.
  for (const rs of zone.listed()) {
    for (const rd of rs.rdatas) {
      let id = rd.wire;
      if (rs.type === TYPE.SOA) {
        id = Buffer.from(rd.wire);
        id.writeUInt32BE(0, id.length - 20);
      }
      out.push({ rrset: rs, rdata: rd, owner: rs.owner, type: rs.type, ttl: rs.ttl, wire: rd.wire, key: `${nameKey(rs.owner)} ${rs.type} ${rs.ttl} ${id.toString('hex')}` });
      if (out.length % STEP_RECORDS === 0) yield;
    }
  }
  return out;
}

function order(a: { rec: Rec; op: '-' | '+' }, b: { rec: Rec; op: '-' | '+' }): number {
  return compareNames(a.rec.owner, b.rec.owner) || a.rec.type - b.rec.type
    || (a.op === b.op ? 0 : a.op === '-' ? -1 : 1)
    || Buffer.compare(a.rec.wire, b.rec.wire) || a.rec.ttl - b.rec.ttl;
}

function zoneDiff(zone: string, status: ZoneDiff['status'], removed: Rec[], added: Rec[]): ZoneDiff {
  const tagged = [...removed.map((rec) => ({ rec, op: '-' as const })), ...added.map((rec) => ({ rec, op: '+' as const }))].sort(order);
  return { zone, status, added: added.length, removed: removed.length, lines: tagged.map((t) => ({ op: t.op, record: recordLine(t.rec.rrset, t.rec.rdata) })) };
}

const STEP_RECORDS = 2000;

/**
 * The records of `before` that `after` does not have, and those it has that
 * `before` did not, in the order each zone lists them (RFC 1995 §4 carries a
 * zone's change as exactly these two sets). The SOA compares with its serial
 * left out, so it is in them only when another of its fields changed. In
 * steps of a few thousand records: the journal of a reload runs it in
 * slices, diffSnapshots at once.
 */
export function* recordChangeSteps(before: Zone, after: Zone): Steps<{ removed: Rec[]; added: Rec[] }> {
  const ra = yield* records(before), rb = yield* records(after);
  const inA = new Set<string>(), inB = new Set<string>();
  for (let i = 0; i < ra.length; i++) { inA.add(ra[i]!.key); if (i % STEP_RECORDS === 0) yield; }
  for (let i = 0; i < rb.length; i++) { inB.add(rb[i]!.key); if (i % STEP_RECORDS === 0) yield; }
  return { removed: ra.filter((r) => !inB.has(r.key)), added: rb.filter((r) => !inA.has(r.key)) };
}

/** The difference from `before` to `after`, each a set of zones with distinct origins. */
export function diffSnapshots(before: readonly Zone[], after: readonly Zone[]): SnapshotDiff {
  const byKey = (zs: readonly Zone[]) => new Map(zs.map((z) => [nameKey(z.origin), z]));
  const old = byKey(before), now = byKey(after);
  const origins = [...new Map([...before, ...after].map((z) => [nameKey(z.origin), z.origin])).values()].sort(compareNames);
  const zones: ZoneDiff[] = [];
  const serialOnly: SerialOnly[] = [];
  let unchanged = 0;
  for (const origin of origins) {
    const key = nameKey(origin);
    const a = old.get(key), b = now.get(key);
    const text = nameToText(origin);
    if (!a) { zones.push(zoneDiff(text, 'added', [], runSteps(records(b!)))); continue; }
    if (!b) { zones.push(zoneDiff(text, 'removed', runSteps(records(a)), [])); continue; }
    const { removed, added } = runSteps(recordChangeSteps(a, b));
    // RFC 1035 §3.3.13: the serial is the first of the SOA's five trailing fields; the SOA itself is in the changes only when another field moved.
    const soaMoved = added.some((r) => r.type === TYPE.SOA);
    const [sa, sb] = [serialOf(a.soa), serialOf(b.soa)];
    const serial = !soaMoved && sa !== sb ? { old: sa, new: sb } : undefined;
    if (removed.length || added.length) zones.push({ ...zoneDiff(text, 'changed', removed, added), ...(serial ? { serial } : {}) });
    else {
      unchanged++;
      if (serial) serialOnly.push({ zone: text, ...serial });
    }
  }
  return { zones, unchanged, serialOnly };
}
