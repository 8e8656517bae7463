/**
 * Negative answers write their zone's SOA from one encoding per zone, its
 * names ending in pointers into the question (src/wire/below-owner.ts):
 * read back (owner, MNAME, RNAME, the five numbers, the TTL), each is the
 * zone's SOA with the negative TTL (RFC 2308 §3), under questions of every
 * depth and letter case, in every example zone.
 */
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { Responder } from '../../src/query/respond.js';
import { decodeQuery, readName } from '../../src/wire/decode.js';
import { nameToText, nameToWire, parseName } from '../../src/util/name.js';
import { parseMessage } from '../helpers/fuzz.js';

function query(name: string, type: number): Buffer {
  return Buffer.concat([Buffer.from([0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), nameToWire(parseName(name)), Buffer.from([type >> 8, type & 255, 0, 1])]);
}

describe('negative answers', () => {
  const loaded = loadZones(['zones']);
  const responder = new Responder({ chaos: { version: false, identity: false } });

  it('carry the zone\'s SOA, read back whole, for NXDOMAIN and NODATA at any depth and case', () => {
    let checked = 0;
    for (const { zone } of loaded.zones) {
      const origin = nameToText(zone.origin);
      const soa = zone.negativeSoa;
      const [mname, rname] = soa.rdatas[0]!.parts.filter((p) => !Buffer.isBuffer(p)).map((p) => nameToText((p as { name: string[] }).name).toLowerCase());
      const numbers = soa.rdatas[0]!.wire.subarray(soa.rdatas[0]!.wire.length - 20);
      for (const [name, type] of [[`no-such-name.${origin}`, 1], [`A.b.No-Such.${origin.toUpperCase()}`, 16], [origin, 0xff00]] as const) {
        const q = query(name, type);
        const reply = responder.respond(decodeQuery(q), loaded.catalog, 'udp', q)!.bytes;
        const p = parseMessage(reply);
        if (p.authority.length !== 1 || p.authority[0]!.type !== 6) continue; // a name another way (a delegation, a generic name)
        const rr = p.authority[0]!;
        expect(rr.name.join('.').toLowerCase() + '.', name).toBe(origin);
        expect(rr.ttl).toBe(soa.ttl);
        const m = readName(reply, rr.rdStart);
        const r = readName(reply, m.end);
        expect(nameToText(m.labels).toLowerCase()).toBe(mname);
        expect(nameToText(r.labels).toLowerCase()).toBe(rname);
        expect(reply.subarray(r.end, rr.rdEnd)).toEqual(numbers);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
