/**
 * A reload certifies the zones it will serve. When a zone's new file fails,
 * its last good copy keeps serving, and the other fresh zones are linted
 * again over exactly that set: a fresh zone that counted on the failed new
 * copy keeps its own last good copy too, instead of being served and failing
 * mail (a:relay.b.test pointing at a name the old b.test does not have).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { nameToText, parseName } from '../../src/util/name.js';
import { TYPE } from '../../src/wire/constants.js';
import { resolve } from '../../src/query/resolve.js';
import { rdataToText } from '../../src/wire/rdata.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

const B = 'zone: b.test.\nnameservers: [ns1.b.test., ns2.b.test.]\nhosts:\n  ns1: {ipv4: 192.0.2.53}\n  ns2: {ipv4: 192.0.2.54}\n  mx1: {ipv4: 198.51.100.1, ipv6: "2001:db8::1"}\n';
const A = (spfHosts: string) => `zone: a.test.\nnameservers: [ns1.b.test., ns2.b.test.]\nmail:\n  mx: [mx1.b.test.]\n  spf: {mx: true${spfHosts}}\n  dmarc: {p: reject}\n`;
const spfOf = (r: ReturnType<typeof loadZones>) => {
  const res = resolve(r.catalog, parseName('a.test.'), TYPE.TXT);
  return res.rrset!.rdatas.map((rd) => rdataToText(TYPE.TXT, rd.wire));
};

describe('reload', () => {
  it('a fresh zone certified against a failed zone\'s new copy keeps its last good copy', () => {
    write('a.test.yaml', A(''));
    write('b.test.yaml', B);
    const first = loadZones([dir]);
    expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);

    // b.test gains relay but also a typo (it keeps its old copy, without relay); a.test names relay.
    write('b.test.yaml', B + '  relay: {ipv4: 198.51.100.25}\n  typo: {ipv4: 198.51.100.300}\n');
    write('a.test.yaml', A(', hosts: [relay.b.test.]'));
    const next = loadZones([dir], { previous: first });
    expect(next.problems.filter((p) => p.severity === 'error').map((p) => `${p.file.split('/').pop()} ${p.rule}`)).toEqual(['a.test.yaml spf-intent', 'b.test.yaml ip-syntax']);
    expect(next.zones).toEqual([]);
    expect(next.kept.map((z) => nameToText(z.zone.origin)).sort()).toEqual(['a.test.', 'b.test.']);
    // What is served is the old pair, consistent: a.test's SPF names no relay.
    expect(spfOf(next)).toEqual(['"v=spf1 mx -all"']);

    // Without a previous load (mailns check), a.test is judged against the new files, where relay exists.
    const check = loadZones([dir]);
    expect(check.problems.filter((p) => p.severity === 'error').map((p) => p.rule)).toEqual(['ip-syntax']);
    expect(check.kept).toEqual([]);
  });
});

describe('a file is one unit', () => {
  const F = (mail: string, extra = '') => `zone: f.test.\nnameservers: [ns1.f.test., ns2.example.net.]\nhosts:\n  ns1: {ipv4: 192.0.2.53}\n  mail: {ipv4: ${mail}}\n${extra}reverse:\n  - network: 192.0.2.0/24\n`;
  const ptr = (r: ReturnType<typeof loadZones>, addr: string) => {
    const res = resolve(r.catalog, parseName(`${addr.split('.').reverse().join('.')}.in-addr.arpa.`), TYPE.PTR);
    return res.rrset?.rdatas.map((rd) => rdataToText(TYPE.PTR, rd.wire)) ?? [];
  };

  it('a reverse zone from a file whose forward zone fails is not served from that file: on reload both keep their last good copy', () => {
    rmSync(join(dir, 'a.test.yaml'));
    rmSync(join(dir, 'b.test.yaml'));
    write('f.test.yaml', F('192.0.2.25'));
    const first = loadZones([dir]);
    expect(first.zones.map((z) => nameToText(z.zone.origin)).sort()).toEqual(['2.0.192.in-addr.arpa.', 'f.test.']);
    write('f.test.yaml', F('192.0.2.26', '  typo: {ipv4: 192.0.2.300}\n'));
    const next = loadZones([dir], { previous: first });
    expect(next.zones).toEqual([]);
    expect(next.kept.map((z) => nameToText(z.zone.origin)).sort()).toEqual(['2.0.192.in-addr.arpa.', 'f.test.']);
    expect(ptr(next, '192.0.2.25')).toEqual(['mail.f.test.']);
    expect(ptr(next, '192.0.2.26')).toEqual([]);
    // At a first start (check) there is no other generation to mix with: each zone is judged on its own.
    const check = loadZones([dir]);
    expect(check.zones.map((z) => nameToText(z.zone.origin))).toEqual(['2.0.192.in-addr.arpa.']);
    expect(check.failed).toEqual([join(dir, 'f.test.yaml')]);
  });
});
