/**
 * `mailns import`: every record that can be carried over is, as RFC 3597
 * generic data where mailns has no text form for the type; what cannot is
 * reported at the token at fault; $INCLUDE and $GENERATE; exit codes and
 * streams. The bytes are judged by outside tools (dnspython, BIND's
 * named-compilezone and dig), not by expectations of our own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportIo, importExitCode, importZoneFile, runImport } from '../../src/cli/import.js';
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
    expect(importExitCode(r)).toBe(0);
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

describe('$INCLUDE and $GENERATE', () => {
  it('reads $INCLUDE files relative to the file that includes them, with their origins', () => {
    const r = importFile(join(FIX, 'include/main.zone'));
    expect(r.problems).toEqual([]);
    expect(yamlRecords(r.yaml!)).toEqual([
      'after.inc.test. TXT the origin is inc.test. again',
      'far.elsewhere.inc.test. A 192.0.2.151',
      'mail.inc.test. A 192.0.2.25',
      'mail.inc.test. MX 10 mail.inc.test.',
      'note.lab.inc.test. TXT included twice deep, origin lab.inc.test.',
      'ns1.inc.test. A 192.0.2.53',
      'printer.lab.inc.test. A 192.0.2.150',
      'www.inc.test. A 192.0.2.80',
      'www.inc.test. AAAA 2001:db8::80',
    ]);
  });

  it('reports a missing $INCLUDE file at its name, and what is wrong inside an included file at its own file:line:col', () => {
    const files: Record<string, string> = { 'z/bad.zone': 'ok A 192.0.2.7\nnope A 192.0.2.999\n' };
    const readFile = (p: string) => { const t = files[p]; if (t === undefined) throw Object.assign(new Error('x'), { code: 'ENOENT' }); return t; };
    const r = importZoneFile('$TTL 60\n$ORIGIN x.test.\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n$INCLUDE  gone.zone\n$INCLUDE bad.zone\n', 'z/main.zone', undefined, { readFile });
    expect(r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.rule} ${p.message}`)).toEqual([
      'z/main.zone:6:11 include cannot read $INCLUDE file z/gone.zone: no such file',
      'z/bad.zone:2:8 rdata A: "192.0.2.999" is not an IPv4 address',
    ]);
    expect(yamlRecords(r.yaml!)).toEqual(['ns.x.test. A 192.0.2.1', 'ok.x.test. A 192.0.2.7']);
  });

  it('expands $GENERATE', () => {
    const r = importFile(join(FIX, 'generate.zone'));
    expect(r.problems).toEqual([]);
    const recs = yamlRecords(r.yaml!);
    expect(recs.filter((l) => l.startsWith('host'))).toHaveLength(20);
    expect(recs).toContain('010.pool.gen.test. CNAME host1.gen.test.');
    expect(recs).toContain('a.1.0.0.nib.gen.test. PTR h1A.gen.test.');
  });

  it.skipIf(!haveBind)(haveBind ? 'expands $GENERATE to the records named-compilezone loads' : 'expands $GENERATE to the records named-compilezone loads (skipped: no named-compilezone)', () => {
    const file = join(FIX, 'generate.zone');
    expect(bindText('gen.test', roundTrip(file).exported)).toEqual(bindText('gen.test', file));
  });

  it('reports a $GENERATE whose records go wrong once, with how many more', () => {
    const r = importZoneFile('$TTL 60\n$ORIGIN g.test.\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n$GENERATE 250-260 h$ A 192.0.2.$\n', 'g.zone');
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual(['6:24 A: "192.0.2.256" is not an IPv4 address (and 4 more from this $GENERATE)']);
    expect(yamlRecords(r.yaml!).filter((l) => l.startsWith('h'))).toHaveLength(6);
  });
});

describe('what cannot be carried over', () => {
  const text = [
    '$TTL 1h', '$ORIGIN col.test.', '@ SOA ns1 hm 1 2 3 4 5', '  NS ns1', 'ns1 A 192.0.2.1',
    'a      A     192.0.2.300',
    'b      MX    10 mail extra',
    'c      LOC   52 22 61 N 4 E 0',
    'd      HTTPS 1 . alpn=h2 bogus=1',
    'e      NAPTR 100 x "S" "" "" .',
    'out.example. A 192.0.2.2',
    'f      DNAME elsewhere.example.',
    'g      CH TXT "x"',
    'h 1x   A 192.0.2.3',
    'k      TYPE65000 hello',
    'm      SVCB  1 . mandatory=port alpn=h2',
    'n      RRSIG A 13 2 3600 20300101000000 20200101000000 1 col.test. AAAA',
    'ok     LOC   52 N 4 E 0',
  ].join('\n') + '\n';

  it('is reported at the token at fault, and the rest is still imported and loads', () => {
    const r = importZoneFile(text, 'col.zone');
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.rule}`)).toEqual([
      '13:8 error zonefile', // the class
      '14:3 error zonefile', // the TTL
      '6:14 error rdata', // the address
      '7:22 error rdata', // the field too many
      '8:20 error rdata', // the seconds
      '9:26 error rdata', // the unknown key
      '10:18 error rdata', // the order that is not a number
      '11:1 error out-of-zone', // the owner
      '12:8 error dname', // the type
      '15:18 error rdata', // RDATA that is not RFC 3597 data
      '16:18 error rdata', // mandatory names a key the record lacks
      '17:8 error dnssec', // made by a signer
    ]);
    expect(importExitCode(r)).toBe(1);
    expect(yamlRecords(r.yaml!)).toEqual(['ns1.col.test. A 192.0.2.1', 'ok.col.test. LOC \\# 16 001216138B28720080DBBA0000989680']);
    expect(r.yaml).toMatch(/^# some records were left out/m);
    expect(loadYaml({ 'col.test.yaml': r.yaml! }).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('says which record, and why', () => {
    const p = importZoneFile(text, 'col.zone').problems.find((x) => x.line === 8)!;
    expect(p.message).toBe('LOC: latitude seconds: "61" is not 0-59.999');
    expect(p.record).toBe('c.col.test. 3600 IN LOC 52 22 61 N 4 E 0');
  });
});

describe('streams and exit codes', () => {
  const capture = (files: Record<string, string>): ImportIo & { stdout: string; stderr: string[] } => {
    const io = {
      stdout: '', stderr: [] as string[],
      out(s: string) { io.stdout += s; },
      err(s: string) { io.stderr.push(s); },
      readFile(p: string) { const t = files[p]; if (t === undefined) throw Object.assign(new Error('x'), { code: 'ENOENT' }); return t; },
    };
    return io;
  };
  const head = '$TTL 60\n$ORIGIN e.test.\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n';

  it('0: everything carried over, YAML on stdout, nothing on stderr', () => {
    const io = capture({ 'e.zone': head });
    expect(runImport('e.zone', undefined, io)).toBe(0);
    expect(io.stdout).toMatch(/^zone: e\.test\.$/m);
    expect(io.stderr).toEqual([]);
  });

  it('1: some records left out, the YAML for the rest still on stdout, each finding on stderr', () => {
    const io = capture({ 'e.zone': head + 'bad A 192.0.2.300\nfine A 192.0.2.2\n' });
    expect(runImport('e.zone', undefined, io)).toBe(1);
    expect(io.stdout).toMatch(/fine:/);
    expect(io.stderr).toEqual(['e.zone:6:7: error [rdata] A: "192.0.2.300" is not an IPv4 address\n    record: bad.e.test. 60 IN A 192.0.2.300']);
  });

  it('1 without YAML when there is no SOA to make a zone of', () => {
    const io = capture({ 'e.zone': 'a.e.test. 60 A 192.0.2.1\n' });
    expect(runImport('e.zone', undefined, io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toEqual([expect.stringMatching(/^e\.zone:1:1: error \[zonefile\] no SOA record/)]);
  });

  it('2: the file cannot be read', () => {
    const io = capture({});
    expect(runImport('missing.zone', undefined, io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toEqual(['mailns import: cannot read missing.zone: no such file']);
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

describe('import reads only small regular files', () => {
  it('a FIFO as the file or as a $INCLUDE is refused at once, not waited on', () => {
    const d = mkdtempSync(join(tmpdir(), 'mailns-import-fifo-'));
    try {
      const fifo = join(d, 'pipe.zone');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const main = join(d, 'main.zone');
      writeFileSync(main, `$ORIGIN x.test.\n$TTL 300\n@ SOA ns1.example. h 1 2 3 4 5\n@ NS ns1.example.\n$INCLUDE ${fifo}\n`);
      const direct = spawnSync(process.execPath, ['dist/src/cli/main.js', 'import', fifo], { encoding: 'utf8', timeout: 10_000 });
      expect(direct.status).toBe(2);
      expect(direct.stderr.trim()).toBe(`mailns import: cannot read ${fifo}: a FIFO, not a regular file`);
      const included = spawnSync(process.execPath, ['dist/src/cli/main.js', 'import', main], { encoding: 'utf8', timeout: 10_000 });
      expect(included.status).toBe(1);
      expect(included.stderr).toContain(`main.zone:5:10: error [include] cannot read $INCLUDE file ${fifo}: a FIFO, not a regular file`);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
