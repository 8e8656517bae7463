/**
 * An RRset encoded once for every reply that writes it after a question
 * ending in the RRset's owner (a zone's SOA in a negative answer, RFC 2308
 * §3): the owner, and every name in RDATA under it, end in a pointer to
 * where the owner's labels are in the question (RFC 1035 §4.1.4), filled
 * in for each message; names not under it are written whole. Writing it
 * is a copy and a few patches, with no name looked up.
 */
import { type Name, isSubdomain, nameToWire } from '../util/name.js';
import type { RRset } from './rrset.js';

export interface BelowOwner {
  /** The records, each pointer to the owner as 0xc000 (to be patched). */
  bytes: Buffer;
  /** Where in `bytes` the pointers to the owner are. */
  pointers: number[];
  count: number;
}

/** `name`'s labels above `owner` (which it is under) and a pointer placeholder, noting where the placeholder is. */
function relative(name: Name, owner: Name, out: number[][], at: number, pointers: number[]): number {
  let o = at;
  for (let i = 0; i < name.length - owner.length; i++) {
    const l = name[i]!;
    out.push([l.length, ...Array.from(l, (c) => c.charCodeAt(0))]);
    o += l.length + 1;
  }
  pointers.push(o);
  out.push([0xc0, 0x00]);
  return o + 2;
}

export function belowOwner(rs: RRset): BelowOwner {
  const chunks: number[][] = [];
  const pointers: number[] = [];
  let o = 0;
  const push = (b: ArrayLike<number>) => { chunks.push(Array.from(b)); o += b.length; };
  for (const rd of rs.rdatas) {
    o = relative(rs.owner, rs.owner, chunks, o, pointers);
    push([rs.type >> 8, rs.type & 0xff, rs.klass >> 8, rs.klass & 0xff, rs.ttl >>> 24, (rs.ttl >>> 16) & 0xff, (rs.ttl >>> 8) & 0xff, rs.ttl & 0xff]);
    const lenAt = chunks.length;
    push([0, 0]);
    const start = o;
    if (!rs.compress) push(rd.wire);
    else {
      for (const p of rd.parts) {
        if (Buffer.isBuffer(p)) push(p);
        else if (isSubdomain(p.name, rs.owner)) o = relative(p.name, rs.owner, chunks, o, pointers);
        else push(nameToWire(p.name));
      }
    }
    const len = o - start;
    chunks[lenAt] = [len >> 8, len & 0xff];
  }
  return { bytes: Buffer.from(chunks.flat()), pointers, count: rs.rdatas.length };
}
