/**
 * Response cache: a reply depends only on the snapshot and on (question
 * name in lower case, type, class, transport, size limit, EDNS, DO), so a
 * reply built once is copied for the next identical question, with the ID,
 * RD/CD and the question's letter case patched in (answer owners point at
 * the question, so they follow). Cleared whole when the snapshot changes.
 */
import type { Catalog } from '../zone/zone.js';

const MAX_ENTRIES = 8192;

export class ResponseCache {
  private readonly map = new Map<string, { bytes: Buffer; rrlName?: string }>();
  private snapshot: Catalog | undefined;

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

  /** Key from the raw question bytes (ASCII lower-cased, RFC 4343) and what else shapes the reply. */
  static key(raw: Buffer, nameLen: number, qtype: number, qclass: number, shape: string): string {
    let k = shape + '|' + qtype + '|' + qclass + '|';
    for (let i = 12; i < 12 + nameLen; i++) {
      const c = raw[i]!;
      k += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
    }
    return k;
  }

  /** A copy of the reply kept for `key`, patched for this query, and the name rate limiting counts it under. */
  get(catalog: Catalog, key: string, raw: Buffer, nameLen: number): { bytes: Buffer; rrlName?: string } | undefined {
    if (catalog !== this.snapshot) { this.map.clear(); this.snapshot = catalog; return undefined; }
    const hit = this.map.get(key);
    if (!hit) return undefined;
    const out = Buffer.from(hit.bytes);
    out[0] = raw[0]!; out[1] = raw[1]!;                        // ID
    out[2] = (out[2]! & ~0x01) | (raw[2]! & 0x01);             // RD copied (RFC 1035 §4.1.1)
    out[3] = (out[3]! & ~0x10) | (raw[3]! & 0x10);             // CD copied (RFC 4035 §3.1.6)
    raw.copy(out, 12, 12, 12 + nameLen);                       // the question in the client's case
    return { bytes: out, ...(hit.rrlName ? { rrlName: hit.rrlName } : {}) };
  }

  set(catalog: Catalog, key: string, reply: Buffer, rrlName?: string): void {
    if (catalog !== this.snapshot) { this.map.clear(); this.snapshot = catalog; }
    if (this.map.size >= MAX_ENTRIES) this.map.clear();
    this.map.set(key, { bytes: reply, ...(rrlName ? { rrlName } : {}) });
  }
}
