/**
 * A reload serves the zones of unchanged files as they were, unless another
 * file reads or adds to them (src/server/load-reuse.ts). Reuse must change
 * nothing but the work done: each case compares the reload with the same
 * reload made with reuse turned off (the previous load's zones stripped of
 * their `reusable` mark), zone by zone as `export` prints them, finding by
 * finding, and says by hand which zones must have been made again.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { exportZone } from '../../src/zone/export.js';
import { nameToText, parseName } from '../../src/util/name.js';
import { resolve } from '../../src/query/resolve.js';
import { TYPE } from '../../src/wire/constants.js';
import { rdataToText } from '../../src/wire/rdata.js';
import { loadableSets } from '../helpers/sets.js';

const now = new Date('2026-12-07T00:00:00Z');
let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mailns-reuse-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

const zone = (name: string, hosts: string, more = '') =>
  `zone: ${name}.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts}${more}`;
const A = zone('a.test', '  www: {ipv4: 192.0.2.10}\n  mail: {ipv4: 192.0.2.25}\n');
const B = zone('b.test', '  www: {ipv4: 198.51.100.10}\n');
/** A file of reverse: entries only (its entries follow). */
const REVERSE = 'soa: {rname: hostmaster@example.net}\nnameservers: [ns1.example.net., ns2.example.net.]\nreverse:\n';
const C = zone('c.test', '  mail: {ipv4: 203.0.113.25}\n', 'mail:\n  mx: [mail]\n  dkim:\n    s1: {key_file: keys/s1.pem}\n');

function summary(r: LoadResult) {
  return {
    zones: r.zones.map((z) => exportZone(z.zone)),
    kept: r.kept.map((z) => exportZone(z.zone)),
    serials: r.zones.map((z) => `${nameToText(z.zone.origin)} ${z.serial} ${z.digest}`),
    problems: r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.severity} ${p.rule} ${p.message}`),
    failed: r.failed,
    silenced: r.silenced.map((x) => `${x.problem.file}:${x.problem.line} ${x.problem.rule} ${x.reason}`),
  };
}

const withoutReuse = (r: LoadResult): LoadResult => ({ ...r, zones: r.zones.map((z) => ({ ...z, reusable: undefined })) });

/** The reload, checked against the same reload without reuse; the names of the zones served as they were. */
function reload(first: LoadResult, dirs = [dir]): { next: LoadResult; reused: string[] } {
  const next = loadZones(dirs, { now, previous: first });
  expect(summary(next)).toEqual(summary(loadZones(dirs, { now, previous: withoutReuse(first) })));
  const before = new Set(first.zones.map((z) => z.zone));
  return { next, reused: next.zones.filter((z) => before.has(z.zone)).map((z) => nameToText(z.zone.origin)).sort() };
}

const answer = (r: LoadResult, name: string, type: number) => {
  const res = resolve(r.catalog, parseName(name), type);
  return res.rrset ? res.rrset.rdatas.map((rd) => rdataToText(type, rd.wire)) : [];
};

function start(): LoadResult {
  mkdirSync(join(dir, 'keys'));
  copyFileSync('zones/keys/example.com/ed2026.pub.pem', join(dir, 'keys', 's1.pem'));
  write('a.test.yaml', A);
  write('b.test.yaml', B);
  write('c.test.yaml', C);
  const first = loadZones([dir], { now });
  expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(first.zones).toHaveLength(3);
  return first;
}

describe('a reload reuses the zones of unchanged files', () => {
  it('nothing changed: every zone is served as it was', () => {
    expect(reload(start()).reused).toEqual(['a.test.', 'b.test.', 'c.test.']);
  });

  it('one file edited: only its zone is made again, with the new host', () => {
    const first = start();
    write('b.test.yaml', `${B}  new: {ipv4: 198.51.100.11}\n`);
    const { next, reused } = reload(first);
    expect(reused).toEqual(['a.test.', 'c.test.']);
    expect(answer(next, 'new.b.test.', TYPE.A)).toEqual(['198.51.100.11']);
  });

  it('a comment added: the zone is made again (the text differs), with the same serial and content', () => {
    const first = start();
    write('a.test.yaml', `# a comment\n${A}`);
    const { next, reused } = reload(first);
    expect(reused).toEqual(['b.test.', 'c.test.']);
    const was = first.zones.find((z) => nameToText(z.zone.origin) === 'a.test.')!;
    const now2 = next.zones.find((z) => nameToText(z.zone.origin) === 'a.test.')!;
    expect([now2.serial, now2.digest]).toEqual([was.serial, was.digest]);
  });

  it('a key file replaced under an unchanged zone file: that zone is made again, with the new key', () => {
    const first = start();
    const before = answer(first, 's1._domainkey.c.test.', TYPE.TXT);
    copyFileSync('zones/keys/example.com/rsa2026.pub.pem', join(dir, 'keys', 's1.pem'));
    const { next, reused } = reload(first);
    expect(reused).toEqual(['a.test.', 'b.test.']);
    const after = answer(next, 's1._domainkey.c.test.', TYPE.TXT);
    expect(after.join('')).toContain('k=rsa');
    expect(after).not.toEqual(before);
  });

  it('a file of reverse: entries appears: every forward zone is read for its hosts, so none is reused', () => {
    const first = start();
    write('reverse.yaml', `${REVERSE}  - network: 192.0.2.0/24\n`);
    const { next, reused } = reload(first);
    expect(reused).toEqual([]);
    expect(answer(next, '25.2.0.192.in-addr.arpa.', TYPE.PTR)).toEqual(['mail.a.test.']);
  });

  it('a reverse: entry with from: reads only the zones it names: the others are reused', () => {
    const first = start();
    write('reverse.yaml', `${REVERSE}  - network: 198.51.100.0/24\n    from: [b.test.]\n`);
    const { next, reused } = reload(first);
    expect(reused).toEqual(['a.test.', 'c.test.']);
    expect(answer(next, '10.100.51.198.in-addr.arpa.', TYPE.PTR)).toEqual(['www.b.test.']);
  });

  it('a new zone sends DMARC reports to a reused one: that zone is made again, with the authorization record', () => {
    const first = start();
    write('d.test.yaml', zone('d.test', '  mail: {ipv4: 192.0.2.26}\n', 'mail:\n  mx: [mail]\n  dmarc: {p: reject, rua: [mailto:reports@a.test]}\n'));
    const { next, reused } = reload(first);
    expect(reused).toEqual(['b.test.', 'c.test.']);
    expect(answer(next, 'd.test._report._dmarc.a.test.', TYPE.TXT)).toEqual(['"v=DMARC1"']);
  });

  it('generic names get their forward side in a reused zone: that zone is made again and answers them', () => {
    const first = start();
    write('reverse.yaml', `${REVERSE}  - network: 198.51.100.0/24\n    from: [b.test.]\n    generic: {name: 'host-{dashed}.a.test.', forward: true}\n`);
    const { next, reused } = reload(first);
    expect(reused).toEqual(['c.test.']);
    expect(answer(next, 'host-198-51-100-7.a.test.', TYPE.A)).toEqual(['198.51.100.7']);
  });

  it('a file sorted first defines a reused zone again: the reload decides as a full one does', () => {
    const first = start();
    write('0-a.test.yaml', A);
    const { next } = reload(first);
    expect(next.problems.some((p) => p.rule === 'zone-duplicate' && p.file.endsWith('a.test.yaml') && !p.file.endsWith('0-a.test.yaml'))).toBe(true);
  });

  it('a file sorted first defines a reused zone again, and a reverse: entry then needs it: it stays the second definition', () => {
    const first = start();
    write('0-a.test.yaml', A.replace('192.0.2.10', '192.0.2.11'));
    write('reverse.yaml', `${REVERSE}  - network: 192.0.2.0/24\n    from: [a.test.]\n`);
    const { next } = reload(first);
    expect(next.problems.some((p) => p.rule === 'zone-duplicate' && p.file === join(dir, 'a.test.yaml'))).toBe(true);
    expect(answer(next, 'www.a.test.', TYPE.A)).toEqual(['192.0.2.11']);
  });

  it('what lint.ignore silenced in a reused zone is reported as silenced again', () => {
    const first = start();
    write('b.test.yaml', `${B}records:\n  sub: {type: NS, value: ns.other.example.}\n  x.sub: {type: A, value: 192.0.2.1}\nlint:\n  ignore:\n    occluded: 'on purpose'\n`);
    const second = reload(first).next;
    expect(second.silenced.map((x) => x.problem.rule)).toContain('occluded');
    // Reused, then reused again.
    let last = second;
    for (let n = 0; n < 2; n++) {
      const { next, reused } = reload(last);
      expect(reused).toContain('b.test.');
      expect(next.silenced.map((x) => x.problem.rule)).toContain('occluded');
      last = next;
    }
  });

  it('a reused zone the lint now fails (it names a host another file dropped) keeps its last good copy, as without reuse', () => {
    const first = start();
    write('a.test.yaml', zone('a.test', '  www: {ipv4: 192.0.2.10}\n', 'mail:\n  mx: [mail.b.test.]\n'));
    write('b.test.yaml', `${B}  mail: {ipv4: 198.51.100.25}\n`);
    const second = reload(first).next;
    write('b.test.yaml', B);
    const { next } = reload(second);
    expect(answer(next, 'a.test.', TYPE.MX)).toEqual(['10 mail.b.test.']);
  });
});

describe('every example and fixture set reloads unchanged as it loads', () => {
  const sets = loadableSets();
  it(`${sets.length} sets`, () => {
    let reusedAny = 0;
    for (const set of sets) {
      const first = loadZones([set], { now });
      reusedAny += reload(first, [set]).reused.length;
    }
    expect(reusedAny).toBeGreaterThan(5);
  });
});
