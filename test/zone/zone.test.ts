/**
 * The snapshot's invariants, enforced where it is built: owners are
 * lower-cased whatever a producer hands in, and what cannot be built is an
 * error value, never an exception; the loader's safety net reports a stored
 * RRset the lookup never answers with.
 */
import { describe, expect, it } from 'vitest';
import { lintView, type LintZone } from '../../src/lint/index.js';
import { notServed } from '../../src/lint/rule.js';
import { lookup } from '../../src/query/lookup.js';
import { parseName } from '../../src/util/name.js';
import { CLASS, TYPE } from '../../src/wire/constants.js';
import { parseRdata } from '../../src/wire/rdata.js';
import type { RRset } from '../../src/wire/rrset.js';
import { makeRRset } from '../../src/wire/rrset.js';
import { Zone, ZoneNode } from '../../src/zone/zone.js';
import { loadYaml } from '../helpers/zones.js';

const origin = parseName('z.test.');
const soa = makeRRset(origin, TYPE.SOA, CLASS.IN, 3600, [parseRdata(TYPE.SOA, ['ns.z.test.', 'h.z.test.', '1', '7200', '3600', '1209600', '300'], origin)]);
const a = (owner: string, addr: string) => makeRRset(parseName(owner), TYPE.A, CLASS.IN, 3600, [parseRdata(TYPE.A, [addr], origin)]);

describe('Zone.build', () => {
  it('keys the trie on lower-cased labels even for an RRset made without makeRRset', () => {
    const upper: RRset = { ...a('x.z.test.', '192.0.2.1'), owner: ['Sel2024', '_DomainKey', 'z', 'test'] };
    const built = Zone.build(['Z', 'TEST'], [soa, upper]);
    if (!('zone' in built)) throw new Error(built.error);
    const out = lookup(built.zone, parseName('SEL2024._domainkey.z.test.'), parseName('sel2024._domainkey.z.test.'), TYPE.A);
    expect(out.kind).toBe('success');
    expect(out.answer[0]!.rrset.owner).toEqual(['sel2024', '_domainkey', 'z', 'test']);
  });

  it('makeRRset lower-cases the owner and keeps the spelling for display', () => {
    const rs = a('Office.z.test.', '192.0.2.2');
    expect(rs.owner).toEqual(['office', 'z', 'test']);
    expect(rs.written).toEqual(['Office', 'z', 'test']);
    expect(a('office.z.test.', '192.0.2.2').written).toBeUndefined();
  });

  it('returns an error for two RRsets of one name and type, no SOA, or an owner outside the zone', () => {
    expect(Zone.build(origin, [soa, a('x.z.test.', '192.0.2.1'), a('X.z.test.', '192.0.2.2')])).toEqual({ error: 'two RRsets for x.z.test. A' });
    expect(Zone.build(origin, [a('x.z.test.', '192.0.2.1')])).toEqual({ error: 'zone z.test. has no SOA at its apex' });
    expect(Zone.build(origin, [soa, a('x.other.test.', '192.0.2.1')])).toEqual({ error: 'x.other.test. is outside the zone z.test.' });
  });
});

describe('notServed (the loader reports the unexplained ones as zone-build)', () => {
  it('finds a stored RRset the lookup cannot reach, and nothing in a sound zone', () => {
    const r = loadYaml({ 'z.test.yaml': 'zone: z.test.\nnameservers: [ns1.example., ns2.example.]\nhosts:\n  www: {ipv4: 192.0.2.80}\nrecords:\n  sub: {type: NS, value: ns.sub}\n  ns.sub: {type: A, value: 192.0.2.53}\n' });
    const zone = r.zones[0]!.zone;
    const lz: LintZone = { origin: zone.origin, zone, model: r.zones[0]!.model, reverse: false };
    expect(notServed(lintView([lz]), lz).unexplained).toEqual([]);
    // A node keyed with a capital, as a producer that bypassed the build would make it.
    const bad = new ZoneNode(['Bad', 'z', 'test']);
    const rs = { ...a('bad.z.test.', '192.0.2.9'), owner: ['Bad', 'z', 'test'] };
    bad.rrsets.set(rs);
    zone.apex.children.set('Bad', bad);
    const lz2: LintZone = { ...lz };
    expect(notServed(lintView([lz2]), lz2).unexplained).toEqual([rs]);
  });
});
