/**
 * SOA serials that move exactly when a zone's published content does: a
 * digest of the zone's RRsets in canonical form (the serial itself left
 * out), the serial arithmetic of RFC 1982, and the next serial in the
 * YYYYMMDDnn form. Pure functions: where the last serial is kept is the
 * server's business (src/server/state.ts).
 */
import { hash } from 'node:crypto';
import { foldOctet, wireLength } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import { compareLabels } from './zone.js';

const SPACE = 2 ** 32;

/** RFC 1982 §3.2 with SERIAL_BITS 32: is `a` greater than `b`? (Undefined pairs, exactly 2^31 apart, are not greater.) */
export function serialGreater(a: number, b: number): boolean {
  return (a < b && b - a > 2 ** 31) || (a > b && a - b < 2 ** 31);
}

/** RFC 1982 §3.1: addition modulo 2^32. */
export function serialAdd(a: number, n: number): number {
  return (a + n) % SPACE;
}

/** Today (UTC) as YYYYMMDD00. */
export function dateSerial(now: Date): number {
  return (now.getUTCFullYear() * 10000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate()) * 100;
}

/**
 * The serial after `last` for changed content: today's YYYYMMDD00 when that is
 * greater than last + 1 (RFC 1982), else last + 1, so it never goes back and
 * a zone changed many times a day still moves (…99 runs into tomorrow's
 * numbers, as BIND's and Knot's dateserial do). With no last serial, today's.
 */
export function nextSerial(last: number | undefined, now: Date): number {
  const today = dateSerial(now);
  if (last === undefined) return today;
  const plus = serialAdd(last, 1);
  return serialGreater(today, plus) ? today : plus;
}

// SOA RDATA ends with five 32-bit fields (RFC 1035 §3.3.13): serial, refresh, retry, expire, minimum.
const SERIAL_FROM_END = 20;

/** The SOA RRset with its serial replaced (the RDATA copied; everything else shared). */
export function withSerial(soa: RRset, serial: number): RRset {
  const rd = soa.rdatas[0]!;
  const wire = Buffer.from(rd.wire);
  wire.writeUInt32BE(serial, wire.length - SERIAL_FROM_END);
  // The SOA codec makes the five timers one trailing part of their own (src/wire/rdata.ts): replace it.
  const last = rd.parts[rd.parts.length - 1];
  if (!Buffer.isBuffer(last) || last.length !== SERIAL_FROM_END) throw new Error('SOA RDATA without its 20-octet timer part');
  const parts = [...rd.parts.slice(0, -1), wire.subarray(wire.length - SERIAL_FROM_END)];
  return { ...soa, rdatas: [{ ...rd, wire, parts }] };
}

export function serialOf(soa: RRset): number {
  const wire = soa.rdatas[0]!.wire;
  return wire.readUInt32BE(wire.length - SERIAL_FROM_END);
}

/** Canonical owner order (RFC 4034 §6.1): label by label from the root, lower-cased octets. */
function compareOwners(a: readonly string[], b: readonly string[]): number {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const c = compareLabels(a[a.length - i]!, b[b.length - i]!);
    if (c) return c;
  }
  return a.length - b.length;
}

/**
 * SHA-256 over the RRsets as published, in canonical order (RFC 4034 §6:
 * owners as §6.1 orders them, then type, then each RRset's RDATA sorted as
 * octet strings, §6.3), each record as owner, type, class, TTL and RDATA in
 * wire form, the SOA's serial zeroed. Equal digests, equal answers from
 * stored data: comments, key order, a touched file change nothing; a rotated
 * key file changes its TXT and so the digest. Names made on query (generic
 * reverse names) are not RRsets here, but a transfer lists them: what they
 * are made from (`fingerprints`: network, template, TTL) is digested too.
 */
export function contentDigest(rrsets: readonly RRset[], fingerprints: readonly string[] = []): string {
  const sorted = [...rrsets].sort((x, y) => compareOwners(x.owner, y.owner) || x.type - y.type);
  const generic = [...fingerprints].sort().map((f) => Buffer.from(`\0generic\0${f}`));
  // The whole stream is written into one buffer and hashed at once: one update per field was most of the cost for a large zone.
  let size = 0;
  for (const rs of sorted) {
    const owner = wireLength(rs.owner);
    for (const r of rs.rdatas) size += owner + 10 + r.wire.length;
  }
  for (const g of generic) size += g.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const rs of sorted) {
    const wires = rs.type === TYPE.SOA ? rs.rdatas.map((r) => {
      const w = Buffer.from(r.wire);
      w.writeUInt32BE(0, w.length - SERIAL_FROM_END);
      return w;
    }) : rs.rdatas.map((r) => r.wire);
    if (wires.length > 1) wires.sort(Buffer.compare);
    // The owner is written once, lower-cased, and copied for the RRset's other records.
    const ownerAt = o;
    let ownerEnd = -1;
    for (const w of wires) {
      if (ownerEnd < 0) { o = writeLowerName(out, o, rs.owner); ownerEnd = o; } else o += out.copy(out, o, ownerAt, ownerEnd);
      o = out.writeUInt16BE(rs.type, o);
      o = out.writeUInt16BE(rs.klass, o);
      o = out.writeUInt32BE(rs.ttl, o);
      o = out.writeUInt16BE(w.length, o);
      o += w.copy(out, o);
    }
  }
  for (const g of generic) o += g.copy(out, o);
  return hash('sha256', out, 'hex');
}

/** `name` in wire form at `o`, ASCII letters lower-cased (RFC 4034 §6.2); the offset after it. */
function writeLowerName(out: Buffer, o: number, name: readonly string[]): number {
  for (const l of name) {
    out[o++] = l.length;
    for (let i = 0; i < l.length; i++) {
      out[o++] = foldOctet(l.charCodeAt(i));
    }
  }
  out[o++] = 0;
  return o;
}
