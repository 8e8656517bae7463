/**
 * The response cache: a reply is kept when its question is asked a second
 * time, a cached reply carries this query's ID, RD/CD and letter case, a
 * flood of names asked once keeps nothing, and a new snapshot clears it.
 */
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

  it('the third identical question is answered from the cache (kept at the second), patched for this query', () => {
    const q1 = query(0x1111, 'mail.example.com', 1, 0x0100);
    const first = r.respond(decodeQuery(q1), a, 'udp', q1)!;
    expect(first.outcome).toBe('success');
    expect(r.respond(decodeQuery(q1), a, 'udp', q1)!.outcome).toBe('success');
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
    const ask = (catalog: typeof a, transport: 'udp' | 'tcp', m = q) => r.respond(decodeQuery(m), catalog, transport, m)!.outcome;
    expect(ask(a, 'udp')).toBe('success');
    expect(ask(a, 'udp')).toBe('success');
    expect(ask(a, 'tcp')).toBe('success');
    expect(ask(a, 'udp')).toBe('cached');
    expect(ask(a, 'tcp')).toBe('success');
    expect(ask(a, 'tcp')).toBe('cached');
    const txt = query(1, 'example.com', 16);
    expect(ask(a, 'udp', txt)).toBe('success');
    expect(ask(a, 'udp', txt)).toBe('success');
    expect(ask(a, 'udp', txt)).toBe('cached');
    const b = loadZones(['zones']).catalog;
    expect(ask(b, 'udp')).toBe('success');
    expect(ask(b, 'udp')).toBe('success');
    expect(ask(b, 'udp')).toBe('cached');
  });

  it('names asked once each (a random-subdomain flood) keep nothing; asked twice, each is kept, up to the table', () => {
    const fresh = new Responder({ chaos: { version: false, identity: false } });
    const size = () => (fresh as unknown as { cache: { size: number } }).cache.size;
    for (let i = 0; i < 20_000; i++) { const m = query(i, `r${i}.example.com`, 1); fresh.respond(decodeQuery(m), a, 'udp', m); }
    expect(size()).toBe(0);
    for (let i = 0; i < 100; i++) for (let k = 0; k < 2; k++) { const m = query(i, `t${i}.example.com`, 1); fresh.respond(decodeQuery(m), a, 'udp', m); }
    expect(size()).toBeGreaterThan(95); // a hash may share a filter slot with another, at worst a few
    for (let i = 0; i < 40_000; i++) for (let k = 0; k < 2; k++) { const m = query(i, `u${i}.example.com`, 1); fresh.respond(decodeQuery(m), a, 'udp', m); }
    expect(size()).toBeLessThanOrEqual(8192);
  });

  it('QTYPE and QCLASS are not folded like the name: types 0x4d00 and 0x6d00 are two questions (found by the dnspython fuzz judge)', () => {
    const fresh = new Responder({ chaos: { version: false, identity: false } });
    const upper = query(1, 'example.com', 0x4d00);
    for (let i = 0; i < 3; i++) fresh.respond(decodeQuery(upper), a, 'udp', upper);
    const lower = query(2, 'example.com', 0x6d00);
    const reply = fresh.respond(decodeQuery(lower), a, 'udp', lower)!;
    expect(reply.outcome).not.toBe('cached');
    expect(reply.bytes.readUInt16BE(12 + 13)).toBe(0x6d00); // the question's type, after example.com (13 octets)
  });

  it('a hot name stays cached beside a flood of names asked once', () => {
    const fresh = new Responder({ chaos: { version: false, identity: false } });
    const hot = query(7, 'www.example.com', 1);
    let cached = 0;
    for (let i = 0; i < 5000; i++) {
      const m = query(i, `r${i}.lab.example.com`, 1);
      fresh.respond(decodeQuery(m), a, 'udp', m);
      if (fresh.respond(decodeQuery(hot), a, 'udp', hot)!.outcome === 'cached') cached++;
    }
    expect(cached).toBe(4998);
  });
});
