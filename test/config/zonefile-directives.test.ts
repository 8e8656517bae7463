/** $INCLUDE and $GENERATE in the zone-file parser; the BIND judge of $GENERATE is in test/cli/import.test.ts. */
import { describe, it, expect } from 'vitest';
import { parseZoneFile } from '../../src/config/zonefile.js';

const zone = (...lines: string[]): string => lines.join('\n') + '\n';

describe('$INCLUDE (RFC 1035 §5.1)', () => {
  /** An include reader over a map of file name → text, resolving names against the including file's folder. */
  const files = (map: Record<string, string>) => (name: string, from: string | undefined) => {
    const dir = from?.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    const file = name.startsWith('/') ? name : dir + name;
    const text = map[file];
    return text === undefined ? { error: `cannot read ${file}: no such file` } : { file, text };
  };

  it('reads the file, with its own origin when given, then restores the origin and the previous owner', () => {
    const include = files({
      'z/hosts.zone': 'www A 192.0.2.80\n',
      'z/sub/lab.zone': 'printer A 192.0.2.150\n$ORIGIN elsewhere.test.\nfar A 192.0.2.151\n$TTL 120\n',
    });
    const res = parseZoneFile(
      zone('$ORIGIN example.test.', '$TTL 60', 'ns A 192.0.2.53', '$INCLUDE hosts.zone', '$INCLUDE "sub/lab.zone" lab', '  AAAA 2001:db8::53', 'after TXT "back"'),
      { file: 'z/main.zone', include },
    );
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.owner, r.type, r.ttl, r.file, r.line, r.origin])).toEqual([
      ['ns.example.test.', 'A', 60, 'z/main.zone', 3, 'example.test.'],
      ['www.example.test.', 'A', 60, 'z/hosts.zone', 1, 'example.test.'],
      ['printer.lab.example.test.', 'A', 60, 'z/sub/lab.zone', 1, 'lab.example.test.'],
      ['far.elsewhere.test.', 'A', 60, 'z/sub/lab.zone', 3, 'elsewhere.test.'],
      // The owner and origin of the including file come back; the $TTL the included file set stays, as in BIND.
      ['ns.example.test.', 'AAAA', 120, 'z/main.zone', 6, 'example.test.'],
      ['after.example.test.', 'TXT', 120, 'z/main.zone', 7, 'example.test.'],
    ]);
  });

  it('reports a missing file at the file name, and errors inside an included file with that file and line', () => {
    const include = files({ 'broken.zone': '; first line\nx.test. 60 A 192.0.2.300x\ny.test. 60 BOGUS 1\n' });
    const res = parseZoneFile(zone('$INCLUDE   nothere.zone', '$INCLUDE broken.zone', 'a.test. 60 A 192.0.2.1', 'b.test. 1x A 192.0.2.2'), { file: 'main.zone', include });
    expect(res.errors).toEqual([
      { file: 'main.zone', line: 1, col: 12, rule: 'include', message: 'cannot read nothere.zone: no such file' },
      { file: 'main.zone', line: 4, col: 9, message: 'invalid TTL "1x"' },
      { file: 'broken.zone', line: 3, col: 12, message: 'unknown type "BOGUS"' },
    ]);
    // A records' RDATA is not the parser's business: x.test. is read, for the caller to judge.
    expect(res.records.map((r) => r.owner)).toEqual(['x.test.', 'a.test.']);
  });

  it('detects a loop, and limits the nesting depth', () => {
    const loop = files({ 'a.zone': '$INCLUDE b.zone\n', 'b.zone': '$INCLUDE a.zone\n' });
    const res = parseZoneFile('$INCLUDE a.zone\n', { file: 'main.zone', include: loop });
    expect(res.errors).toEqual([{ file: 'b.zone', line: 1, col: 10, rule: 'include', message: '$INCLUDE loop: a.zone includes b.zone includes a.zone' }]);
    const chain = files(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.zone`, `$INCLUDE f${i + 1}.zone\nn${i}.test. 60 A 192.0.2.${i}\n`])));
    const deep = parseZoneFile('$INCLUDE f0.zone\n', { file: 'main.zone', include: chain });
    expect(deep.errors).toEqual([{ file: 'f7.zone', line: 1, col: 10, rule: 'include', message: '$INCLUDE nested more than 8 deep' }]);
    expect(deep.records).toHaveLength(8);
    expect(parseZoneFile('$INCLUDE f0.zone\n', { file: 'main.zone', include: chain, maxIncludeDepth: 2 }).records).toHaveLength(2);
  });

  it('reports a bad origin argument and extra arguments', () => {
    const include = files({ 'x.zone': 'a A 192.0.2.1\n' });
    const res = parseZoneFile(zone('$ORIGIN example.test.', '$INCLUDE x.zone bad..name', '$INCLUDE x.zone o extra'), { include });
    expect(res.errors.map((e) => [e.line, e.col, e.message])).toEqual([
      [2, 17, expect.stringMatching(/empty label/)],
      [3, 19, '$INCLUDE takes a file name and an optional origin'],
    ]);
  });
});

describe('$GENERATE (BIND)', () => {
  const gen = (...lines: string[]) => parseZoneFile(zone('$ORIGIN g.test.', '$TTL 300', ...lines), {});
  const rows = (res: ReturnType<typeof parseZoneFile>) => res.records.map((r) => `${r.owner} ${r.ttl} ${r.type} ${r.rdata.join(' ')}`);

  it('expands $, steps, the TTL and class, a quoted rhs and escapes', () => {
    const res = gen(
      '$GENERATE 1-3 host$ A 192.0.2.$',
      '$GENERATE 0-4/2 ${10,3,d}.x 60 IN CNAME t${0,4,x}',
      '$GENERATE 1-2 m$ MX "10 mail$.example."',
      '$GENERATE 1-2 q\\$$ TXT "v$ \\$ $$"',
    );
    expect(res.errors).toEqual([]);
    // What named-compilezone makes of the same lines.
    expect(rows(res)).toEqual([
      'host1.g.test. 300 A 192.0.2.1', 'host2.g.test. 300 A 192.0.2.2', 'host3.g.test. 300 A 192.0.2.3',
      '010.x.g.test. 60 CNAME t0000', '012.x.g.test. 60 CNAME t0002', '014.x.g.test. 60 CNAME t0004',
      'm1.g.test. 300 MX 10 mail1.example.', 'm2.g.test. 300 MX 10 mail2.example.',
      'q\\$1.g.test. 300 TXT v1 \\$ $', 'q\\$2.g.test. 300 TXT v2 \\$ $',
    ]);
    expect(res.records[0]!.generated).toEqual({ line: 3, col: 1, value: 1 });
    expect(res.records[0]!.at).toEqual({ owner: { line: 3, col: 15 }, type: { line: 3, col: 21 }, rdata: [{ line: 3, col: 23 }] });
  });

  it('formats in bases o, x, X, n and N, with widths and negative offsets, as BIND does', () => {
    const res = gen(
      '$GENERATE 26-26 n${0,5,n}.${0,3,N} PTR o${0,4,o}.x${0,0,x}.X${0,0,X}',
      '$GENERATE 0-0 f${3}.${0,0,n}.${4095,0,N}.${255,3,n} A 192.0.2.1',
      '$GENERATE 0-0 d${-1,0,x} TXT "${-1,5,o} ${-1,4,d}"',
      '$GENERATE 0-0 e${-1,0,n} A 192.0.2.2',
      '$GENERATE 1-1 c$$${1}x A 192.0.2.3',
    );
    expect(res.errors).toEqual([]);
    expect(rows(res)).toEqual([
      'na.1.0.A.1.g.test. 300 PTR o0032.x1a.X1A',
      'f3.0.F.F.F.f.f.g.test. 300 A 192.0.2.1',
      'dffffffff.g.test. 300 TXT 37777777777 -001',
      'ef.f.f.f.f.f.f.f.g.test. 300 A 192.0.2.2',
      'c$2x.g.test. 300 A 192.0.2.3',
    ]);
  });

  it('leaves the previous owner alone, and sets the previous TTL', () => {
    const res = parseZoneFile(zone('$ORIGIN g.test.', 'ns 200 A 192.0.2.1', '$GENERATE 1-1 a$ 50 A 192.0.2.$', '  TXT "ns"', 'b A 192.0.2.7'), {});
    expect(rows(res)).toEqual(['ns.g.test. 200 A 192.0.2.1', 'a1.g.test. 50 A 192.0.2.1', 'ns.g.test. 50 TXT "ns"', 'b.g.test. 50 A 192.0.2.7']);
  });

  it('reports a bad range or modifier at its token', () => {
    const res = gen('$GENERATE 3-2 a$ A 192.0.2.$', '$GENERATE 1-x a$ A 192.0.2.$', '$GENERATE 1-2 a${1,2,q} A 192.0.2.$', '$GENERATE 1-2 a$ A 192.0.2.${1', '$GENERATE 1-2', '$GENERATE 1-2 a$ A');
    expect(res.records).toEqual([]);
    expect(res.errors.map((e) => [e.line, e.col, e.rule, e.message])).toEqual([
      [3, 11, 'generate', expect.stringMatching(/range "3-2": start is after stop/)],
      [4, 11, 'generate', expect.stringMatching(/range "1-x"/)],
      [5, 15, 'generate', expect.stringMatching(/bad \$GENERATE modifier/)],
      [6, 20, 'generate', expect.stringMatching(/bad \$GENERATE modifier/)],
      [7, 1, 'generate', expect.stringMatching(/takes start-stop/)],
      [8, 18, undefined, 'A record has no RDATA'],
    ]);
  });

  it('makes at most maxGenerate records per directive, and says so at the range', () => {
    const res = parseZoneFile(zone('$TTL 60', '$GENERATE 0-99/3 h$.test. A 192.0.2.1'), { maxGenerate: 10 });
    expect(res.records).toHaveLength(10);
    expect(res.records.at(-1)!.owner).toBe('h27.test.');
    expect(res.errors).toEqual([{ line: 2, col: 11, rule: 'generate', message: '$GENERATE 0-99/3 makes 34 records, more than the 10 one directive may: only 0 to 27 are read' }]);
    const big = parseZoneFile(zone('$TTL 60', '$GENERATE 0-70000 h$.test. A 192.0.2.1'), {});
    expect(big.records).toHaveLength(65536);
    expect(big.errors.map((e) => e.message)).toEqual([expect.stringMatching(/makes 70001 records, more than the 65536/)]);
  });

  it('reports a name that goes wrong once for the directive, with the value', () => {
    const res = gen(`$GENERATE 1-20 ${'x'.repeat(62)}$ A 192.0.2.1`);
    expect(res.records.map((r) => r.owner)).toHaveLength(9);
    expect(res.errors).toEqual([{ line: 3, col: 16, message: expect.stringMatching(/label .* is 64 octets.*\(\$GENERATE value 10\) \(and 10 more from this \$GENERATE\)$/) }]);
  });
});
