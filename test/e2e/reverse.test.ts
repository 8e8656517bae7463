/**
 * Reverse zones over real sockets: PTRs derived from hosts, explicit PTRs,
 * RFC 2317 classless child and parent side, generic names (IPv4 and an
 * IPv6 /48, random addresses) with their forward side, conflicts.
 */
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { startServer, type Running } from '../helpers/server.js';
import { loadZones } from '../../src/server/load.js';

const haveDig = requireTool('dig');

/** Seeded so a failure can be replayed. */
function prng(seed: number) {
  return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

describe('reverse zones (zones/reverse.yaml)', () => {
  let srv: Running;
  const r = new Resolver({ timeout: 2000, tries: 1 });
  beforeAll(async () => { srv = await startServer(['zones']); r.setServers([`127.0.0.1:${srv.port}`]); });
  afterAll(async () => srv?.stop());

  it('every host address in the networks has a PTR to its host name, and it points back (FCrDNS)', async () => {
    for (const [addr, name] of [['192.0.2.25', 'mail.example.com'], ['192.0.2.53', 'ns1.example.com'], ['192.0.2.10', 'example.com'], ['192.0.2.80', 'www.example.com'], ['2001:db8:1234::25', 'mail.example.com'], ['2001:db8:1234::53', 'ns1.example.com']] as const) {
      expect(await r.reverse(addr), addr).toEqual([name]);
      const fwd = addr.includes(':') ? await r.resolve6(name) : await r.resolve4(name);
      expect(fwd).toContain(addr);
    }
  });

  it('explicit ptr: entries win', async () => {
    expect(await r.reverse('192.0.2.1')).toEqual(['gw.example.com']);
  });

  it('generic names for IPv4 addresses without a host, and their A records', async () => {
    const rand = prng(4242);
    for (let i = 0; i < 20; i++) {
      const o = 100 + Math.floor(rand() * 28); // 100..127: not a host, not delegated
      const addr = `192.0.2.${o}`;
      const [name] = await r.reverse(addr);
      expect(name).toBe(`ip-192-0-2-${o}.pool.example.com`);
      expect(await r.resolve4(name!)).toEqual([addr]);
    }
  });

  it('generic names for random addresses of the IPv6 /48, and their AAAA records', async () => {
    const rand = prng(777);
    for (let i = 0; i < 20; i++) {
      const g = Array.from({ length: 5 }, () => Math.floor(rand() * 0x10000).toString(16));
      const addr = `2001:db8:1234:${g.join(':')}`;
      const [name] = await r.reverse(addr);
      expect(name).toMatch(/^ip6-2001-db8-1234(-[0-9a-f]{1,4}){5}\.pool\.example\.com$/);
      const aaaa = await r.resolve6(name!);
      expect(aaaa.length).toBe(1);
      // Same address, whatever the spelling (WHATWG URL parsing gives the RFC 5952 form).
      const norm = (a: string) => new URL(`http://[${a}]/`).hostname;
      expect(norm(aaaa[0]!)).toBe(norm(addr));
    }
  });

  it('a generic forward name for an address that has a host PTR, or outside the network, does not exist', async () => {
    await expect(r.resolve4('ip-192-0-2-25.pool.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve4('ip-198-51-100-1.pool.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve4('ip-192-0-2-077.pool.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    // 192.0.2.128/26 is delegated (RFC 2317): its PTRs are the customer's, so no generic forward name either.
    await expect(r.resolve4('ip-192-0-2-130.pool.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it.skipIf(!haveDig)('classless child: PTR at <last octet>.<zone>, NXDOMAIN for an address without PTR', async () => {
    const a = await dig(srv.port, ['+norec', '65.64/26.100.51.198.in-addr.arpa', 'PTR']);
    expect(a.flags).toContain('aa');
    expect(a.answer).toEqual(['65.64/26.100.51.198.in-addr.arpa. 3600 IN PTR relay.example.com.']);
    const nx = await dig(srv.port, ['+norec', '70.64/26.100.51.198.in-addr.arpa', 'PTR']);
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.authority[0]).toMatch(/^64\/26\.100\.51\.198\.in-addr\.arpa\. \d+ IN SOA /);
    const soa = await dig(srv.port, ['+norec', '64/26.100.51.198.in-addr.arpa', 'SOA']);
    expect(soa.answer[0]).toMatch(/IN SOA ns1\.example\.com\. hostmaster\.example\.com\. 2026112601 /);
  });

  it.skipIf(!haveDig)('RFC 2317 parent side: NS for the child and one CNAME per address', async () => {
    const c = await dig(srv.port, ['+norec', '-x', '192.0.2.130']);
    expect(c.answer).toEqual(['130.2.0.192.in-addr.arpa. 3600 IN CNAME 130.128/26.2.0.192.in-addr.arpa.']);
    expect(c.authority).toEqual(['128/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example.']);
    expect(c.flags).toContain('aa');
    const ns = await dig(srv.port, ['+norec', '128/26.2.0.192.in-addr.arpa', 'NS']);
    expect(ns.flags).not.toContain('aa');
    expect(ns.authority).toEqual(['128/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example.']);
    for (const o of [128, 150, 191]) {
      const x = await dig(srv.port, ['+norec', '-x', `192.0.2.${o}`]);
      expect(x.answer[0]).toBe(`${o}.2.0.192.in-addr.arpa. 3600 IN CNAME ${o}.128/26.2.0.192.in-addr.arpa.`);
    }
    const after = await dig(srv.port, ['+norec', '-x', '192.0.2.192']);
    expect(after.answer[0]).toMatch(/PTR ip-192-0-2-192\.pool\.example\.com\.$/);
  });

  it.skipIf(!haveDig)('dig -x: REFUSED outside our reverse zones; empty non-terminals of the ip6.arpa zone are NODATA', async () => {
    expect((await dig(srv.port, ['+norec', '-x', '203.0.113.5'])).status).toBe('REFUSED');
    const ent = await dig(srv.port, ['+norec', '5.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR']);
    expect(ent.status).toBe('NOERROR');
    expect(ent.answer).toEqual([]);
    const over = await dig(srv.port, ['+norec', 'x.5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR']);
    expect(over.status).toBe('NXDOMAIN');
  });

  it.skipIf(!haveDig)('dig -x over IPv6 transport-independent: the /48 PTR for mail', async () => {
    const x = await dig(srv.port, ['+norec', '-x', '2001:db8:1234::25']);
    expect(x.answer).toEqual(['5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mail.example.com.']);
  });
});

describe('reverse zone rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-rev-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (files: Record<string, string>) => {
    const d = mkdtempSync(join(dir, 'z-'));
    for (const [n, t] of Object.entries(files)) writeFileSync(join(d, n), t);
    return loadZones([d]);
  };

  it('two hosts claiming one address is an error naming both places; ptr: primary settles it', () => {
    const base = (p: string) => `zone: c.test.\nnameservers: [ns.example., ns2.example.]\nhosts:\n  a: {ipv4: 192.0.2.5${p}}\n  b: {ipv4: 192.0.2.5}\nreverse:\n  - network: 192.0.2.0/24\n`;
    const bad = load({ 'c.test.yaml': base('') });
    const conflicts = bad.problems.filter((p) => p.rule === 'ptr-conflict');
    expect(conflicts.map((p) => `${p.line}:${p.col}`)).toEqual(['4:13', '5:13']);
    expect(conflicts[0]!.message).toMatch(/a\.c\.test\. at .*c\.test\.yaml:4:13 and b\.c\.test\. at .*c\.test\.yaml:5:13/);
    expect(bad.zones.map((z) => z.zone.origin.join('.'))).toEqual(['c.test']);
    const good = load({ 'c.test.yaml': base(', ptr: primary') });
    expect(good.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(good.zones.length).toBe(2);
  });

  it('a non-octet-aligned IPv4 network needs zone:, a non-nibble IPv6 one is refused, host bits are refused', () => {
    const r = load({ 'r.yaml': 'nameservers: [ns.example., ns2.example.]\nreverse:\n  - network: 198.51.100.64/26\n  - network: 2001:db8::/47\n  - network: 192.0.2.1/24\n' });
    expect(r.problems.map((p) => `${p.line} ${p.rule}`)).toEqual(['3 reverse-zone', '4 reverse-network', '5 reverse-network']);
    expect(r.problems[0]!.message).toMatch(/zone: 64\/26\.100\.51\.198\.in-addr\.arpa\./);
  });

  it('a /16 with generic names and a /48 are answered without storing them', () => {
    const r = load({ 'p.test.yaml': "zone: p.test.\nnameservers: [ns.example., ns2.example.]\nreverse:\n  - network: 10.20.0.0/16\n    generic: {name: 'h-{dashed}.p.test.', forward: true}\n  - network: 2001:db8:77::/48\n    generic: {name: 'h6-{dashed}.p.test.', forward: true}\n" });
    expect(r.problems).toEqual([]);
    const counts = r.zones.map((z) => z.zone.recordCount);
    expect(Math.max(...counts)).toBeLessThan(10);
  });

  it('FCrDNS of MX and SPF hosts: info with the PTR to ask for outside our zones, warning when a PTR does not point back', () => {
    const r = load({ 'f.test.yaml': [
      'zone: f.test.', 'nameservers: [ns.example., ns2.example.]', 'hosts:',
      '  mx1: {ipv4: 203.0.113.25}', '  mx2: {ipv4: 192.0.2.26}', '  out: {ipv4: 192.0.2.27, ptr: none}',
      'mail:', '  mx: [mx1, mx2]', '  spf: {hosts: [out]}',
      'reverse:', '  - network: 192.0.2.0/24', '    ptr: {192.0.2.26: elsewhere.example.}',
    ].join('\n') + '\n' });
    expect(r.problems.map((p) => `${p.severity} ${p.rule} ${p.line}:${p.col}`)).toEqual([
      // The SPF lists only "out", so the lint also says the MX hosts may not send (RFC 7208 §2.4).
      'info fcrdns-isp 8:8', 'warning fcrdns 8:13', 'warning spf-coverage 9:8', 'warning spf-coverage 9:8', 'warning fcrdns 9:17',
    ]);
    expect(r.problems[0]!.hint).toBe('ask for: 25.113.0.203.in-addr.arpa. PTR mx1.f.test.');
    expect(r.problems[1]!.message).toMatch(/PTR elsewhere\.example\. does not point back/);
    expect(r.problems[4]!.message).toMatch(/192\.0\.2\.27 of out\.f\.test\. has no PTR/);
  });

  it('one broken entry holds back only its own zone; its generic forward names go with it', () => {
    const r = load({ 'g.test.yaml': [
      'zone: g.test.', 'nameservers: [ns.example., ns2.example.]', 'hosts:',
      '  a: {ipv4: 192.0.2.5}', '  b: {ipv4: 192.0.2.5}', "  '*.w': {ipv4: 192.0.2.9}",
      'reverse:', '  - network: 192.0.2.0/24', "    generic: {name: 'ip-{dashed}.pool.g.test.', forward: true}",
      '  - network: 2001:db8:9::/48',
    ].join('\n') + '\n' });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.rule)).toEqual(['ptr-conflict', 'ptr-conflict']);
    expect(r.zones.map((z) => z.zone.origin.join('.')).sort()).toEqual(['9.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'g.test']);
    const fwd = r.zones.find((z) => z.zone.origin.join('.') === 'g.test')!.zone;
    expect(fwd.synthesize(['ip-192-0-2-77', 'pool', 'g', 'test'])).toBeUndefined();
  });

  it('a wildcard host gets no PTR', () => {
    const r = load({ 'w.test.yaml': "zone: w.test.\nnameservers: [ns.example., ns2.example.]\nhosts:\n  '*.x': {ipv4: 192.0.2.9}\nreverse:\n  - network: 192.0.2.0/24\n" });
    const rev = r.zones.find((z) => z.reverse)!;
    expect([...rev.zone.walk()].filter((rs) => rs.type === 12)).toEqual([]);
  });

  it('a file with only reverse: wants absolute names', () => {
    const r = load({ 'rev.yaml': "nameservers: [ns1, ns2.example.]\nreverse:\n  - network: 192.0.2.0/24\n    ptr: {192.0.2.1: gw}\n" });
    expect(r.problems.map((p) => `${p.line} ${p.rule}`)).toEqual(['1 name', '4 name']);
  });

  it('FCrDNS through an RFC 2317 zone we serve finds the PTR at <last octet>.<zone>', () => {
    const r = load({ 'c.test.yaml': [
      'zone: c.test.', 'nameservers: [ns.example., ns2.example.]', 'hosts:', '  mx: {ipv4: 198.51.100.65}', '  bad: {ipv4: 198.51.100.66}',
      "records:\n  '': {type: MX, values: ['10 mx', '20 bad']}",
      'reverse:', '  - network: 198.51.100.64/26', '    zone: 64/26.100.51.198.in-addr.arpa.', '    ptr: {198.51.100.66: mx.c.test.}',
    ].join('\n') + '\n' });
    // mx's PTR is derived (confirms); bad's PTR names mx, which does not have .66.
    expect(r.problems.map((p) => `${p.severity} ${p.rule}`)).toEqual(['warning fcrdns', 'warning ptr-forward']);
    expect(r.problems[0]!.message).toMatch(/198\.51\.100\.66 of bad\.c\.test\.: PTR mx\.c\.test\. does not point back/);
  });
});
