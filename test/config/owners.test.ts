/**
 * What the loader refuses before the build, at the place it was written: an
 * owner outside the zone (hosts:, records:, or one a helper makes), and the
 * defaults it writes itself (the SOA mailbox of the root zone). None of them
 * may reach Zone.build, whose refusal is a zone-build finding at 1:1 saying
 * "bug in mailns" (found by the loader's property test).
 */
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/config/model.js';
import { parseYaml } from '../../src/config/source.js';
import { loadYaml } from '../helpers/zones.js';

const HEAD = 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';
const TLSA = `{usage: 3, selector: 1, matching: 1, data: '${'ab'.repeat(32)}'}`;

function load(files: Record<string, string>) {
  const r = loadYaml(files);
  return { ...r, found: r.problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.rule}`) };
}

describe('owners outside the zone', () => {
  it('a host or a record outside the zone is refused at its key, and nothing else is said', () => {
    const r = load({ 't.test.yaml': HEAD + "hosts: {'.': {ipv4: 192.0.2.1}, www: {ipv4: 192.0.2.80}}\nrecords: {'x.': {type: A, value: 192.0.2.1}}\n" });
    expect(r.found).toEqual(['3:9 error out-of-zone', '4:11 error out-of-zone']);
    expect(r.problems[0]!.message).toBe('"." is not inside the zone t.test.');
    expect(r.zones).toHaveLength(0);
  });

  it('an owner a helper makes outside the zone is refused at what asked for it', () => {
    const r = load({ 't.test.yaml': HEAD + `tlsa: {'x.': {ports: [25], records: [${TLSA}]}}\n` });
    expect(r.found).toEqual(['3:14 error out-of-zone']);
    expect(r.problems[0]!.message).toBe('_25._tcp.x. TLSA is not inside the zone t.test.');
  });
});

describe('the SOA mailbox', () => {
  it('of the root zone, when soa: names none, is hostmaster.', () => {
    // The model only: the lint's trailing-dot rule still takes every target of the root zone for a forgotten dot.
    const built = buildModel(parseYaml("zone: '.'\nnameservers: [a.root-servers.net., b.root-servers.net.]\n", 'root.yaml').source!, 'root');
    expect(built.problems).toEqual([]);
    expect(built.model!.soa.rname).toEqual(['hostmaster']);
    expect(built.model!.soa.at).toMatchObject({ line: 1, col: 7 });
  });

  it('written at the root (a@.) is the one label of its local part', () => {
    const r = load({ 't.test.yaml': HEAD + "soa: {rname: 'a@.'}\n" });
    expect(r.found).toEqual([]);
    expect(r.zones[0]!.model.soa.rname).toEqual(['a']);
  });

  it('that mailns writes for a zone whose name is too long for it is a finding at zone:', () => {
    const long = Array.from({ length: 4 }, () => 'x'.repeat(61)).join('.') + '.';
    const r = load({ 't.yaml': `zone: ${long}\nnameservers: [ns1.example.net., ns2.example.net.]\n` });
    expect(r.found).toEqual(['1:7 error name']);
    expect(r.problems[0]!.message).toMatch(/^the SOA mailbox mailns writes when soa: has no rname:, hostmaster@x{61}\./);
  });
});

describe('a host with one address written twice', () => {
  it('has one record for it, and no PTR conflict with itself', () => {
    const forward = HEAD + "hosts:\n  a: {ipv4: [192.0.2.10, 192.0.2.10], ipv6: ['2001:db8::1', '2001:DB8:0::1']}\n";
    const r = load({
      't.test.yaml': forward,
      'rev.yaml': 'soa: {rname: h@t.test}\nnameservers: [ns1.example.net., ns2.example.net.]\nreverse:\n  - network: 192.0.2.0/24\n    from: [t.test.]\n',
    });
    expect(r.found).toEqual([]);
    // The model as the file makes it (a served zone keeps only what its lint reads of it).
    const host = buildModel(parseYaml(forward, 't.test.yaml').source!, 't.test').model!.hosts[0]!;
    expect(host.ipv4.map((a) => `${a.address} ${a.at.line}:${a.at.col}`)).toEqual(['192.0.2.10 4:14']);
    expect(host.ipv6.map((a) => a.address)).toEqual(['2001:db8::1']);
  });
});
