/**
 * Message encoder with name compression (RFC 1035 §4.1.4). Writes into one
 * reusable buffer; a write past `limit` throws Overflow so the caller can roll
 * back to a mark and set TC (RFC 2181 §9) instead of sending a partial RRset.
 */
import type { Name } from '../util/name.js';
import { lowerLabel } from '../util/name.js';
import type { Rdata } from './rdata.js';

export class Overflow extends Error {}
const OVERFLOW = new Overflow('message limit reached');

const MAX_POINTER = 0x3fff;

export interface Mark { o: number; names: number }

export class MessageWriter {
  readonly buf: Buffer;
  o = 0;
  limit: number;
  /** Compression targets: key of a lower-cased name suffix → its offset. */
  private readonly names = new Map<string, number>();
  private readonly order: string[] = [];

  constructor(buf: Buffer, limit = buf.length) {
    this.buf = buf;
    this.limit = Math.min(limit, buf.length);
  }

  reset(limit: number): void {
    this.o = 0;
    this.limit = Math.min(limit, this.buf.length);
    this.names.clear();
    this.order.length = 0;
  }

  private room(n: number): void {
    if (this.o + n > this.limit) throw OVERFLOW;
  }

  u8(v: number): void { this.room(1); this.buf[this.o++] = v; }
  u16(v: number): void { this.room(2); this.buf.writeUInt16BE(v, this.o); this.o += 2; }
  u32(v: number): void { this.room(4); this.buf.writeUInt32BE(v >>> 0, this.o); this.o += 4; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.o); this.o += b.length; }

  /** Writes a name, reusing an earlier suffix when `compress` allows it. */
  name(name: Name, compress = true): void {
    const n = name.length;
    const keys: string[] = new Array(n);
    let k = '';
    for (let i = n - 1; i >= 0; i--) {
      const l = name[i]!;
      k = String.fromCharCode(l.length) + lowerLabel(l) + k;
      keys[i] = k;
    }
    for (let i = 0; i < n; i++) {
      if (compress) {
        const ptr = this.names.get(keys[i]!);
        if (ptr !== undefined) { this.u16(0xc000 | ptr); return; }
      }
      if (this.o <= MAX_POINTER && !this.names.has(keys[i]!)) {
        this.names.set(keys[i]!, this.o);
        this.order.push(keys[i]!);
      }
      const l = name[i]!;
      this.room(l.length + 1);
      this.buf[this.o++] = l.length;
      this.buf.write(l, this.o, 'latin1');
      this.o += l.length;
    }
    this.u8(0);
  }

  /** One resource record (RFC 1035 §4.1.3). */
  rr(owner: Name, type: number, klass: number, ttl: number, rdata: Rdata, compressRdata: boolean): void {
    this.name(owner);
    this.u16(type);
    this.u16(klass);
    this.u32(ttl);
    const lenAt = this.o;
    this.u16(0);
    if (compressRdata) {
      for (const p of rdata.parts) {
        if (Buffer.isBuffer(p)) this.bytes(p);
        else this.name(p.name);
      }
    } else {
      this.bytes(rdata.wire);
    }
    this.buf.writeUInt16BE(this.o - lenAt - 2, lenAt);
  }

  mark(): Mark { return { o: this.o, names: this.order.length }; }

  rollback(m: Mark): void {
    this.o = m.o;
    while (this.order.length > m.names) this.names.delete(this.order.pop()!);
  }

  /** A copy of what was written: the shared buffer is reused by the next message. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.o));
  }
}
