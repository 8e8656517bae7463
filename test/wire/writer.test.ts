/**
 * Name compression (RFC 1035 §4.1.4) against a plain model: names drawn from
 * a small alphabet of labels in mixed case, written one after another with
 * marks and rollbacks, must read back exactly as written (our hardened
 * decoder refuses forward pointers), take exactly the octets of greedy
 * longest-suffix compression computed here with string keys, and never point
 * into octets a rollback took back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readName } from '../../src/wire/decode.js';
import { MessageWriter } from '../../src/wire/writer.js';

const label = fc.constantFrom('a', 'A', 'mail', 'MAIL', 'Mail', 'example', 'com', 'COM', 'x\u00c0', 'x\u00e0', '_tcp', 'b.c');
const name = fc.array(label, { minLength: 0, maxLength: 5 });
type Op = { kind: 'name'; name: string[]; compress: boolean } | { kind: 'again'; back: number; compress: boolean } | { kind: 'mark' } | { kind: 'rollback' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('name' as const), name, compress: fc.boolean() }) },
  // The very array of an earlier name written again (as an RRset's owner is, record after record).
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('again' as const), back: fc.nat(6), compress: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'mark' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollback' as const }) },
);

/** Suffix keys the way RFC 4343 compares names: ASCII folded only. */
const key = (n: string[], from: number) => n.slice(from).map((l) => l.replace(/[A-Z]/g, (c) => c.toLowerCase())).join('\u0000');

describe('MessageWriter name compression', () => {
  it('reads back as written, in the octets greedy compression takes, across marks and rollbacks', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const w = new MessageWriter(Buffer.alloc(4096));
      w.reset(4096);
      w.u16(0); w.u16(0); w.u32(0); w.u32(0); // a header's 12 octets
      // The model: suffix key → offset, the names kept with their offsets, and the marks.
      // The model: suffix key → its offset and how it reads back (the case of the octets there), the names kept, the marks.
      type Suffix = { at: number; reads: string[] };
      let model = new Map<string, Suffix>();
      let kept: { at: number; reads: string[] }[] = [];
      const marks: { mark: ReturnType<MessageWriter['mark']>; model: Map<string, Suffix>; kept: typeof kept }[] = [];
      const written: string[][] = [];
      for (const op of ops) {
        let o = op;
        if (o.kind === 'again') {
          const earlier = written[written.length - 1 - (o.back % Math.max(1, written.length))];
          if (!earlier) continue;
          o = { kind: 'name', name: earlier, compress: o.compress };
        }
        if (o.kind === 'mark') { marks.push({ mark: w.mark(), model: new Map(model), kept: [...kept] }); continue; }
        if (o.kind === 'rollback') {
          const m = marks.pop();
          if (m) { w.rollback(m.mark); model = m.model; kept = m.kept; }
          continue;
        }
        const at = w.o;
        // Greedy: write labels until the rest is a suffix written before (when compressing), then point there.
        let cut = o.name.length;
        let tail: string[] = [];
        let size = 1;
        for (let i = 0; i < o.name.length; i++) {
          const earlier = model.get(key(o.name, i));
          if (o.compress && earlier) { cut = i; tail = earlier.reads; size = 2; break; }
        }
        const reads = [...o.name.slice(0, cut), ...tail];
        let pos = at;
        for (let i = 0; i < cut; i++) {
          const k = key(o.name, i);
          if (!model.has(k)) model.set(k, { at: pos, reads: reads.slice(i) });
          pos += o.name[i]!.length + 1;
          size += o.name[i]!.length + 1;
        }
        w.name(o.name, o.compress);
        written.push(o.name);
        expect(w.o - at).toBe(size);
        kept.push({ at, reads });
      }
      const message = w.buf.subarray(0, w.o);
      for (const k of kept) expect(readName(message, k.at).labels).toEqual(k.reads);
    }), { numRuns: 500 });
  });

  it('points at a suffix written in another case and keeps the case written', () => {
    const w = new MessageWriter(Buffer.alloc(512));
    w.reset(512);
    for (let i = 0; i < 12; i++) w.u8(0);
    w.name(['Mail', 'Example', 'COM']);
    const second = w.o;
    w.name(['www', 'example', 'com']);
    expect(w.o - second).toBe(4 + 2); // "www" and a pointer
    expect(readName(w.buf.subarray(0, w.o), second).labels).toEqual(['www', 'Example', 'COM']);
  });

  it('enters no suffix a pointer cannot reach (offsets above 0x3fff)', () => {
    const w = new MessageWriter(Buffer.alloc(65535));
    w.reset(65535);
    while (w.o < 0x4000) w.u8(0);
    const at = w.o;
    w.name(['far', 'example']);
    const again = w.o;
    w.name(['far', 'example']);
    expect(w.o - again).toBe(again - at); // written whole again: no pointer to an offset above 0x3fff
    expect(readName(w.buf.subarray(0, w.o), again).labels).toEqual(['far', 'example']);
  });
});
