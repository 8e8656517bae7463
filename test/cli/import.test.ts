/**
 * `mailns import`: types mailns has no text form for are carried over as
 * RFC 3597 generic data. The bytes are judged by outside tools (dnspython,
 * BIND's named-compilezone and dig), not by expectations of our own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importZoneFile } from '../../src/cli/import.js';
import { GENERIC_TYPES } from '../../src/cli/import-generic.js';
import { parseRdata } from '../../src/wire/rdata.js';
import { typeToText } from '../../src/wire/constants.js';
import { exportZone } from '../../src/zone/export.js';
import { dig } from '../helpers/dig.js';
import { PYTHON, requireDnspython } from '../helpers/dnspy.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml, type Running } from '../helpers/server.js';
import { loadYaml } from '../helpers/zones.js';

const FIX = 'test/fixtures/import';
const GENERIC = join(FIX, 'generic.zone');
const havePy = requireDnspython();
const haveBind = requireTool('named-compilezone');
const haveDig = requireTool('dig');
const tmp = mkdtempSync(join(tmpdir(), 'mailns-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const importFile = (path: string) => importZoneFile(readFileSync(path, 'utf8'), path);

interface YamlRec { type: string; value?: unknown; values?: unknown[] }
/** The records: of a YAML that import made, as "owner TYPE value" with absolute owners. */
function yamlRecords(yaml: string): string[] {
  const doc = parse(yaml) as { zone: string; records: Record<string, YamlRec | YamlRec[]> };
  const out: string[] = [];
  for (const [k, v] of Object.entries(doc.records)) {
    for (const r of Array.isArray(v) ? v : [v]) {
      for (const value of r.values ?? [r.value]) out.push(`${k === '' ? doc.zone : `${k}.${doc.zone}`} ${r.type} ${String(value)}`);
    }
  }
  return out.sort();
}

/** What dnspython makes of a zone file: "owner TYPE hex" per record. */
function dnspython(file: string, origin: string): string[] {
  const script = [
    'import sys, dns.zone, dns.rdatatype',
    'z = dns.zone.from_file(sys.argv[1], origin=sys.argv[2], relativize=False)',
    'for name, rds in z.iterate_rdatasets():',
    '    for rd in rds: print(name.to_text(), dns.rdatatype.to_text(rds.rdtype), rd.to_wire(origin=z.origin).hex())',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, file, origin], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').sort();
}

/** named-compilezone's canonical text of a zone file: "owner ttl class type rdata" lines, blanks collapsed, sorted. */
function bindText(origin: string, file: string): string[] {
  const out = join(tmp, `bind-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync('named-compilezone', ['-k', 'ignore', '-i', 'none', '-o', out, origin, file], { encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/\s+/g, ' ').trim()).sort();
}

/** Imports a zone file, loads the YAML, exports it back as a zone file: what mailns would serve. */
function roundTrip(file: string, text = readFileSync(file, 'utf8')): { yaml: string; exported: string } {
  const r = importZoneFile(text, file);
  expect(r.problems).toEqual([]);
  const loaded = loadYaml({ 'zone.yaml': r.yaml! });
  expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const exported = join(tmp, `export-${Math.random().toString(36).slice(2)}.zone`);
  writeFileSync(exported, exportZone(loaded.zones[0]!.zone));
  return { yaml: r.yaml!, exported };
}

describe('types without a text form in mailns', () => {
  it('are carried over as RFC 3597 generic data, and the YAML loads without error', () => {
    const r = importFile(GENERIC);
    expect(r.problems).toEqual([]);
    const recs = yamlRecords(r.yaml!);
    expect(recs).toContain('loc.generic.test. LOC \\# 16 000016138B3CF018810CBCE0009895B8');
    const generic = new Set(recs.filter((l) => / \\# /.test(l)).map((l) => l.split(' ')[1]));
    expect([...generic].sort()).toEqual(['AFSDB', 'CDNSKEY', 'CDS', 'CERT', 'CSYNC', 'DNSKEY', 'HTTPS', 'KX', 'LOC', 'NAPTR', 'OPENPGPKEY', 'RP', 'SMIMEA', 'SVCB', 'TYPE65534', 'URI', 'ZONEMD']);
    const loaded = loadYaml({ 'generic.test.yaml': r.yaml! });
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it.skipIf(!havePy)(havePy ? 'have the bytes dnspython encodes' : 'have the bytes dnspython encodes (skipped: no dnspython)', () => {
    const mine = yamlRecords(importFile(GENERIC).yaml!).filter((l) => / \\# /.test(l))
      .map((l) => { const [owner, type, , , ...hex] = l.split(' '); return `${owner} ${type} ${hex.join('').toLowerCase()}`; });
    const types = new Set(mine.map((l) => l.split(' ')[1]));
    const theirs = dnspython(GENERIC, 'generic.test.').filter((l) => types.has(l.split(' ')[1]!));
    expect(mine.sort()).toEqual(theirs);
    expect(mine.filter((l) => / (LOC|NAPTR|HTTPS|SVCB) /.test(l))).toHaveLength(14);
  });

  it.skipIf(!haveBind)(haveBind ? 'make the zone BIND reads from the original file' : 'make the zone BIND reads from the original file (skipped: no named-compilezone)', () => {
    // BIND decodes the generic data of the export back into LOC, NAPTR, SVCB, ... text.
    const { exported } = roundTrip(GENERIC);
    expect(bindText('generic.test', exported)).toEqual(bindText('generic.test', GENERIC));
    // dohpath (RFC 9461), which dnspython 2.3 does not know.
    const doh = join(tmp, 'doh.zone');
    writeFileSync(doh, '$TTL 60\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n_dns SVCB 1 ns alpn=h2 dohpath=/dns-query{?dns} mandatory=alpn\n');
    const origin = 'doh.test';
    const r = importZoneFile(readFileSync(doh, 'utf8'), doh, origin);
    expect(r.problems).toEqual([]);
    const back = join(tmp, 'doh-back.zone');
    writeFileSync(back, exportZone(loadYaml({ 'doh.yaml': r.yaml! }).zones[0]!.zone));
    expect(bindText(origin, back)).toEqual(bindText(origin, doh));
  });

  it('are encoded here only while wire/rdata.ts has no text form for them', () => {
    for (const t of GENERIC_TYPES) expect(() => parseRdata(t, ['0'], []), typeToText(t)).toThrow(/has no text form/);
  });
});

describe.skipIf(!haveDig || !havePy)(haveDig && havePy ? 'served from the imported YAML' : 'served from the imported YAML (skipped: needs dig and dnspython)', () => {
  let srv: Running & { dir: string };
  const expected = havePy ? dnspython(GENERIC, 'generic.test.') : [];
  beforeAll(async () => { srv = await startWithYaml({ 'generic.test.yaml': importFile(GENERIC).yaml! }); });
  afterAll(async () => srv?.stop());

  /** The (owner, type) pairs the import wrote as generic data. */
  const genericSets = () => [...new Set(yamlRecords(importFile(GENERIC).yaml!).filter((l) => / \\# /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' ')))];

  it('answers with the bytes dnspython encodes from the original file (dig +unknownformat)', async () => {
    const sets = genericSets();
    expect(sets).toEqual(expect.arrayContaining(['loc.generic.test. LOC', 'naptr.generic.test. NAPTR', 'www.generic.test. HTTPS', '_dns.generic.test. SVCB']));
    for (const s of sets) {
      const [owner, type] = s.split(' ') as [string, string];
      const a = await dig(srv.port, ['+norec', '+unknownformat', owner, type]);
      expect(a.status).toBe('NOERROR');
      // dig +unknownformat: "owner ttl CLASS1 TYPE29 \# 16 0000...", the hex in chunks.
      const got = a.answer.map((l) => { const m = /^(\S+) \d+ CLASS1 TYPE\d+ \\# \d+ ?(.*)$/.exec(l); return m ? `${m[1]} ${type} ${m[2]!.replace(/ /g, '').toLowerCase()}` : l; }).sort();
      expect(got, s).toEqual(expected.filter((l) => l.startsWith(`${owner} ${type} `)));
    }
  });

  it.skipIf(!haveBind)('and dig prints them as named-compilezone prints the original', async () => {
    const bind = bindText('generic.test', GENERIC);
    for (const s of genericSets()) {
      const [owner, type] = s.split(' ') as [string, string];
      const a = await dig(srv.port, ['+norec', owner, type]);
      expect(a.answer.sort(), s).toEqual(bind.filter((l) => l.startsWith(`${owner} `) && l.split(' ')[3] === type));
    }
  });
});
