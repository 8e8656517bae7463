/** SPF lint (RFC 7208): each rule with a zone that trips it and one that does not. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { parseSpf } from '../../src/lint/spf.js';
import { loadYaml } from '../helpers/zones.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/lint/spf');


/**
 * A zone file: line 1 zone, 2 nameservers, 3 records:, then `lines` from
 * line 4 on, then `tail` (hosts: and such).
 */
function zone(origin: string, lines: string[], tail = ''): string {
  return `zone: ${origin}\nnameservers: [ns1.example., ns2.example.]\nrecords:\n${lines.join('\n')}\n${tail}`;
}

/** Loads the files from a temp dir; every finding as "severity rule line". */
function lint(files: Record<string, string>): string[] {
  return findings(loadYaml(files).problems);
}

function findings(ps: { severity: string; rule: string; line: number; file: string }[]): string[] {
  // Reverse DNS of the MX hosts is another module's business (fcrdns-isp notes for 192.0.2.x).
  return ps.filter((p) => !p.rule.startsWith('fcrdns')).map((p) => `${p.severity} ${p.rule} ${p.line}`);
}

const txt = (name: string, value: string) => `  '${name}': {type: TXT, value: '${value}'}`;

describe('parseSpf', () => {
  it('parses mechanisms, modifiers, prefix lengths and macros', () => {
    const r = parseSpf('V=SPF1  +mx/24//64 a:mail.example.com/28 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 '
      + 'exists:%{ir}.%{l1r+-}._spf.%{d} include:_spf.example.com ?PTR ~ip4:198.51.100.1 exp=explain.%{d2} foo=%{c}%% -ALL ');
    expect(r.errors).toEqual([]);
    expect(r.terms.map((t) => (t.kind === 'mechanism' ? `${t.qualifier}${t.name}` : `${t.name}=`))).toEqual(
      ['+mx', '+a', '+ip4', '+ip6', '+ip6', '+exists', '+include', '?ptr', '~ip4', 'exp=', 'foo=', '-all']);
    expect(r.terms[0]).toMatchObject({ name: 'mx', cidr4: 24, cidr6: 64 });
    expect(r.terms[1]).toMatchObject({ name: 'a', domain: 'mail.example.com', cidr4: 28 });
    expect(r.terms[3]).toMatchObject({ name: 'ip6', network: '2001:db8::', cidr6: 32 });
  });

  it('gives one error per bad term, naming it', () => {
    const r = parseSpf('v=spf1 ip4:192.0.2.300 ip4:192.0.2.0/33 ip6:2001:db8::/129 include:localhost a:mail.123 mx:%{x}.example.com '
      + 'exists:%{d0}.example.com include:%{d}x all:foo ip:192.0.2.1 a/24/ redirect=a.example redirect=b.example exp=x.example exp= '
      + 'include:a..example.com %{d} ptr:%{d}');
    expect(r.errors.map((e) => e.slice(0, e.indexOf('":') + 1))).toEqual([
      '"ip4:192.0.2.300"', '"ip4:192.0.2.0/33"', '"ip6:2001:db8::/129"', '"include:localhost"', '"a:mail.123"', '"mx:%{x}.example.com"',
      '"exists:%{d0}.example.com"', '"include:%{d}x"', '"all:foo"', '"ip:192.0.2.1"', '"a/24/"', '"redirect=b.example"', '"exp="',
      '"include:a..example.com"', '"%{d}"',
    ]);
    expect(r.terms.map((t) => t.text)).toEqual(['redirect=a.example', 'exp=x.example', 'ptr:%{d}']);
    expect(parseSpf('v=spf1').errors).toEqual([]);
    expect(parseSpf('v=spf10 -all').errors).toHaveLength(1);
  });
});

describe('SPF lint rules', () => {
  it('spf-multiple: two v=spf1 records at one name', () => {
    expect(lint({ 'm.test.yaml': zone('m.test.', ["  '':", "    - {type: TXT, value: 'v=spf1 -all'}", "    - {type: TXT, value: 'v=spf1 ip4:192.0.2.1 -all'}"]) }))
      .toEqual(['error spf-multiple 6']); // each record points at its own value
    expect(lint({ 'm.test.yaml': zone('m.test.', ["  '':", "    - {type: TXT, value: 'v=spf1 -all'}", "    - {type: TXT, value: 'v=spf1x'}", "    - {type: TXT, value: 'token=1'}", txt('sub', 'v=spf1 -all')]) }))
      .toEqual(['error spf-syntax 6']); // v=spf1x is no SPF record (reported as a mistake, not as a second record)
    expect(lint({ 'm.test.yaml': zone('m.test.', ["  '':", "    - {type: TXT, value: 'v=spf1 -all'}", "    - {type: TXT, value: 'token=1'}", txt('sub', 'v=spf1 -all')]) }))
      .toEqual([]);
  });

  it('spf-syntax: one finding per bad term; a record split without a space after v=spf1', () => {
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 ip4:192.0.2.300 a:%{q}.example.com -all'),
      txt('b', 'v=spf1 redirect=_spf.example.net redirect=_spf2.example.net'),
      txt('c', 'v=spf1 include:example -all'),
      "  d: {type: TXT, value: ['v=spf1', 'ip4:192.0.2.1 -all']}",
    ]) })).toEqual(['error spf-syntax 4', 'error spf-syntax 4', 'error spf-syntax 5', 'error spf-syntax 6', 'error spf-syntax 7']);
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'V=SPF1 +a mx:example.net/24//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{v}._spf.%{d2} include:_spf.example.net exp=exp.%{d} x-note=%{c} ~ALL'),
      "  d: {type: TXT, value: ['v=spf1 ', 'ip4:192.0.2.1 -all']}",
    ], "hosts:\n  '': {ipv4: 192.0.2.10}\n") })).toEqual([]);
  });

  it('spf-lookups: more than 10 DNS-querying terms in one record', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `a:h${i}.example.net`).join(' ');
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', `v=spf1 ${terms(10)} redirect=_spf.example.net`)]) })).toEqual(['error spf-lookups 4']);
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', `v=spf1 ${terms(10)} -all`)]) })).toEqual([]);
    // Terms after "all", and a redirect next to an all, are never evaluated.
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', `v=spf1 ${terms(10)} -all a:x.example.net`)]) })).toEqual([]);
  });

  it('spf-lookups: counted through an include into another zone we serve (11 is an error, 10 is clean)', () => {
    const over = loadZones([join(FIXTURES, 'include-11')]);
    expect(findings(over.problems)).toEqual(['error spf-lookups 5']);
    const p = over.problems[0]!;
    expect(p.file).toMatch(/a\.test\.yaml$/);
    expect(p.message).toContain('11 terms');
    expect(p.message).toContain('2 in a.test., 9 in _spf.b.test. (include:_spf.b.test)');
    expect(over.failed.map((f) => f.replace(/.*\//, ''))).toEqual(['a.test.yaml']);
    expect(findings(loadZones([join(FIXTURES, 'include-10')]).problems)).toEqual([]);
  });

  it('spf-lookups: an include loop', () => {
    const r = lint({
      'a.test.yaml': zone('a.test.', [txt('', 'v=spf1 include:b.test -all')]),
      'b.test.yaml': zone('b.test.', [txt('', 'v=spf1 ip4:192.0.2.1 include:a.test -all')]),
    });
    expect(r).toEqual(['error spf-lookups 4', 'error spf-lookups 4']);
  });

  it('spf-void-lookups: more than two lookups into our zones that find nothing', () => {
    const tail = "hosts:\n  mail: {ipv4: 192.0.2.25}\n";
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', 'v=spf1 a:nx1.m.test mx:mail.m.test exists:nx2.m.test a:mail.m.test mx:example.net -all')], tail) }))
      .toEqual(['error spf-void-lookups 4']);
    // Counted by the sender's address family (§5.3): mail has an A and no AAAA, so for IPv6 senders
    // a:mail is a third void lookup; for IPv4 senders there are two.
    const v6 = loadYaml({ 'm.test.yaml': zone('m.test.', [txt('', 'v=spf1 a:nx1.m.test mx:mail.m.test exists:mail.m.test a:mail.m.test a:nx.example.net -all')], tail) });
    expect(v6.problems.filter((p) => p.rule === 'spf-void-lookups').map((p) => p.message)).toEqual([expect.stringMatching(/^3 lookups find nothing for mail from IPv6 addresses; .*a:mail\.m\.test: mail\.m\.test\. has no AAAA$/)]);
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', 'v=spf1 a:nx1.m.test mx:mail.m.test exists:mail.m.test a:mail.m.test a:nx.example.net -all')], "hosts:\n  mail: {ipv4: 192.0.2.25, ipv6: '2001:db8::25'}\n") }))
      .toEqual([]);
    // A name a wildcard answers (with addresses of both families), or one below a delegation, is no void lookup.
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 a:x.w.m.test a:y.w.m.test a:h.sub.m.test a:nx.m.test -all'),
      "  '*.w': [{type: A, value: 192.0.2.99}, {type: AAAA, value: '2001:db8::99'}]",
      '  sub: {type: NS, values: [ns1.example., ns2.example.]}',
    ]) })).toEqual([]);
  });

  it('spf-include-none: an include or redirect into our zones without an SPF record', () => {
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 include:_spf.m.test -all'),
      txt('_spf', 'not spf'),
      txt('b', 'v=spf1 redirect=nx.m.test'),
    ]) })).toEqual(['error spf-include-none 4', 'error spf-include-none 6']);
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 include:_spf.m.test -all'),
      txt('_spf', 'v=spf1 ip4:192.0.2.0/24 -all'),
      txt('b', 'v=spf1 redirect=_spf.m.test'),
    ]) })).toEqual([]);
  });

  it('spf-ptr: ptr SHOULD NOT be used', () => {
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', 'v=spf1 ptr:example.net -all')]) })).toEqual(['warning spf-ptr 4']);
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', 'v=spf1 a:example.net -all')]) })).toEqual([]);
  });

  it('spf-pass-all, spf-neutral-all, spf-no-all, spf-redirect-ignored', () => {
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 ip4:192.0.2.1 all'),
      txt('b', 'v=spf1 ip4:192.0.2.1 +all'),
      txt('c', 'v=spf1 ip4:192.0.2.1 ?all'),
      txt('d', 'v=spf1 ip4:192.0.2.1'),
      txt('e', 'v=spf1 ip4:192.0.2.1 -all redirect=_spf.example.net'),
    ]) })).toEqual(['error spf-pass-all 4', 'error spf-pass-all 5', 'warning spf-neutral-all 6', 'warning spf-no-all 7', 'warning spf-redirect-ignored 8']);
    expect(lint({ 'm.test.yaml': zone('m.test.', [
      txt('', 'v=spf1 ip4:192.0.2.1 -all'),
      txt('b', 'v=spf1 ip4:192.0.2.1 ~all'),
      txt('c', 'v=spf1 ip4:192.0.2.1 redirect=_spf.example.net'),
    ]) })).toEqual([]);
  });

  it('spf-length: a record over 450 octets', () => {
    const long = 'v=spf1 ' + Array.from({ length: 30 }, (_, i) => `ip4:198.51.100.${100 + i}`).join(' ') + ' -all';
    expect(long.length).toBe(581); // in two character-strings of 255 and one of 71
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', long)]) })).toEqual(['warning spf-length 4']);
    const fits = 'v=spf1 ' + Array.from({ length: 22 }, (_, i) => `ip4:198.51.100.${100 + i}`).join(' ') + ' ip4:192.0.2.1 -all';
    expect(fits.length).toBeLessThanOrEqual(450);
    expect(lint({ 'm.test.yaml': zone('m.test.', [txt('', fits)]) })).toEqual([]);
  });

  it('spf-coverage: the in-zone MX hosts must pass the apex SPF record', () => {
    const tail = "hosts:\n  mail: {ipv4: 192.0.2.25, ipv6: '2001:db8::25'}\n  mx2: {ipv4: 192.0.2.26}\n";
    const mx = ["  '':", "    - {type: MX, value: '10 mail'}", "    - {type: MX, value: '20 mx2'}", "    - {type: MX, value: '30 mx.example.net.'}"];
    const apex = (spf: string, ...more: string[]) => lint({ 'm.test.yaml': zone('m.test.', [...mx, `    - {type: TXT, value: '${spf}'}`, ...more], tail) });
    // mail's IPv6 address is not listed; mx2 fails outright.
    expect(apex('v=spf1 ip4:192.0.2.25 -ip4:192.0.2.26 ~all')).toEqual(['warning spf-coverage 8', 'warning spf-coverage 8']);
    expect(apex('v=spf1 ip4:192.0.2.24/31 ip6:2001:db8::/64 ?all')).toEqual(['warning spf-neutral-all 8', 'warning spf-coverage 8']);
    // Covered: by mx, by a: of the hosts, through an include into our zone, through a redirect.
    expect(apex('v=spf1 mx -all')).toEqual([]);
    expect(apex('v=spf1 a:mail.m.test a:mx2.m.test/24 -all')).toEqual([]);
    expect(apex('v=spf1 include:_spf.m.test -all', txt('_spf', 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'))).toEqual([]);
    expect(apex('v=spf1 redirect=_spf.m.test', txt('_spf', 'v=spf1 mx:m.test -all'))).toEqual([]);
    // Cannot tell: an include outside our zones, or a macro, comes before the decision.
    expect(apex('v=spf1 include:_spf.example.net -all')).toEqual([]);
    expect(apex('v=spf1 exists:%{i}.spf.m.test -all')).toEqual([]);
  });

  it('the zones/ directory has no SPF findings', () => {
    const r = loadZones([join(ROOT, 'zones')]);
    expect(r.problems.filter((p) => p.rule.startsWith('spf-'))).toEqual([]);
  });
});

describe('SPF questions follow the chain as resolvers do (review cases)', () => {
  it('an include through a CNAME into a delegated child zone we serve counts the child\'s lookups', () => {
    const r = loadYaml({
      'example.com.yaml': 'zone: example.com.\nsoa: {rname: hostmaster@example.com, serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nmail:\n  mx: [mx1.example.net., mx2.example.net.]\n  spf: {include: [_spf.example.com]}\nrecords:\n  sub: {type: NS, values: [ns1.example.net., ns2.example.net.]}\n  _spf: {type: CNAME, value: _spf.sub.example.com.}\n',
      'sub.example.com.yaml': `zone: sub.example.com.\nsoa: {rname: hostmaster@example.com, serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  _spf: {type: TXT, value: 'v=spf1 ${'abcdefghij'.split('').map((c) => `include:${c}.example.net`).join(' ')} -all'}\n`,
    });
    expect(r.problems.filter((p) => p.rule === 'spf-lookups').map((p) => p.message)).toEqual([expect.stringMatching(/^11 terms .*10 in _spf\.example\.com\./)]);
  });
});

describe('mx with more than 10 MX records (RFC 7208 §4.6.4)', () => {
  it('is a permerror: spf-lookups at the record, and spf-intent for the MX host it fails', () => {
    const hosts = Array.from({ length: 10 }, (_, i) => `  m${i + 1}: {ipv4: 192.0.2.${i + 1}}`).join('\n');
    const mx = ['{host: mx1.b.test., preference: 5}', ...Array.from({ length: 10 }, (_, i) => `{host: m${i + 1}, preference: ${(i + 1) * 10}}`)].join(', ');
    const r = loadYaml({
      'a.test.yaml': `zone: a.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts}\nmail:\n  mx: [${mx}]\n  spf: {mx: true}\n`,
      'b.test.yaml': 'zone: b.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  mx1: {ipv4: 198.51.100.1}\n',
    });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule}: ${p.message}`)).toEqual([
      'spf-lookups: mx (at a.test.): a.test. has 11 MX records; the mx mechanism of a domain with more than 10 MX records is a permerror',
      'spf-intent: mx1.b.test. is named by mail: spf:, but the published SPF record fails its mail: 198.51.100.1 gets permerror',
    ]);
  });
});
