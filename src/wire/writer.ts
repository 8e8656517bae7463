/**
 * Message encoder with name compression (RFC 1035 §4.1.4). Writes into one
 * reusable buffer; a write past `limit` throws Overflow so the caller can roll
 * back to a mark and set TC (RFC 2181 §9) instead of sending a partial RRset.
 *
 * The compression table holds every name suffix written so far (at an
 * offset a pointer can reach) as one entry: its first label and the entry of
 * the rest of the name. It is found by hashing (parent entry, label) into an
 * open-addressed table, and labels are compared case-insensitively in place
 * (RFC 4343 §3), so writing a name makes no string and no object, and costs
 * the same for the tenth name of a message as for the first.
 */
import { foldOctet, type Name } from '../util/name.js';
import type { Rdata } from './rdata.js';
import type { BelowOwner } from './below-owner.js';

export class Overflow extends Error {}
const OVERFLOW = new Overflow('message limit reached');

/** RFC 1035 §4.1.4: a pointer holds a 14-bit offset. */
const MAX_POINTER = 0x3fff;

export interface Mark { o: number; names: number }

export class MessageWriter {
  readonly buf: Buffer;
  o = 0;
  limit: number;
  /** Entry e: the suffix at offsets[e], whose first label is labels[e] and whose rest is entry parents[e] (-1: the root). */
  private readonly offsets: Int32Array;
  private readonly parents: Int32Array;
  private readonly slotOf: Int32Array;
  private readonly hashes: Int32Array;
  /** The hashes of the labels of the name being written (a name has at most 127). */
  private readonly labelHashes = new Int32Array(128);
  private readonly labels: string[];
  /** Open-addressed slots, entry + 1 (0: empty): a power of two at least twice the entries, so probes stay short. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private count = 0;
  /**
   * The last names written, by identity (the same array: an RRset's owner
   * for each of its records, the question name as the answers' owner), and
   * the entry of each: written again, they are a pointer with no lookup.
   */
  private readonly recentNames: (Name | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly recentEntries = new Int32Array(4);
  private recentNext = 0;

  constructor(buf: Buffer, limit = buf.length) {
    this.buf = buf;
    this.limit = Math.min(limit, buf.length);
    // The suffixes a message in `buf` can have where a pointer reaches them: each label takes two octets or more.
    const entries = (Math.min(buf.length, MAX_POINTER + 1) >> 1) + 1;
    this.offsets = new Int32Array(entries);
    this.parents = new Int32Array(entries);
    this.slotOf = new Int32Array(entries);
    this.hashes = new Int32Array(entries);
    this.labels = new Array<string>(entries).fill('');
    let slots = 16;
    while (slots < entries * 2) slots *= 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
  }

  reset(limit: number): void {
    this.o = 0;
    this.limit = Math.min(limit, this.buf.length);
    for (let e = 0; e < this.count; e++) this.table[this.slotOf[e]!] = 0;
    this.count = 0;
    this.recentNames.fill(undefined);
  }

  private room(n: number): void {
    if (this.o + n > this.limit) throw OVERFLOW;
  }

  u8(v: number): void { this.room(1); this.buf[this.o++] = v; }
  u16(v: number): void { this.room(2); const b = this.buf, o = this.o; b[o] = v >>> 8; b[o + 1] = v; this.o = o + 2; }
  u32(v: number): void { this.room(4); const b = this.buf, o = this.o; b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v; this.o = o + 4; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.o); this.o += b.length; }

  /** The slot where (parent, label) is, or the empty slot where it would go; `h` is the label's hash (labelHash). */
  private slot(parent: number, label: string, h: number): number {
    let x = Math.imul(h ^ (parent + 2), 0x9e3779b1);
    x ^= x >>> 15;
    for (let s = x & this.mask; ; s = (s + 1) & this.mask) {
      const e = this.table[s]! - 1;
      if (e < 0 || (this.parents[e] === parent && this.hashes[e] === h && sameLabel(this.labels[e]!, label))) return s;
    }
  }

  /** Writes a name, ending in a pointer to the longest suffix written before when `compress` allows it. */
  name(name: Name, compress = true): void {
    if (compress && name.length > 0) {
      for (let r = 0; r < 4; r++) {
        if (this.recentNames[r] !== name) continue;
        this.room(2);
        const p = 0xc000 | this.offsets[this.recentEntries[r]!]!;
        this.buf[this.o++] = p >>> 8; this.buf[this.o++] = p & 0xff;
        return;
      }
    }
    const hashes = this.labelHashes;
    // The longest suffix already in the table: labels [i+1, n) are entry `found`.
    let found = -1;
    let i = name.length - 1;
    for (; i >= 0; i--) {
      const h = labelHash(name[i]!);
      hashes[i] = h;
      const e = this.table[this.slot(found, name[i]!, h)]! - 1;
      if (e < 0) break;
      found = e;
    }
    for (let k = i - 1; k >= 0; k--) hashes[k] = labelHash(name[k]!);
    const pointer = compress && found >= 0;
    // Labels [0, i] are new (all of them without compression), then the pointer or the root.
    const last = pointer ? i : name.length - 1;
    let size = pointer ? 2 : 1;
    for (let k = 0; k <= last; k++) size += name[k]!.length + 1;
    this.room(size);
    // Enter the new suffixes, rightmost first (each is the parent of the one to its left), where a pointer reaches them.
    let offset = this.o + size - (pointer ? 2 : 1);
    let parent = found;
    for (let k = last; k >= 0; k--) {
      offset -= name[k]!.length + 1;
      if (k > i) continue; // written again without compression, already entered
      if (offset > MAX_POINTER) { parent = -2; continue; }
      if (parent === -2) break;
      const s = this.slot(parent, name[k]!, hashes[k]!);
      const e = this.count++;
      this.offsets[e] = offset; this.parents[e] = parent; this.labels[e] = name[k]!; this.hashes[e] = hashes[k]!; this.slotOf[e] = s;
      this.table[s] = e + 1;
      parent = e;
    }
    const b = this.buf;
    let o = this.o;
    for (let k = 0; k <= last; k++) {
      const l = name[k]!;
      b[o++] = l.length;
      for (let c = 0; c < l.length; c++) b[o++] = l.charCodeAt(c);
    }
    if (pointer) { const p = 0xc000 | this.offsets[found]!; b[o++] = p >>> 8; b[o++] = p & 0xff; } else b[o++] = 0;
    this.o = o;
    // `parent` is now the entry of the whole name (made for its first label, or the one it pointed at), if it has one:
    // what compression would find for this name next time, so the shortcut writes what the lookup would.
    if (compress && parent >= 0) {
      this.recentNames[this.recentNext] = name;
      this.recentEntries[this.recentNext] = parent;
      this.recentNext = (this.recentNext + 1) & 3;
    }
  }

  /** One resource record (RFC 1035 §4.1.3). */
  rr(owner: Name, type: number, klass: number, ttl: number, rdata: Rdata, compressRdata: boolean): void {
    this.name(owner);
    this.room(10);
    const b = this.buf;
    let o = this.o;
    b[o] = type >>> 8; b[o + 1] = type; b[o + 2] = klass >>> 8; b[o + 3] = klass;
    b[o + 4] = ttl >>> 24; b[o + 5] = ttl >>> 16; b[o + 6] = ttl >>> 8; b[o + 7] = ttl;
    const lenAt = o + 8;
    this.o = o + 10;
    if (compressRdata) {
      for (const p of rdata.parts) {
        if (Buffer.isBuffer(p)) this.bytes(p);
        else this.name(p.name);
      }
    } else {
      this.bytes(rdata.wire);
    }
    o = this.o - lenAt - 2;
    b[lenAt] = o >>> 8; b[lenAt + 1] = o;
  }

  /** Records encoded by belowOwner, their owner's labels being at `ownerAt` (in the question); returns how many. */
  belowOwner(t: BelowOwner, ownerAt: number): number {
    this.room(t.bytes.length);
    const b = this.buf, o = this.o;
    b.set(t.bytes, o);
    const p = 0xc000 | ownerAt;
    for (const at of t.pointers) { b[o + at] = p >>> 8; b[o + at + 1] = p & 0xff; }
    this.o = o + t.bytes.length;
    return t.count;
  }

  mark(): Mark { return { o: this.o, names: this.count }; }

  /** Back to `m`: the octets and the table entries after it go (the newest first, so probe chains stay whole). */
  rollback(m: Mark): void {
    this.o = m.o;
    while (this.count > m.names) this.table[this.slotOf[--this.count]!] = 0;
    for (let r = 0; r < 4; r++) if (this.recentEntries[r]! >= m.names) this.recentNames[r] = undefined;
  }

  /** A copy of what was written: the shared buffer is reused by the next message. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.o);
    out.set(this.buf.subarray(0, this.o));
    return out;
  }
}

/**
 * A label's hash from its length and three of its octets (first, middle,
 * last; case folded): cheap, and enough to spread one message's labels,
 * since every candidate is compared whole before it is used.
 */
function labelHash(label: string): number {
  const n = label.length;
  if (n === 0) return 0;
  return n | (foldOctet(label.charCodeAt(0)) << 8) | (foldOctet(label.charCodeAt(n >> 1)) << 16) | (foldOctet(label.charCodeAt(n - 1)) << 24);
}

/** Labels equal as DNS compares them: ASCII case folded (RFC 4343 §3), every other octet exact. */
function sameLabel(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (foldOctet(a.charCodeAt(i)) !== foldOctet(b.charCodeAt(i))) return false;
  return true;
}
