/** The response cache: a cached reply carries this query's ID, RD/CD and letter case, and a new snapshot clears it. */
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { Responder } from '../../src/query/respond.js';
import { decodeQuery } from '../../src/wire/decode.js';

function query(id: number, name: string, type: number, flags = 0): Buffer {
  const parts = [Buffer.from([id >> 8, id & 255, flags >> 8, flags & 255, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of name.split('.')) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, type >> 8, type & 255, 0, 1]));
  return Buffer.concat(parts);
}

describe('response cache', () => {
  const r = new Responder({ chaos: { version: false, identity: false } });
  const a = loadZones(['zones']).catalog;

  it('the second identical question is answered from the cache, patched for this query', () => {
    const q1 = query(0x1111, 'mail.example.com', 1, 0x0100);
    const first = r.respond(decodeQuery(q1), a, 'udp', q1)!;
    expect(first.outcome).toBe('success');
    const q2 = query(0x2222, 'MAIL.Example.COM', 1, 0x0010);
    const second = r.respond(decodeQuery(q2), a, 'udp', q2)!;
    expect(second.outcome).toBe('cached');
    expect(second.bytes.readUInt16BE(0)).toBe(0x2222);
    expect(second.bytes[2]! & 0x01).toBe(0);          // RD as in q2 (clear)
    expect(second.bytes[3]! & 0x10).toBe(0x10);       // CD as in q2 (set)
    expect(second.bytes.subarray(12, 12 + 18).toString('latin1')).toBe(q2.subarray(12, 12 + 18).toString('latin1'));
    // The rest is the same reply.
    expect(second.bytes.subarray(4, 12)).toEqual(first.bytes.subarray(4, 12));
    expect(second.bytes.subarray(30)).toEqual(first.bytes.subarray(30));
  });

  it('a different transport, size or type is a different entry; a new snapshot clears it', () => {
    const q = query(1, 'example.com', 15);
    expect(r.respond(decodeQuery(q), a, 'udp', q)!.outcome).toBe('success');
    expect(r.respond(decodeQuery(q), a, 'tcp', q)!.outcome).toBe('success');
    expect(r.respond(decodeQuery(q), a, 'udp', q)!.outcome).toBe('cached');
    const b = loadZones(['zones']).catalog;
    expect(r.respond(decodeQuery(q), b, 'udp', q)!.outcome).toBe('success');
  });
});
