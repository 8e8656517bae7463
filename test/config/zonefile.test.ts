import { describe, it, expect } from 'vitest';
import { absoluteName, parseZoneFile } from '../../src/config/zonefile.js';

/** Joins lines so the test text keeps its column-1 / indented distinction visibly. */
const zone = (...lines: string[]): string => lines.join('\n') + '\n';

function ok(text: string, opts: Parameters<typeof parseZoneFile>[1] = {}) {
  const res = parseZoneFile(text, opts);
  expect(res.errors).toEqual([]);
  return res.records;
}

describe('absoluteName', () => {
  it('resolves @, relative and absolute names', () => {
    expect(absoluteName('@', 'example.com.')).toBe('example.com.');
    expect(absoluteName('www', 'example.com.')).toBe('www.example.com.');
    expect(absoluteName('a.b', 'example.com')).toBe('a.b.example.com.');
    expect(absoluteName('host.example.net.', 'example.com.')).toBe('host.example.net.');
    expect(absoluteName('www', '.')).toBe('www.');
    expect(absoluteName('.', 'example.com.')).toBe('.');
  });

  it('does not treat an escaped dot as the trailing separator', () => {
    expect(absoluteName('a\\.', 'example.com.')).toBe('a\\..example.com.');
    expect(absoluteName('a\\\\.', 'example.com.')).toBe('a\\\\.');
    expect(absoluteName('first\\.last', 'example.com.')).toBe('first\\.last.example.com.');
  });
});

describe('parseZoneFile', () => {
  it('parses a realistic zone with an SOA in parentheses and comments', () => {
    const text = zone(
      '; example.com zone',
      '$ORIGIN example.com.',
      '$TTL 1h',
      '@\tIN\tSOA\tns1.example.com. hostmaster ( ; primary, contact',
      '\t\t2024010101 ; serial',
      '\t\t7200       ; refresh',
      '\t\t3600       ; retry',
      '\t\t1209600    ; expire',
      '\t\t300 )      ; negative-caching TTL (RFC 2308)',
      '\tIN\tNS\tns1',
      '\tIN\tNS\tns2.example.net.',
      '\tIN\tMX\t10 mail',
      'ns1\t\tA\t192.0.2.1',
      'mail\t300\tIN\tA\t192.0.2.25',
      '\t\t\tAAAA\t2001:db8::25',
    );
    const res = parseZoneFile(text, {});
    expect(res.errors).toEqual([]);
    expect(res.origin).toBe('example.com.');
    const soa = res.records[0]!;
    expect(soa).toEqual({
      owner: 'example.com.',
      ttl: 3600,
      class: 'IN',
      type: 'SOA',
      rdata: ['ns1.example.com.', 'hostmaster', '2024010101', '7200', '3600', '1209600', '300'],
      line: 4,
      origin: 'example.com.',
      // Each part's place, so findings can point at the token at fault (RDATA across lines keeps its own lines).
      at: {
        owner: { line: 4, col: 1 }, class: { line: 4, col: 3 }, type: { line: 4, col: 6 },
        rdata: [{ line: 4, col: 10 }, { line: 4, col: 27 }, ...[5, 6, 7, 8, 9].map((line) => ({ line, col: 3 }))],
      },
    });
    expect(res.records.map((r) => [r.owner, r.ttl, r.type, r.rdata.join(' '), r.line])).toEqual([
      ['example.com.', 3600, 'SOA', 'ns1.example.com. hostmaster 2024010101 7200 3600 1209600 300', 4],
      ['example.com.', 3600, 'NS', 'ns1', 10],
      ['example.com.', 3600, 'NS', 'ns2.example.net.', 11],
      ['example.com.', 3600, 'MX', '10 mail', 12],
      ['ns1.example.com.', 3600, 'A', '192.0.2.1', 13],
      ['mail.example.com.', 300, 'A', '192.0.2.25', 14],
      ['mail.example.com.', 3600, 'AAAA', '2001:db8::25', 15],
    ]);
  });

  it('uses opts.origin for @ and relative owners', () => {
    const recs = ok(zone('@ 60 IN A 192.0.2.1', 'www 60 IN CNAME @'), { origin: 'example.org' });
    expect(recs.map((r) => r.owner)).toEqual(['example.org.', 'www.example.org.']);
    expect(recs[1]!.rdata).toEqual(['@']); // names in RDATA are left as written
  });

  it('follows $ORIGIN changes, relative $ORIGIN included, and reports the origin per record', () => {
    const res = parseZoneFile(
      zone('$ORIGIN example.com.', 'a 60 A 192.0.2.1', '$ORIGIN sub', 'b 60 A 192.0.2.2', '$ORIGIN other.test.', 'c 60 A 192.0.2.3'),
      {},
    );
    expect(res.errors).toEqual([]);
    expect(res.origin).toBe('example.com.');
    expect(res.records.map((r) => [r.owner, r.origin])).toEqual([
      ['a.example.com.', 'example.com.'],
      ['b.sub.example.com.', 'sub.example.com.'],
      ['c.other.test.', 'other.test.'],
    ]);
  });

  it('accepts $TTL in BIND units', () => {
    const cases: [string, number][] = [['3600', 3600], ['1h', 3600], ['2d', 172800], ['1w', 604800], ['1h30m', 5400], ['1W2D3H4M5S', 788645]];
    for (const [ttl, secs] of cases) {
      const [r] = ok(zone(`$TTL ${ttl}`, 'example.com. IN A 192.0.2.1'));
      expect(r!.ttl, ttl).toBe(secs);
    }
  });

  it('accepts TTL and class in either order, and either omitted', () => {
    const recs = ok(
      zone('$TTL 300', 'a.test. 60 IN A 192.0.2.1', 'b.test. IN 1h A 192.0.2.2', 'c.test. IN A 192.0.2.3', 'd.test. 2m A 192.0.2.4', 'e.test. A 192.0.2.5'),
    );
    expect(recs.map((r) => [r.owner, r.ttl, r.class])).toEqual([
      ['a.test.', 60, 'IN'],
      ['b.test.', 3600, 'IN'],
      ['c.test.', 300, 'IN'],
      ['d.test.', 120, 'IN'],
      ['e.test.', 300, 'IN'],
    ]);
  });

  it('is case-insensitive for types, classes and directives, and keeps owner case', () => {
    const [r] = ok(zone('$origin Example.COM.', '$ttl 60', 'WWW in a 192.0.2.1'));
    expect(r).toMatchObject({ owner: 'WWW.Example.COM.', class: 'IN', type: 'A' });
  });

  it('lets an owner name look like a type, class or number when it starts the line', () => {
    const recs = ok(zone('$ORIGIN example.com.', '$TTL 60', 'a A 192.0.2.1', 'in IN A 192.0.2.2', '123 A 192.0.2.3', 'txt TXT "x"'));
    expect(recs.map((r) => r.owner)).toEqual(['a.example.com.', 'in.example.com.', '123.example.com.', 'txt.example.com.']);
  });

  it('repeats the previous owner for lines starting with whitespace', () => {
    const recs = ok(zone('$TTL 60', 'host.test. A 192.0.2.1', '  AAAA 2001:db8::1', '\tTXT "hi"'));
    expect(recs.map((r) => [r.owner, r.type])).toEqual([
      ['host.test.', 'A'],
      ['host.test.', 'AAAA'],
      ['host.test.', 'TXT'],
    ]);
  });

  it('keeps quotes, escapes, embedded spaces and semicolons in quoted strings', () => {
    const [r] = ok(zone('$TTL 60', 't.test. TXT "v=spf1 -all" "a;b ; c" "say \\"hi\\"" "back\\\\slash" unquoted ; comment'));
    expect(r!.rdata).toEqual(['"v=spf1 -all"', '"a;b ; c"', '"say \\"hi\\""', '"back\\\\slash"', 'unquoted']);
  });

  it('parses a TXT RRset of several records with several strings each', () => {
    const recs = ok(
      zone(
        '$ORIGIN example.com.',
        '$TTL 300',
        '@ IN TXT "v=spf1 include:_spf.example.net -all"',
        '  IN TXT "google-site-verification=abc" "second string"',
        '  IN TXT ( "part one "',
        '           "part two" )',
      ),
    );
    expect(recs.map((r) => r.rdata)).toEqual([
      ['"v=spf1 include:_spf.example.net -all"'],
      ['"google-site-verification=abc"', '"second string"'],
      ['"part one "', '"part two"'],
    ]);
    expect(recs.every((r) => r.owner === 'example.com.' && r.type === 'TXT')).toBe(true);
  });

  it('parses a 1 KB TXT record split into quoted strings over several lines', () => {
    const chunks = Array.from({ length: 5 }, (_, i) => String.fromCharCode(65 + i).repeat(205));
    const text = zone('$TTL 300', 'dkim._domainkey.example.com. IN TXT (', ...chunks.map((c) => `  "${c}" ; chunk`), ')', 'after.example.com. A 192.0.2.1');
    const recs = ok(text);
    expect(recs).toHaveLength(2);
    expect(recs[0]!.rdata).toEqual(chunks.map((c) => `"${c}"`));
    expect(recs[0]!.rdata.join('').replace(/"/g, '')).toHaveLength(1025);
    expect(recs[0]!.line).toBe(2);
    expect(recs[1]!.line).toBe(9);
  });

  it('accepts a wildcard owner', () => {
    const [r] = ok(zone('$ORIGIN example.com.', '*.example.com. 60 IN MX 10 mail', '* 60 IN A 192.0.2.9'));
    expect(r!.owner).toBe('*.example.com.');
    expect(ok(zone('$ORIGIN example.com.', '* 60 IN A 192.0.2.9'))[0]!.owner).toBe('*.example.com.');
  });

  it('parses a delegation with glue', () => {
    const recs = ok(
      zone('$ORIGIN example.com.', '$TTL 1d', 'sub  NS ns1.sub', '     NS ns2.sub.example.com.', 'ns1.sub A 192.0.2.53', 'ns2.sub AAAA 2001:db8::53'),
    );
    expect(recs.map((r) => [r.owner, r.type, r.rdata[0], r.ttl])).toEqual([
      ['sub.example.com.', 'NS', 'ns1.sub', 86400],
      ['sub.example.com.', 'NS', 'ns2.sub.example.com.', 86400],
      ['ns1.sub.example.com.', 'A', '192.0.2.53', 86400],
      ['ns2.sub.example.com.', 'AAAA', '2001:db8::53', 86400],
    ]);
  });

  it('accepts TYPEnnn, CLASSnnn and RFC 3597 generic RDATA', () => {
    const recs = ok(zone('x.test. 60 CLASS1 TYPE65534 \\# 4 c0000201', 'y.test. 60 IN A \\# 4 c000 0202', 'z.test. 60 IN TYPE260 \\# 0'));
    expect(recs[0]).toMatchObject({ class: 'IN', type: 'TYPE65534', rdata: ['\\#', '4', 'c0000201'] }); // CLASS1 is IN
    expect(recs[1]!.rdata).toEqual(['\\#', '4', 'c000', '0202']);
    expect(recs[2]!.rdata).toEqual(['\\#', '0']);
  });

  it('recognises every listed type mnemonic', () => {
    const types = 'A NS CNAME SOA PTR MX TXT AAAA SRV CAA TLSA DS DNSKEY RRSIG NSEC NSEC3 NSEC3PARAM SSHFP HINFO NAPTR DNAME SPF SVCB HTTPS OPENPGPKEY SMIMEA CDS CDNSKEY CSYNC ZONEMD LOC RP AFSDB KX CERT URI'.split(' ');
    const recs = ok(types.map((t) => `t.test. 60 IN ${t.toLowerCase()} x`).join('\n'));
    expect(recs.map((r) => r.type)).toEqual(types);
  });

  it('accepts the other classes', () => {
    const recs = ok(zone('version.bind. 0 CH TXT "1"'));
    expect(recs[0]!.class).toBe('CH');
    for (const c of ['HS', 'CS', 'ANY', 'CLASS42']) expect(ok(`a. 0 ${c} TXT "x"`)[0]!.class).toBe(c);
    expect(ok('a. 0 CLASS003 TXT "x"')[0]!.class).toBe('CH');
  });

  it('keeps escapes in owner names as written', () => {
    const [r] = ok(zone('$ORIGIN example.com.', 'first\\.last 60 IN A 192.0.2.1', 'a\\032b 60 IN A 192.0.2.2'));
    expect(r!.owner).toBe('first\\.last.example.com.');
    expect(ok(zone('a\\032b.example.com. 60 IN A 192.0.2.2'))[0]!.owner).toBe('a\\032b.example.com.');
  });

  it('handles CRLF line ends, nested parentheses and parentheses without blanks', () => {
    const recs = ok('$TTL 60\r\na.test. SOA ns. host. (1 2\r\n (3 4) 5)\r\nb.test. A 192.0.2.1\r\n');
    expect(recs[0]!.rdata).toEqual(['ns.', 'host.', '1', '2', '3', '4', '5']);
    expect(recs[1]!.owner).toBe('b.test.');
  });

  describe('TTL defaults', () => {
    it('uses the SOA minimum for the SOA when there is no $TTL, then the previous TTL', () => {
      const recs = ok(zone('$ORIGIN example.com.', '@ IN SOA ns hm 1 2 3 4 1h', 'www A 192.0.2.1', 'ftp 60 A 192.0.2.2', 'mail A 192.0.2.3'));
      expect(recs.map((r) => r.ttl)).toEqual([3600, 3600, 60, 60]);
    });

    it('prefers $TTL over the SOA minimum and the previous record', () => {
      const recs = ok(zone('$TTL 120', 'example.com. SOA ns. hm. 1 2 3 4 300', 'a.example.com. 60 A 192.0.2.1', 'b.example.com. A 192.0.2.2'));
      expect(recs.map((r) => r.ttl)).toEqual([120, 60, 120]);
    });

    it('falls back to opts.defaultTtl', () => {
      expect(ok('a.test. A 192.0.2.1', { defaultTtl: 42 })[0]!.ttl).toBe(42);
    });

    it('reports a missing TTL', () => {
      const res = parseZoneFile(zone('a.test. IN A 192.0.2.1', 'b.test. 60 IN A 192.0.2.2'), {});
      expect(res.errors).toEqual([{ line: 1, col: 12, message: expect.stringMatching(/no TTL/) }]);
      expect(res.records.map((r) => r.owner)).toEqual(['b.test.']);
    });
  });

  describe('errors', () => {
    it('reports $INCLUDE when no way to read files is given, with the file name', () => {
      const res = parseZoneFile(zone('$INCLUDE other.zone', 'a.test. 60 A 192.0.2.1'), { file: 'db.test' });
      expect(res.errors).toEqual([{ line: 1, col: 1, message: expect.stringMatching(/^\$INCLUDE is not supported here/), file: 'db.test', rule: 'include' }]);
      expect(res.records).toHaveLength(1);
    });

    it('reports an unterminated quoted string and carries on', () => {
      const res = parseZoneFile(zone('$TTL 60', 'a.test. TXT "oops', 'b.test. TXT "fine"'), {});
      expect(res.errors).toEqual([{ line: 2, col: 13, message: 'unterminated quoted string' }]);
      expect(res.records.map((r) => r.owner)).toEqual(['b.test.']);
    });

    it('reports a ")" without "("', () => {
      const res = parseZoneFile(zone('$TTL 60', 'a.test. A 192.0.2.1 )', 'b.test. A 192.0.2.2'), {});
      expect(res.errors).toEqual([{ line: 2, col: 21, message: expect.stringMatching(/unbalanced parentheses/) }]);
      expect(res.records.map((r) => r.owner)).toEqual(['b.test.']);
    });

    it('reports a "(" that is never closed', () => {
      const res = parseZoneFile(zone('$TTL 60', 'a.test. A 192.0.2.1', 'b.test. SOA ns. hm. ( 1 2 3', '4 5'), {});
      expect(res.errors).toEqual([{ line: 3, col: 21, message: expect.stringMatching(/unbalanced parentheses.*never closed/) }]);
      expect(res.records.map((r) => r.owner)).toEqual(['a.test.']);
    });

    it('collects several errors with lines and columns and keeps the good records', () => {
      const text = zone(
        '$TTL 60',
        'a.test. A 192.0.2.1',
        'b.test. BOGUS x', // unknown type
        'c.test. 1x A 192.0.2.3', // bad TTL
        'rel A 192.0.2.4', // relative, no origin
        '$TTL', // missing argument
        '$BOGUS 1-2 a$ A 192.0.2.$', // unknown directive
        'd.test. A', // no rdata
        'e..test. A 192.0.2.5', // empty label
        'f.test. A 192.0.2.6',
        'g.test. CH A 192.0.2.7', // class changes
        'h.test. TYPE65536 \\# 0', // type number out of range
        'i.test. TYPE1 \\# 4 c00002', // generic length mismatch
        'j.test. IN', // no type
        'k.test. TXT "a\\300"', // bad \DDD escape
      );
      const res = parseZoneFile(text, {});
      expect(res.records.map((r) => r.owner)).toEqual(['a.test.', 'f.test.']);
      expect(res.errors).toEqual(
        (
          [
            [3, 9, /unknown type "BOGUS"/],
            [4, 9, /invalid TTL "1x"/],
            [5, 1, /needs an origin/],
            [6, 1, /\$TTL takes exactly one argument/],
            [7, 1, /unknown directive \$BOGUS/],
            [8, 9, /A record has no RDATA/],
            [9, 1, /empty label/],
            [11, 9, /class CH differs from IN/], // at the class, not the type
            [12, 9, /unknown type "TYPE65536"/],
            [13, 15, /generic RDATA/],
            [14, 9, /missing type/],
            [15, 13, /bad escape "\\300"/],
          ] as const
        ).map(([line, col, re]) => ({ line, col, message: expect.stringMatching(re) })),
      );
    });

    it('reports an indented first line that has no previous owner', () => {
      const res = parseZoneFile('  60 IN A 192.0.2.1\n', {});
      expect(res.errors).toEqual([{ line: 1, col: 3, message: expect.stringMatching(/no previous owner/) }]);
    });

    it('reports @ without an origin and a backslash at end of line', () => {
      const res = parseZoneFile(zone('@ 60 A 192.0.2.1', 'a.test. 60 TXT x\\'), {});
      expect(res.errors.map((e) => [e.line, e.message])).toEqual([
        [1, expect.stringMatching(/needs an origin/)],
        [2, 'backslash at end of line'],
      ]);
    });
  });

  it('returns nothing for empty and comment-only input', () => {
    expect(parseZoneFile('', {})).toEqual({ records: [], errors: [] });
    expect(parseZoneFile('; only\n\n   ; comments\n', { origin: 'x.' })).toEqual({ records: [], errors: [], origin: 'x.' });
  });
});

describe('positions', () => {
  it('gives each RDATA token its own line and column, and the TTL and class theirs', () => {
    const [r] = ok(zone('$TTL 60', 'mx.test. 300 IN MX ( 10', '    mail.test. )'));
    expect(r!.at).toEqual({
      owner: { line: 2, col: 1 }, ttl: { line: 2, col: 10 }, class: { line: 2, col: 14 }, type: { line: 2, col: 17 },
      rdata: [{ line: 2, col: 22 }, { line: 3, col: 5 }],
    });
  });

  it('points a blank owner at the first token', () => {
    const recs = ok(zone('$TTL 60', 'h.test. A 192.0.2.1', '   AAAA 2001:db8::1'));
    expect(recs[1]!.at.owner).toEqual({ line: 3, col: 4 });
  });

  it('keeps key="a quoted value" one token, as SVCB parameters are written (RFC 9460 §2.1)', () => {
    const [r] = ok(zone('$TTL 60', 's.test. SVCB 1 . alpn="h2,h3" key667="a b;c" port=443'));
    expect(r!.rdata).toEqual(['1', '.', 'alpn="h2,h3"', 'key667="a b;c"', 'port=443']);
    expect(r!.at.rdata.map((p) => p.col)).toEqual([14, 16, 18, 31, 46]);
    const bad = parseZoneFile(zone('$TTL 60', 's.test. SVCB 1 . alpn="h2', 'b.test. A 192.0.2.1'), {});
    expect(bad.errors).toEqual([{ line: 2, col: 18, message: 'unterminated quoted string' }]);
  });
});
