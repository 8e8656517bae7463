/**
 * Data below a delegation (RFC 1034 §4.2.1): only glue, the A/AAAA of a name
 * an NS record names, is served there; anything else is occluded, and the
 * warning says so whether the zone was written in YAML or imported from a
 * zone file. dig shows why: a query for occluded data gets the referral.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml } from '../helpers/server.js';
import { findingLines, loadYaml } from '../helpers/zones.js';

const ZONE = `zone: occ.test.
nameservers: [ns1.example.net., ns2.example.net.]
records:
  lab: {type: NS, values: [ns.lab, ns2.example.net.]}
  ns.lab: {type: A, value: 192.0.2.53}
  host1.lab: {type: A, value: 192.0.2.54}
  www.lab: {type: TXT, value: hidden}
`;
const OCCLUDED = new Set(['occluded']);

describe('occluded data below a delegation', () => {
  it('YAML: glue is fine, an A that no NS names and a TXT below the cut are warned about', () => {
    const r = loadYaml({ 'occ.test.yaml': ZONE });
    expect(findingLines(r.problems, OCCLUDED)).toEqual(['warning occluded 6', 'warning occluded 7']);
    expect(r.problems.find((p) => p.line === 6)!.message).toMatch(/host1\.lab\.occ\.test\. A is below the delegation lab\.occ\.test\., and no NS record names it/);
  });

  it('a zone file imported with mailns import gets the same warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-occ-'));
    try {
      const file = join(dir, 'occ.test.zone');
      writeFileSync(file, [
        '$ORIGIN occ.test.', '$TTL 3600',
        '@ SOA ns1.example.net. hostmaster 1 7200 3600 1209600 3600',
        '@ NS ns1.example.net.', '@ NS ns2.example.net.',
        'lab NS ns.lab', 'ns.lab A 192.0.2.53', 'host1.lab A 192.0.2.54', '',
      ].join('\n'));
      const imported = spawnSync(process.execPath, ['dist/src/cli/main.js', 'import', file], { encoding: 'utf8' });
      expect(imported.stdout).toContain('host1.lab');
      const r = loadYaml({ 'occ.test.yaml': imported.stdout });
      expect(r.problems.filter((p) => p.rule === 'occluded').map((p) => p.message)).toEqual([expect.stringMatching(/^host1\.lab\.occ\.test\. A is below/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const haveDig = requireTool('dig');
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => stop?.());
  it.skipIf(!haveDig)('dig: the occluded A gets the referral, the glue comes with it', async () => {
    const srv = await startWithYaml({ 'occ.test.yaml': ZONE });
    stop = srv.stop;
    const r = await dig(srv.port, ['host1.lab.occ.test', 'A', '+norec']);
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([]);
    expect(r.flags).not.toContain('aa');
    expect(r.authority.map((l) => l.split(' ').slice(3).join(' '))).toEqual(['NS ns.lab.occ.test.', 'NS ns2.example.net.']);
    expect(r.additional).toContain('ns.lab.occ.test. 3600 IN A 192.0.2.53');
  });
});

describe('reverse zone names', () => {
  it('an octet-aligned network with a zone: that is not its in-addr.arpa zone is a finding at zone:, and the file counts as failed', () => {
    const r = loadYaml({ 'rev.yaml': 'soa: {rname: hostmaster@t.test, serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nreverse:\n  - network: 192.0.2.0/24\n    zone: 64/26.2.0.192.in-addr.arpa.\n' });
    expect(r.problems.map((p) => `${p.severity} ${p.rule} ${p.line}:${p.col}`)).toEqual(['error reverse-zone 5:11']);
    expect(r.problems[0]!.message).toBe('192.0.2.0/24 is on an octet boundary, so its zone is 2.0.192.in-addr.arpa., not 64/26.2.0.192.in-addr.arpa.');
    expect(r.failed.map((f) => f.endsWith('rev.yaml'))).toEqual([true]);
  });
});

describe('records a helper made that are never served', () => {
  const A = 'zone: a.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nmail:\n  mx: [mx1.example.net., mx2.example.net.]\n  dkim: {sel1: {key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=}}\n';
  const CHILD = 'zone: _domainkey.a.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  old: {type: TXT, value: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}\n';
  it('a DKIM key in a zone whose _domainkey is a child zone we also serve is an error (shadowed)', () => {
    const r = loadYaml({ 'a.test.yaml': A, '_domainkey.a.test.yaml': CHILD });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule} ${p.line}: ${p.message}`)).toEqual([
      'shadowed 5: sel1._domainkey.a.test. TXT (made by mail.dkim) is never served: the zone _domainkey.a.test., which we also serve, answers for that name',
    ]);
  });

  it('a hand-written record shadowed the same way is a warning; the delegation and its glue are not shadowed', () => {
    const r = loadYaml({
      'a.test.yaml': 'zone: a.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  x.sub: {type: TXT, value: old}\n  sub: {type: NS, values: [ns.sub, ns2.example.net.]}\n  ns.sub: {type: A, value: 192.0.2.53}\n',
      'sub.a.test.yaml': 'zone: sub.a.test.\nnameservers: [ns.sub.a.test., ns2.example.net.]\nhosts:\n  ns: {ipv4: 192.0.2.53}\n',
    });
    expect(r.problems.filter((p) => p.rule === 'shadowed' || p.rule === 'occluded').map((p) => `${p.severity} ${p.rule} ${p.line}`)).toEqual(['warning occluded 4', 'warning shadowed 4']);
  });

  it('a helper record below a delegation is an error (occluded), not a warning', () => {
    const r = loadYaml({ 'a.test.yaml': A + "records:\n  _domainkey: {type: NS, values: [ns1.example.net., ns2.example.net.]}\n" });
    expect(r.problems.filter((p) => p.rule === 'occluded').map((p) => `${p.severity} ${p.line}`)).toEqual(['error 5']);
  });
});
