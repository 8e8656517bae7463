/** Bad input gets a clear error with file:line:col, and every error at once. */
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/util/problem.js';
import { loadYaml } from '../helpers/zones.js';

function load(files: Record<string, string>) {
  const r = loadYaml(files);
  return { ...r, lines: r.problems.map((p) => formatProblem(p).replace(r.dir + '/', '')) };
}

const HEAD = 'zone: t.test.\nnameservers: [ns1.t.test., ns.example.]\nhosts:\n  ns1: {ipv4: 192.0.2.1}\n';

describe('zone file errors', () => {
  it('reports every error at once, each with file:line:col, rule and hint', () => {
    const r = load({
      't.test.yaml': HEAD + [
        '  www: {ipv4: 192.0.2.300}',            // line 5
        '  v6: {ipv6: 192.0.2.7}',               // line 6
        'records:',
        '  alias: {type: CNAME, value: www}',
        '  alias2: {type: CNAME, ttl: 5x, value: www}', // line 9
        '  mx: {type: MX, value: "10"}',           // line 10
        '  bad: {typo: A, value: 1.2.3.4}',        // line 11
      ].join('\n') + '\n',
    });
    expect(r.zones).toHaveLength(0);
    expect(r.failed).toHaveLength(1);
    const where = r.problems.map((p) => `${p.line}:${p.col} ${p.rule}`);
    expect(where.sort()).toEqual(['10:25 rdata', '11:8 schema', '11:9 schema', '5:15 ip-syntax', '6:14 ip-syntax', '9:30 ttl']);
    expect(r.lines.join('\n')).toContain('t.test.yaml:5:15: error [ip-syntax] "192.0.2.300" is not an IPv4 address');
    expect(r.lines.join('\n')).toContain('unknown key "typo"');
    expect(r.problems.length).toBeGreaterThanOrEqual(4);
  });

  it('reports RDATA errors with the place of the value', () => {
    const r = load({ 't.test.yaml': HEAD + 'records:\n  mx: {type: MX, value: "10"}\n  t: {type: SRV, value: "1 2 70000 x"}\n' });
    expect(r.lines).toEqual([
      't.test.yaml:6:25: error [rdata] MX: expected 2 fields (preference exchange), got 1',
      't.test.yaml:7:25: error [rdata] SRV: SRV port: 70000 is above the maximum 65535',
    ]);
  });

  it('duplicate keys are errors (YAML 1.2), and the rest of the file is still checked', () => {
    const r = load({ 't.test.yaml': HEAD + '  ns1: {ipv4: 192.0.2.2}\n  www: {ipv4: 192.0.2.300}\n' });
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.rule}`)).toEqual(['5:3 duplicate-key', '6:15 ip-syntax']);
    expect(r.zones).toHaveLength(0);
  });

  it('one problem is reported once: a TTL over 2^31-1, a record without a value', () => {
    const r = load({ 't.test.yaml': 'zone: t.test.\ndefaults: {ttl: 3000000000}\nnameservers: [ns.example., ns2.example.]\nrecords:\n  x: {type: A}\n' });
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.rule}`)).toEqual(['2:17 ttl', '5:6 schema']);
    expect(r.problems[1]!.hint).toBe('add value: to records.x');
  });

  it('a YAML syntax error names its place', () => {
    const r = load({ 't.test.yaml': 'zone: t.test.\nnameservers: [ns1.t.test.\n' });
    expect(r.problems[0]).toMatchObject({ rule: 'yaml-syntax', line: expect.any(Number) });
    expect(r.problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('an IPv6 address YAML read as a number is told to be quoted', () => {
    const r = load({ 't.test.yaml': '%YAML 1.1\n---\n' + HEAD + '  v6: {ipv6: 1:2:3}\n' });
    const p = r.problems.find((x) => x.rule === 'ip-syntax');
    expect(p?.hint).toMatch(/^quote it/);
  });

  it('CNAME at the apex and CNAME beside other data are refused (RFC 1034 §3.6.2, RFC 2181 §10.1)', () => {
    const r = load({ 't.test.yaml': HEAD + "  www: {ipv4: 192.0.2.80}\nrecords:\n  '': {type: CNAME, value: other.example.}\n  www: {type: CNAME, value: x.example.}\n" });
    expect(r.problems.map((p) => p.rule).sort()).toEqual(['cname-apex', 'cname-exclusive']);
  });

  it('label and name length limits (RFC 1035 §2.3.4)', () => {
    const long = 'a'.repeat(64);
    const r = load({ 't.test.yaml': HEAD + `  ${long}: {ipv4: 192.0.2.9}\n` });
    expect(r.problems[0]).toMatchObject({ rule: 'name' });
    expect(r.problems[0]!.message).toMatch(/63/);
  });

  it('an in-zone nameserver without an address is an error', () => {
    const r = load({ 't.test.yaml': 'zone: t.test.\nnameservers: [ns1.t.test., ns2]\nhosts:\n  ns1: {ipv4: 192.0.2.1}\n' });
    expect(r.problems.map((p) => p.rule)).toEqual(['ns-glue']);
  });

  it('a broken zone does not stop the others from loading', () => {
    const r = load({ 'a.test.yaml': 'zone: a.test.\nnameservers: [ns.example., ns2.example.]\n', 'b.test.yaml': 'zone: b.test.\nnameservers: 5\n' });
    expect(r.zones.map((z) => z.file.split('/').pop())).toEqual(['a.test.yaml']);
    expect(r.failed.map((f) => f.split('/').pop())).toEqual(['b.test.yaml']);
  });
});
