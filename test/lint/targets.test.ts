/**
 * MX, SRV and NS target lint (src/lint/targets.ts): each rule with a zone
 * that trips it and one that does not, as the exact list of the module's
 * findings ("severity rule line").
 */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetsRules } from '../../src/lint/targets.js';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { loadYaml } from '../helpers/zones.js';

const IDS = new Set(targetsRules.rules.map((r) => r.id));

const load = (files: Record<string, string>): LoadResult => loadYaml(files);

/** This module's findings, "severity rule line" (with the file name when `files`). */
function lint(files: Record<string, string>, withFile = false): string[] {
  return load(files).problems.filter((p) => IDS.has(p.rule))
    .map((p) => `${withFile ? basename(p.file) + ' ' : ''}${p.severity} ${p.rule} ${p.line}`);
}

/** Line 1 zone, 2 nameservers, 3 hosts:, 4 mail, 5 mx2, 6 ns1, 7 records:, then `records` from line 8. */
function zone(records: string[], opts: { origin?: string; ns?: string } = {}): string {
  return [
    `zone: ${opts.origin ?? 't.test.'}`,
    `nameservers: ${opts.ns ?? '[ns1.example., ns2.example.]'}`,
    'hosts:',
    '  mail: {ipv4: 192.0.2.25}',
    "  mx2: {ipv6: '2001:db8::26'}",
    '  ns1: {ipv4: 192.0.2.53}',
    'records:',
    ...records,
  ].join('\n') + '\n';
}

describe('mx-ip', () => {
  it('an exchange that looks like an address is an error: forgotten trailing dot, all-numeric, IPv6', () => {
    expect(lint({ 't.test.yaml': zone([
      "  a: {type: MX, values: ['10 192.0.2.1', '20 mail']}", // 8: 192.0.2.1.t.test.
      "  b: {type: MX, values: ['10 10.0.0.1.', '20 mail']}", // 9: all-numeric
      "  c: {type: MX, values: ['10 2001:db8::1', '20 mail']}", // 10
    ]) })).toEqual(['error mx-ip 8', 'error mx-ip 9', 'error mx-ip 10']);
  });

  it('host names with numbers in them are fine', () => {
    expect(lint({ 't.test.yaml': zone([
      "  '': {type: MX, values: ['10 mail', '20 123.example.net.', '30 mx1.192-0-2-1.example.net.']}",
    ]) })).toEqual([]);
  });
});

describe('mx-target', () => {
  it('an in-zone target that does not exist, has no address, or whose wildcard has none is an error', () => {
    expect(lint({ 't.test.yaml': zone([
      "  a: {type: MX, values: ['10 nohost', '20 mail']}", //    8: NXDOMAIN
      "  b: {type: MX, values: ['10 txtonly', '20 mail']}", //   9: only TXT there
      "  c: {type: MX, values: ['10 x.wild', '20 mail']}", //   10: *.wild has only TXT
      "  d: {type: MX, values: ['10 ent', '20 mail']}", //      11: empty non-terminal
      "  txtonly: {type: TXT, value: hello}",
      "  '*.wild': {type: TXT, value: hello}",
      "  host.ent: {type: TXT, value: hello}",
    ]) })).toEqual(['error mx-target 8', 'error mx-target 9', 'error mx-target 10', 'error mx-target 11']);
  });

  it('a host, a wildcard with an address, a target outside the zone, and a target in a delegated child are fine', () => {
    expect(lint({ 't.test.yaml': zone([
      "  '': {type: MX, values: ['10 mail', '20 mx2', '30 x.wild', '40 mx.example.net.', '50 mx.sub']}",
      "  '*.wild': {type: A, value: 192.0.2.99}",
      '  sub: {type: NS, values: [ns1.example., ns2.example.]}',
    ]) })).toEqual([]);
  });

  it('a host whose address is already an error gets no follow-on finding', () => {
    const r = load({ 't.test.yaml': zone(["  '': {type: MX, values: ['10 bad', '20 mail']}"]).replace('hosts:\n', 'hosts:\n  bad: {ipv4: 192.0.2.999}\n') });
    expect(r.problems.filter((p) => p.rule === 'ip-syntax' || IDS.has(p.rule)).map((p) => `${p.severity} ${p.rule}`)).toEqual(['error ip-syntax']);
  });

  it('helper-made and hand-written MX alike are errors that keep the zone from loading', () => {
    const r = load({ 't.test.yaml': zone(["  '': {type: MX, values: ['10 nohost', '20 mail']}"]) });
    expect(r.zones).toEqual([]);
    const h = load({ 't.test.yaml': zone([]).replace('records:\n', 'mail:\n  mx: [nohost, mail]\n') });
    expect(h.problems.filter((p) => IDS.has(p.rule)).map((p) => `${p.severity} ${p.rule} ${p.line}:${p.col}`)).toEqual(['error mx-target 8:8']);
  });
});

describe('mx-cname', () => {
  it('a target that is a CNAME, here, through a wildcard, or in another zone we serve, is an error', () => {
    expect(lint({
      'a.test.yaml': zone([
        "  a: {type: MX, values: ['10 alias', '20 mail']}", //          8
        "  b: {type: MX, values: ['10 x.cw', '20 mail']}", //           9: *.cw is a CNAME
        "  c: {type: MX, values: ['10 alias.b.test.', '20 mail']}", // 10: CNAME in b.test
        '  alias: {type: CNAME, value: mail}',
        "  '*.cw': {type: CNAME, value: mail}",
      ], { origin: 'a.test.' }),
      'b.test.yaml': zone(['  alias: {type: CNAME, value: mail}'], { origin: 'b.test.' }),
    }, true)).toEqual(['a.test.yaml error mx-cname 8', 'a.test.yaml error mx-cname 9', 'a.test.yaml error mx-cname 10']);
  });

  it('the canonical name is fine; a CNAME in a zone we do not serve is not known here', () => {
    expect(lint({ 't.test.yaml': zone([
      "  '': {type: MX, values: ['10 mail', '20 alias.example.net.']}",
      '  alias: {type: CNAME, value: mail}',
    ]) })).toEqual([]);
  });

  it('a zone that means it says so in lint.ignore, with the reason', () => {
    const r = load({ 't.test.yaml': zone([
      "  '': {type: MX, values: ['10 alias', '20 mail']}",
      '  alias: {type: CNAME, value: mail}',
      'lint:',
      '  ignore: {mx-cname: "tests a resolver"}',
    ]) });
    expect(r.problems.filter((p) => IDS.has(p.rule))).toEqual([]);
    expect(r.silenced.map((s) => `${s.problem.rule} ${s.problem.line} ${s.reason}`)).toEqual(['mx-cname 8 tests a resolver']);
    expect(r.zones.length).toBe(1);
  });
});

describe('mx-null-alone', () => {
  it('a null MX beside another MX is an error at the null MX', () => {
    expect(lint({ 't.test.yaml': zone(["  '': {type: MX, values: ['0 .', '10 mail']}"]) })).toEqual(['error mx-null-alone 8']);
  });

  it('mx: none alone is fine (and is not a single MX host)', () => {
    expect(lint({ 't.test.yaml': zone([]).replace('records:\n', 'mail:\n  mx: none\n') })).toEqual([]);
  });
});

describe('mx-single', () => {
  it('one MX host, even under two preferences, is info', () => {
    expect(lint({ 't.test.yaml': zone([
      "  '': {type: MX, value: '10 mail'}", //                 8
      "  b: {type: MX, values: ['10 mail', '20 MAIL']}", //    9
    ]) })).toEqual(['info mx-single 8', 'info mx-single 9']);
  });

  it('two hosts are fine', () => {
    expect(lint({ 't.test.yaml': zone(["  '': {type: MX, values: ['10 mail', '20 mx2']}"]) })).toEqual([]);
  });
});

describe('srv-cname and srv-target', () => {
  it('an SRV target that is a CNAME, or in-zone without an address, is an error', () => {
    expect(lint({ 't.test.yaml': zone([
      "  _imaps._tcp: {type: SRV, value: '0 1 993 alias'}", //       8
      "  _submissions._tcp: {type: SRV, value: '0 1 465 nohost'}", // 9
      '  alias: {type: CNAME, value: mail}',
    ]) })).toEqual(['error srv-cname 8', 'error srv-target 9']);
  });

  it('a host, a target outside the zone, and "." (service not offered) are fine', () => {
    expect(lint({ 't.test.yaml': zone([
      "  _imaps._tcp: {type: SRV, values: ['0 1 993 mail', '10 1 993 imap.example.net.']}",
      "  _pop3._tcp: {type: SRV, value: '0 0 0 .'}",
    ]) })).toEqual([]);
  });
});

describe('ns-cname', () => {
  it('a nameserver that is a CNAME is an error', () => {
    expect(lint({ 't.test.yaml': zone([
      '  sub: {type: NS, values: [alias, ns2.example.]}', // 8
      '  alias: {type: CNAME, value: ns1}',
    ]) })).toEqual(['error ns-cname 8']);
  });

  it('a nameserver with an address is fine', () => {
    expect(lint({ 't.test.yaml': zone(['  sub: {type: NS, values: [ns1, ns2.example.]}']) })).toEqual([]);
  });
});

describe('ns-count', () => {
  it('one nameserver at the apex is a warning', () => {
    expect(lint({ 't.test.yaml': zone([], { ns: '[ns1.example.]' }) })).toEqual(['warning ns-count 2']);
  });

  it('two are fine (a delegation with one is the child\'s business)', () => {
    expect(lint({ 't.test.yaml': zone(['  sub: {type: NS, value: ns1.example.}']) })).toEqual([]);
  });
});

describe('ns-glue', () => {
  it('an in-zone nameserver without an address is an error, at the apex and below a delegation', () => {
    expect(lint({ 't.test.yaml': zone([
      '  sub: {type: NS, values: [ns.sub, ns2.example.]}', // 8: no glue for ns.sub
      "  '*': {type: A, value: 192.0.2.99}", //               a wildcard gives no glue
    ], { ns: '[nsx.t.test., ns2.example.]' }) })).toEqual(['error ns-glue 2', 'error ns-glue 8']);
  });

  it('in-zone nameservers with addresses and glue are fine', () => {
    expect(lint({ 't.test.yaml': zone([
      '  sub: {type: NS, values: [ns.sub, ns1]}',
      '  ns.sub: {type: A, value: 192.0.2.54}',
    ], { ns: '[ns1.t.test., ns2.example.]' }) })).toEqual([]);
  });
});

describe('the examples', () => {
  it('zones/ trips none of these rules', () => {
    const r = loadZones(['zones']);
    expect([...r.problems, ...r.silenced.map((s) => s.problem)].filter((p) => IDS.has(p.rule))).toEqual([]);
  });
});

describe('trailing-dot (seed 002: the forgotten trailing dot)', () => {
  it('each target type written as another domain without its dot is reported as that, at the record', () => {
    const r = load({ 't.test.yaml': zone([
      '  app: {type: CNAME, value: app.hosting.example.org}',                                          // 8
      "  mx1: {type: MX, values: ['10 mx.provider.net', '20 mail']}",                                   // 9
      '  sub: {type: NS, values: [ns1.dns-host.de, ns2.example.]}',                                      // 10
      '  _imaps._tcp: {type: SRV, value: {priority: 0, weight: 1, port: 993, target: imap.mailhost.com}}', // 11
      '  ptr: {type: PTR, value: gw.example.com}',                                                       // 12
    ]) });
    const found = r.problems.filter((p) => p.rule === 'trailing-dot');
    expect(found.map((p) => `${p.severity} ${p.line}`)).toEqual(['error 8', 'error 9', 'error 10', 'error 11', 'error 12']);
    expect(found[0]!.message).toBe('CNAME target app.hosting.example.org.t.test. is app.hosting.example.org. with t.test. appended: it was written without its trailing dot');
    expect(found[0]!.hint).toBe('write app.hosting.example.org. (with the final dot) for a name outside the zone');
    // The cause is reported, not the symptom.
    expect(r.problems.filter((p) => p.rule === 'mx-target' || p.rule === 'srv-target' || p.rule === 'ns-glue')).toEqual([]);
  });

  it('not for a relative name that exists here, one label, or a last label that is no top-level domain', () => {
    expect(lint({ 't.test.yaml': zone([
      '  www.shop.com: {type: A, value: 192.0.2.80}',          // 8: a name of ours that ends in "com"
      '  a: {type: CNAME, value: www.shop.com}',               // 9: it exists: no finding
      '  b: {type: CNAME, value: nothere}',                    // 10: one label: a missing in-zone name, not another domain
      '  c: {type: CNAME, value: web.internal}',               // 11: "internal" is no TLD
      '  web: {type: A, value: 192.0.2.81}',
      '  web.internal: {type: A, value: 192.0.2.82}',
    ]) })).toEqual([]);
  });

  it('mail: helper hosts: an SPF host and an MX host written without their dot', () => {
    const r = load({ 't.test.yaml': 'zone: t.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  mx: [mx.provider.net, mx2.provider.net.]\n  spf: {hosts: [out.provider.net]}\n' });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}:${p.col}`)).toEqual(['trailing-dot 4:8', 'trailing-dot 5:17']);
    expect(r.problems.find((p) => p.line === 5)!.message).toBe('SPF host out.provider.net.t.test. is out.provider.net. with t.test. appended: it was written without its trailing dot');
  });
});

describe('a null MX written as "." in the mail.mx list', () => {
  it('is judged as a null MX beside other hosts (RFC 7505 §3), not as an address', () => {
    const r = load({ 't.test.yaml': 'zone: t.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  mx: [mx1.example.net., .]\n' });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}:${p.col}`)).toEqual(['mx-null-alone 4:26']);
    expect(r.problems.find((p) => p.rule === 'mx-null-alone')!.hint).toBe('use mx: none alone, or list the real mail hosts');
  });
});

describe('targets resolved as a resolver would (review cases)', () => {
  const HEAD = 'zone: a.test.\nsoa: {rname: hostmaster@a.test, serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\n';
  it('an MX into a CNAME loop is mx-cname, not a crash', () => {
    const r = load({ 'a.test.yaml': HEAD + "records:\n  '': {type: MX, value: 10 loop1}\n  loop1: {type: CNAME, value: loop2}\n  loop2: {type: CNAME, value: loop1}\n" });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}`)).toEqual(['mx-cname 5']);
  });

  it('an MX or SRV target that is a CNAME to a name outside our zones is still mx-cname / srv-cname', () => {
    const r = load({ 'a.test.yaml': HEAD + "records:\n  '': {type: MX, values: ['10 mx', '20 mx2.example.net.']}\n  mx: {type: CNAME, value: mail.provider.example.}\n"
      + '  _imaps._tcp: {type: SRV, value: {priority: 0, weight: 1, port: 993, target: imap}}\n  imap: {type: CNAME, value: imap.provider.example.}\n' });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}`)).toEqual(['mx-cname 5', 'srv-cname 7']);
  });

  it('the forgotten dot is found when only the zone\'s catch-all wildcard answers for the name', () => {
    const r = load({ 'a.test.yaml': HEAD + "records:\n  '*': {type: A, value: 192.0.2.80}\n  app: {type: CNAME, value: app.hosting.example.org}\n  '': {type: MX, values: ['10 mx.provider.net', '20 mx2.example.net.']}\n" });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}`)).toEqual(['trailing-dot 6', 'trailing-dot 7']);
  });

  it('an absolute MX host below a delegation, or in a child zone we serve, is no forgotten dot', () => {
    const abs = load({ 'a.test.yaml': HEAD + 'mail:\n  mx: [mx.de.a.test., mx2.example.net.]\n  spf: {mx: true}\nrecords:\n  de: {type: NS, values: [ns1.example.net., ns2.example.net.]}\n' });
    expect(abs.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const child = load({
      'a.test.yaml': HEAD + 'mail:\n  mx: [mx.eu, mx2.example.net.]\n  spf: {mx: true}\nrecords:\n  eu: {type: NS, values: [ns1.example.net., ns2.example.net.]}\n',
      'eu.a.test.yaml': 'zone: eu.a.test.\nsoa: {rname: hostmaster@a.test, serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  mx: {ipv4: 192.0.2.25}\n',
    });
    expect(child.problems.filter((p) => p.severity === 'error')).toEqual([]);
    // The MX below the delegation is not this zone's to inline: the mx mechanism authorizes it, and no HELO record is put below the cut.
    const spf = child.zones.find((z) => z.zone.origin.join('.') === 'a.test')!.zone.apex.rrsets.get(16)!;
    expect(spf.rdatas[0]!.wire.toString('latin1').slice(1)).toBe('v=spf1 mx -all');
    expect(child.problems.filter((p) => p.rule === 'occluded')).toEqual([]);
  });
});

describe('second review cases', () => {
  const HEAD = 'zone: a.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';
  const errors = (r: LoadResult) => r.problems.filter((p) => p.severity === 'error').map((p) => `${basename(p.file)} ${p.rule} ${p.line}`);
  it('an MX or SRV target that does not exist in another zone we serve is an error there too', () => {
    const r = load({
      'a.test.yaml': HEAD + "mail:\n  mx: [mxx.b.test.]\nrecords:\n  _submission._tcp: {type: SRV, value: '0 1 587 smtpx.b.test.'}\n",
      'b.test.yaml': 'zone: b.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  mx1: {ipv4: 198.51.100.1}\n',
    });
    expect(errors(r)).toEqual(['a.test.yaml mx-target 4', 'a.test.yaml srv-target 6']);
    expect(r.problems.find((p) => p.rule === 'mx-target')!.hint).toMatch(/^add it under hosts: in .*b\.test\.yaml \(zone b\.test\.\)/);
  });

  it('names written with their trailing dot are never a forgotten dot, whatever their labels', () => {
    expect(errors(load({ 'a.test.yaml': HEAD + "hosts:\n  mail: {ipv4: 192.0.2.25}\nmail:\n  mx: [mail, mail.fr.a.test.]\nrecords:\n  shop: {type: CNAME, value: shop.fr.a.test.}\n" })))
      .toEqual(['a.test.yaml mx-target 6']);
  });

  it('in a reverse entry: a PTR target and a generic name written relative to the file\'s zone without their dot', () => {
    const r = load({ 'example.com.yaml': 'zone: example.com.\nnameservers: [ns1.example.net., ns2.example.net.]\nreverse:\n  - network: 192.0.2.0/24\n    ptr: {192.0.2.1: gw.example.com}\n    generic: {name: \'ip-{dashed}.pool.example.com\', forward: false}\n' });
    expect(errors(r)).toEqual(['example.com.yaml trailing-dot 5', 'example.com.yaml trailing-dot 6']);
    expect(r.problems.find((p) => p.rule === 'trailing-dot' && p.line === 5)!.message).toBe('PTR target gw.example.com.example.com. is gw.example.com. with example.com. appended: it was written without its trailing dot');
  });
});

describe('trailing-dot in the root zone', () => {
  it('nothing is appended to a name in the root zone, so no target there lost a dot', () => {
    const r = load({ 'root.yaml': "zone: '.'\nnameservers: [a.root-servers.net., b.root-servers.net.]\nrecords:\n  com: {type: NS, values: [a.gtld-servers.net., b.gtld-servers.net.]}\n" });
    expect(r.problems.filter((p) => p.rule === 'trailing-dot')).toEqual([]);
  });
});
