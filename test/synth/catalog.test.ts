/**
 * Issue 17: the catalog zone (RFC 9432 version 2) serve --catalog publishes:
 * its RRsets for a set of zones, member IDs that do not depend on anything
 * but the zone's name, and through the loader, a serial that follows the
 * member list (a zone added or removed changes exactly one PTR and the serial).
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogCollision, catalogRRsets, memberId } from '../../src/synth/catalog.js';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { nameKey, nameToText, parseZoneName } from '../../src/util/name.js';
import { TYPE, typeToText } from '../../src/wire/constants.js';
import { rdataToText } from '../../src/wire/rdata.js';
import type { RRset } from '../../src/wire/rrset.js';

const CAT = parseZoneName('catalog.invalid.');
const lines = (rrsets: readonly RRset[]) => rrsets.flatMap((rs) => rs.rdatas.map((r) => `${nameToText(rs.owner)} ${rs.ttl} ${typeToText(rs.type)} ${rdataToText(rs.type, r.wire)}`)).sort();

describe('catalog RRsets', () => {
  it('apex SOA and NS invalid., version TXT "2", one PTR per zone under zones.', () => {
    const got = lines(catalogRRsets(CAT, ['example.com.', 'Example.ORG.', 'example.com.'].map(parseZoneName)));
    expect(got).toEqual([
      `${memberId(parseZoneName('example.com.'))}.zones.catalog.invalid. 0 PTR example.com.`,
      `${memberId(parseZoneName('example.org.'))}.zones.catalog.invalid. 0 PTR example.org.`,
      'catalog.invalid. 0 NS invalid.',
      'catalog.invalid. 0 SOA invalid. invalid. 0 3600 600 2147483646 0',
      'version.catalog.invalid. 0 TXT "2"',
    ].sort());
  });

  it('member IDs are the first 16 hex of SHA-256 of the lower-cased name: the same on every start, whatever the case', () => {
    // sha256("example.com.") — a literal, so a change of the derivation is seen (consumers would drop and re-add every zone).
    expect(memberId(parseZoneName('example.com.'))).toBe('3ebef312509f797c');
    expect(memberId(parseZoneName('EXAMPLE.com'))).toBe('3ebef312509f797c');
    expect(memberId(parseZoneName('example.com.'))).not.toBe(memberId(parseZoneName('example.org.')));
  });

  it('a name that is a zone, inside one, or above one collides', () => {
    expect(catalogCollision(CAT, [parseZoneName('example.com')])).toBeUndefined();
    expect(catalogCollision(CAT, [parseZoneName('catalog.invalid')])).toMatch(/is also a zone we serve/);
    expect(catalogCollision(CAT, [parseZoneName('invalid')])).toMatch(/inside the zone invalid\./);
    expect(catalogCollision(CAT, [parseZoneName('a.zones.catalog.invalid')])).toMatch(/is inside the catalog/);
  });
});

describe('the catalog through the loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const zone = (name: string) => writeFileSync(join(dir, `${name}.yaml`), `zone: ${name}.\nnameservers: [ns1.example.net., ns2.example.net.]\n`);
  const catalogOf = (r: LoadResult) => r.zones.find((z) => nameKey(z.zone.origin) === 'catalog.invalid.')!;
  const ptrs = (r: LoadResult) => lines([...catalogOf(r).zone.listed()].filter((rs) => rs.type === TYPE.PTR));

  it('serves the catalog as a zone, its serial moving only when a zone is added or removed', () => {
    zone('a.test'); zone('b.test');
    const now = new Date('2026-12-03T12:00:00Z');
    const first = loadZones([dir], { catalogZone: CAT, now });
    expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const cat = catalogOf(first);
    expect(cat.serial).toBe(2026120300);
    expect(ptrs(first)).toHaveLength(2);
    const seen = new Map(first.zones.map((z) => [nameKey(z.zone.origin), { serial: z.serial, digest: z.digest }]));

    // The same zones again (a restart with the state directory): same IDs, same serial.
    const again = loadZones([dir], { catalogZone: CAT, serials: seen, now });
    expect(ptrs(again)).toEqual(ptrs(first));
    expect(catalogOf(again).serial).toBe(cat.serial);

    zone('c.test');
    const added = loadZones([dir], { catalogZone: CAT, serials: seen, now });
    const plus = ptrs(added).filter((l) => !ptrs(first).includes(l));
    expect(plus).toEqual([`${memberId(parseZoneName('c.test'))}.zones.catalog.invalid. 0 PTR c.test.`]);
    expect(ptrs(first).every((l) => ptrs(added).includes(l))).toBe(true);
    expect(catalogOf(added).serial).toBe(cat.serial + 1);

    unlinkSync(join(dir, 'a.test.yaml'));
    const seen2 = new Map(added.zones.map((z) => [nameKey(z.zone.origin), { serial: z.serial, digest: z.digest }]));
    const removed = loadZones([dir], { catalogZone: CAT, serials: seen2, now });
    const minus = ptrs(added).filter((l) => !ptrs(removed).includes(l));
    expect(minus).toEqual([`${memberId(parseZoneName('a.test'))}.zones.catalog.invalid. 0 PTR a.test.`]);
    expect(ptrs(removed)).toHaveLength(2);
    expect(catalogOf(removed).serial).toBe(cat.serial + 2);
  });

  it('a zone file for the catalog name: a finding, and no catalog', () => {
    zone('catalog.invalid');
    const r = loadZones([dir], { catalogZone: CAT });
    expect(r.problems.some((p) => p.rule === 'catalog-collision')).toBe(true);
    expect(r.zones.filter((z) => z.file === '(catalog)')).toEqual([]);
    unlinkSync(join(dir, 'catalog.invalid.yaml'));
  });
});
