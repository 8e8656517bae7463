/**
 * Response cache: a reply depends only on the snapshot and on (question
 * name in lower case, type, class, transport, size limit, EDNS, DO), so a
 * reply built once is copied for the next identical question, with the ID,
 * RD/CD and the question's letter case patched in (answer owners point at
 * the question, so they follow). Cleared whole when the snapshot changes.
 *
 * It has to pay for itself under a flood of names asked once each (a
 * random-subdomain attack), where every reply kept is a copy made for
 * nothing and garbage later. So a question is looked up by a hash of its
 * octets, with no string made; a reply is kept only when the same question
 * missed recently (the second ask, a filter of one hash per slot), and
 * then in a fixed table (two ways per set, the older replaced), so nothing
 * is ever cleared in bulk and memory is bounded by the table, not traffic.
 */
import { foldOctet, type Name } from '../util/name.js';
import type { Catalog } from '../zone/zone.js';

/** Sets of two ways each: 8,192 replies at most. */
const SETS = 4096;
/** Replies longer than this are not kept, so the table holds at most 32 MiB (2 × SETS × 4 KiB). */
export const MAX_CACHED_REPLY = 4096;

interface Entry {
  hash: number;
  shape: number;
  /** The question's octets from offset 12: the name lower-cased (RFC 4343), then QTYPE and QCLASS as sent. */
  question: Buffer;
  bytes: Buffer;
  rrlName: Name | undefined;
}

export class ResponseCache {
  private readonly ways: (Entry | undefined)[] = new Array<Entry | undefined>(SETS * 2).fill(undefined);
  /** Per set: the way to replace next (the one not used last). */
  private readonly older = new Uint8Array(SETS);
  /** Per slot of the filter: the hash of the last question that missed there. */
  private readonly missed = new Int32Array(SETS * 4);
  private snapshot: Catalog | undefined;
  /** The hash of the last probe, and whether what it missed may be kept. */
  private hash = 0;
  private admit = false;

  /** The question name's wire length at offset 12 when it is plain labels (no pointer), else 0. */
  static plainNameLength(raw: Buffer): number {
    let o = 12;
    while (o < raw.length) {
      const l = raw[o]!;
      if (l === 0) return o + 1 - 12;
      if (l > 63) return 0;
      o += l + 1;
    }
    return 0;
  }

  /**
   * The octet of the question at `i` as the key holds it: the name's folded
   * (RFC 4343), QTYPE and QCLASS as they are (a QTYPE of 0x4d00 is not one
   * of 0x6d00, though its first octet is an "M").
   */
  private static keyOctet(raw: Buffer, i: number, nameEnd: number): number {
    return i < nameEnd ? foldOctet(raw[i]!) : raw[i]!;
  }

  /** FNV-1a over the question (name folded, QTYPE, QCLASS) and the reply's shape. */
  private static hashOf(raw: Buffer, nameEnd: number, shape: number): number {
    let h = 0x811c9dc5 ^ shape;
    for (let i = 12; i < nameEnd + 4; i++) h = Math.imul(h ^ ResponseCache.keyOctet(raw, i, nameEnd), 0x01000193);
    return (h ^ (h >>> 16)) | 0;
  }

  private static same(e: Entry, hash: number, shape: number, raw: Buffer, nameEnd: number): boolean {
    if (e.hash !== hash || e.shape !== shape || e.question.length !== nameEnd + 4 - 12) return false;
    const q = e.question;
    for (let i = 12; i < nameEnd + 4; i++) if (q[i - 12] !== ResponseCache.keyOctet(raw, i, nameEnd)) return false;
    return true;
  }

  private sync(catalog: Catalog): void {
    if (catalog === this.snapshot) return;
    this.ways.fill(undefined);
    this.missed.fill(0);
    this.snapshot = catalog;
  }

  /**
   * A copy of the reply kept for this question (its name `nameLen` octets
   * at offset 12, then QTYPE and QCLASS) and `shape`, patched for this
   * query, and the name rate limiting counts it under; or undefined, and
   * the next `keep` may store the reply made for it.
   */
  get(catalog: Catalog, raw: Buffer, nameLen: number, shape: number): { bytes: Buffer; rrlName: Name | undefined } | undefined {
    this.sync(catalog);
    const nameEnd = 12 + nameLen;
    const hash = ResponseCache.hashOf(raw, nameEnd, shape);
    const set = hash & (SETS - 1);
    for (let w = 0; w < 2; w++) {
      const e = this.ways[set * 2 + w];
      if (!e || !ResponseCache.same(e, hash, shape, raw, nameEnd)) continue;
      this.older[set] = 1 - w;
      this.admit = false;
      const out = Buffer.from(e.bytes);
      out[0] = raw[0]!; out[1] = raw[1]!;                        // ID
      out[2] = (out[2]! & ~0x01) | (raw[2]! & 0x01);             // RD copied (RFC 1035 §4.1.1)
      out[3] = (out[3]! & ~0x10) | (raw[3]! & 0x10);             // CD copied (RFC 4035 §3.1.6)
      raw.copy(out, 12, 12, 12 + nameLen);                       // the question in the client's case
      return { bytes: out, rrlName: e.rrlName };
    }
    // Kept on the second miss: a name asked once (a random-subdomain flood) costs no copy.
    const f = (hash >>> 12) & (SETS * 4 - 1);
    this.admit = this.missed[f] === hash;
    this.missed[f] = hash;
    this.hash = hash;
    return undefined;
  }

  /** Keeps `reply` for the question `get` just missed, if it missed it before and the reply is not too long. */
  keep(raw: Buffer, nameLen: number, shape: number, reply: Buffer, rrlName?: Name): void {
    if (!this.admit || reply.length > MAX_CACHED_REPLY) return;
    this.admit = false;
    const nameEnd = 12 + nameLen;
    const question = Buffer.allocUnsafe(nameLen + 4);
    for (let i = 12; i < nameEnd + 4; i++) question[i - 12] = ResponseCache.keyOctet(raw, i, nameEnd);
    const set = this.hash & (SETS - 1);
    const w = this.older[set]!;
    this.ways[set * 2 + w] = { hash: this.hash, shape, question, bytes: Buffer.from(reply), rrlName };
    this.older[set] = 1 - w;
  }

  /** Replies kept (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const e of this.ways) if (e) n++;
    return n;
  }
}
