/**
 * Messages out of a TCP byte stream however it is cut (src/server/tcp-frames.ts),
 * and what it keeps while answering waits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../src/server/tcp-frames.js';

const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

/** The stream cut at `cuts` (offsets), pushed chunk by chunk, reading whole messages as they come. */
function readAll(stream: Buffer, cuts: number[]): Buffer[] {
  const r = new FrameReader();
  const out: Buffer[] = [];
  const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const c of [...at, stream.length]) {
    r.push(stream.subarray(from, c));
    from = c;
    for (let m = r.next(); m; m = r.next()) out.push(Buffer.from(m));
  }
  expect(r.length).toBe(0);
  return out;
}

describe('FrameReader', () => {
  it('gives back every message, in order, wherever the stream is cut', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map((m) => frame(Buffer.from(m))));
        expect(readAll(stream, cuts)).toEqual(msgs.map((m) => Buffer.from(m)));
      },
    ), { numRuns: 300 });
  });

  it('reassembles a 65,535-octet message sent one octet at a time, and the one after it', () => {
    const big = Buffer.alloc(65535, 7);
    const small = Buffer.from('after');
    const stream = Buffer.concat([frame(big), frame(small)]);
    const r = new FrameReader();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      r.push(stream.subarray(i, i + 1));
      expect(r.partial).toBe(i !== 2 + 65535 - 1 && i !== stream.length - 1);
      for (let m = r.next(); m; m = r.next()) got.push(m);
    }
    expect(got).toEqual([big, small]);
  });

  it('a message handed out stays as it was while more is pushed', () => {
    const r = new FrameReader();
    r.push(Buffer.concat([frame(Buffer.from('one')), Buffer.from([0])]));
    const one = r.next()!;
    for (let i = 0; i < 100; i++) r.push(Buffer.from([i]));
    expect(one.toString()).toBe('one');
  });

  it('keeps at most N whole messages or B octets, and hands back the rest whole', () => {
    const msgs = Array.from({ length: 10 }, (_, i) => Buffer.alloc(100, i));
    const stream = Buffer.concat([...msgs.map(frame), Buffer.from([0, 50, 1, 2])]);
    const byCount = new FrameReader();
    byCount.push(stream);
    const a = byCount.keepAtMost(3, 1 << 20);
    expect([a.messages, byCount.length]).toEqual([3, 3 * 102]);
    expect(Buffer.concat([Buffer.concat(msgs.slice(0, 3).map(frame)), a.rest!])).toEqual(stream);
    const byBytes = new FrameReader();
    byBytes.push(stream);
    // 250 octets hold two framed messages of 102; the third would cross the bound.
    const b = byBytes.keepAtMost(1000, 250);
    expect([b.messages, byBytes.length, b.rest!.length]).toEqual([2, 204, stream.length - 204]);
    // Everything fits: nothing handed back, the partial message stays.
    const all = new FrameReader();
    all.push(stream);
    expect(all.keepAtMost(1000, 1 << 20)).toEqual({ messages: 10 });
    expect(all.length).toBe(stream.length);
  });
});
