/**
 * A zone that adds to no other zone and has no reverse: entries is finished
 * (checked, given its serial, built) as its file is read, and made again
 * when a file read after it turns out to add to it or read its hosts
 * (src/server/load.ts). So what a set loads must not depend on the order
 * its files are read in: each case loads the files in one order and in the
 * reverse one, and compares zone by zone as `export` prints them, with
 * serials, digests and findings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { zoneFiles } from '../../src/server/zone-files.js';
import { exportZone } from '../../src/zone/export.js';
import { nameToText, parseName } from '../../src/util/name.js';
import { resolve } from '../../src/query/resolve.js';
import { TYPE } from '../../src/wire/constants.js';
import { rdataToText } from '../../src/wire/rdata.js';
import { loadableSets } from '../helpers/sets.js';

const now = new Date('2026-12-07T00:00:00Z');
let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mailns-order-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

const zone = (name: string, hosts: string, more = '') =>
  `zone: ${name}.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts}${more}`;
const REVERSE = 'soa: {rname: hostmaster@example.net}\nnameservers: [ns1.example.net., ns2.example.net.]\nreverse:\n';

/** What a load serves and finds, independent of the order zones were read in. */
function summary(r: LoadResult) {
  const byName = [...r.zones].sort((a, b) => nameToText(a.zone.origin).localeCompare(nameToText(b.zone.origin)));
  return {
    zones: byName.map((z) => `${z.serial} ${z.digest}\n${exportZone(z.zone)}`),
    problems: r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.severity} ${p.rule} ${p.message}`).sort(),
    failed: [...r.failed].sort(),
  };
}

/** The set loaded with its files in order and in reverse order, which must agree; the in-order load. */
function bothOrders(dirs: string[]): LoadResult {
  const files = dirs.flatMap((d) => zoneFiles(d));
  const forward = loadZones(files, { now });
  expect(summary(loadZones([...files].reverse(), { now }))).toEqual(summary(forward));
  return forward;
}

const answer = (r: LoadResult, name: string, type: number) => {
  const res = resolve(r.catalog, parseName(name), type);
  return res.rrset ? res.rrset.rdatas.map((rd) => rdataToText(type, rd.wire)) : [];
};

describe('a zone finished as its file is read is made again when a later file needs it', () => {
  it('a later zone sends DMARC reports to it: it serves the authorization record', () => {
    write('a.yaml', zone('a.test', '  www: {ipv4: 192.0.2.10}\n'));
    write('b.yaml', zone('d.test', '  mail: {ipv4: 192.0.2.26}\n', 'mail:\n  mx: [mail]\n  dmarc: {p: reject, rua: [mailto:reports@a.test]}\n'));
    const r = bothOrders([dir]);
    expect(answer(r, 'd.test._report._dmarc.a.test.', TYPE.TXT)).toEqual(['"v=DMARC1"']);
  });

  it('a later file of reverse: entries reads its hosts: the PTRs name them', () => {
    write('a.yaml', zone('a.test', '  www: {ipv4: 198.51.100.10}\n'));
    write('b.yaml', `${REVERSE}  - network: 198.51.100.0/24\n`);
    const r = bothOrders([dir]);
    expect(answer(r, '10.100.51.198.in-addr.arpa.', TYPE.PTR)).toEqual(['www.a.test.']);
  });

  it('a later reverse: entry puts the forward side of generic names in it: it answers them', () => {
    write('a.yaml', zone('a.test', '  www: {ipv4: 192.0.2.10}\n'));
    write('b.yaml', zone('b.test', '  www: {ipv4: 198.51.100.10}\n'));
    write('c.yaml', `${REVERSE}  - network: 198.51.100.0/24\n    from: [b.test.]\n    generic: {name: 'host-{dashed}.a.test.', forward: true}\n`);
    const r = bothOrders([dir]);
    expect(answer(r, 'host-198-51-100-7.a.test.', TYPE.A)).toEqual(['198.51.100.7']);
    expect(answer(r, '7.100.51.198.in-addr.arpa.', TYPE.PTR)).toEqual(['host-198-51-100-7.a.test.']);
    // The generic names are content of a.test: its digest (and so its serial) moves with them.
    const digest = (x: LoadResult) => x.zones.find((z) => nameToText(z.zone.origin) === 'a.test.')!.digest;
    rmSync(join(dir, 'c.yaml'));
    expect(digest(bothOrders([dir]))).not.toBe(digest(r));
  });
});

describe('every example and fixture set loads the same read in either order', () => {
  // A zone defined twice is decided by the order (the first definition is served): such sets are left out.
  const sets = loadableSets().filter((d) => !loadZones([d], { now }).problems.some((p) => p.rule === 'zone-duplicate'));
  it(`${sets.length} sets`, () => {
    for (const d of sets) bothOrders([d]);
  });
});
