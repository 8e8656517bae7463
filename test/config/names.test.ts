/**
 * Every bad name in a zone file is a finding with file:line:col, rule `name`
 * and a hint, never an exception and never silently another name: host and
 * record owners, reverse: zone, from, ptr, delegate and generic names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYaml } from '../helpers/zones.js';

/** The hint of every name finding says how names are written. */
const NAME_HINT = /^a name is labels of at most 63 octets joined by dots/;

const HEAD = 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  mail: {ipv4: 192.0.2.25}\n';

function load(text: string) {
  const r = loadYaml({ 't.test.yaml': text });
  return { ...r, found: r.problems.map((p) => `${p.line}:${p.col} ${p.rule}`) };
}

describe('names in zone files', () => {
  it('a bad name in reverse[].from is a finding at its place, and the rest is still checked', () => {
    const r = load(HEAD + "reverse:\n  - network: 192.0.2.0/24\n    from: [t.test., 'a..b.', 'ä:x.test.']\n    ptr: {192.0.2.1: 'ä/x.t.test.'}\n");
    expect(r.found).toEqual(['7:21 name', '7:30 name', '8:22 name']);
    for (const p of r.problems) expect(p.hint).toMatch(NAME_HINT);
    expect(r.problems[0]!.message).toContain('empty label');
    expect(r.problems[1]!.message).toContain('not ":"');
  });

  it('`mailns check` reports it with file:line:col and exits 1, not 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-names-'));
    try {
      writeFileSync(join(dir, 't.test.yaml'), HEAD + "reverse:\n  - network: 192.0.2.0/24\n    from: ['a..b.']\n");
      const c = spawnSync(process.execPath, ['dist/src/cli/main.js', 'check', dir], { encoding: 'utf8' });
      expect(c.status, c.stderr).toBe(1);
      expect(c.stdout).toContain('t.test.yaml:7:12: error [name] "a..b.": empty label');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a non-ASCII owner that the IDNA conversion would split or rewrite is refused at the key', () => {
    const r = load(HEAD + "  'ä:x': {ipv4: 192.0.2.26}\n  'ä/x': {ipv4: 192.0.2.27}\n  'ä x': {ipv4: 192.0.2.28}\nrecords:\n  'ä@x': {type: TXT, value: hi}\n  'bücher': {type: TXT, value: ok}\n");
    expect(r.found).toEqual(['5:3 name', '6:3 name', '7:3 name', '9:3 name']);
    expect(r.problems.map((p) => p.message).join('\n')).not.toMatch(/Invalid URL/);
    expect(r.problems[0]!.hint).toMatch(NAME_HINT);
  });

  it('a bad reverse zone name has the name hint', () => {
    const r = load(HEAD + "reverse:\n  - network: 198.51.100.64/26\n    zone: '64/26..100.51.198.in-addr.arpa.'\n");
    expect(r.found).toEqual(['7:11 name']);
    expect(r.problems[0]!.hint).toMatch(NAME_HINT);
  });

  it('the child label of an RFC 2317 delegation is one label', () => {
    const r = load(HEAD + "reverse:\n  - network: 192.0.2.0/24\n    delegate:\n      192.0.2.128/26: {nameservers: [ns1.example.net.], zone: 'a.b'}\n      192.0.2.64/26: {nameservers: [ns1.example.net.], zone: 'a\\.b'}\n");
    expect(r.found).toEqual(['8:63 name']);
  });

  it('a generic name whose labels would pass 63 octets is refused when loaded, not when queried', () => {
    const r = load(HEAD + `reverse:\n  - network: 2001:db8::/48\n    generic: {name: '${'x'.repeat(30)}-{dashed}.pool'}\n`);
    expect(r.found).toEqual(['7:21 reverse-generic']);
    expect(r.problems[0]!.message).toMatch(/70 octets .* 63/);
  });

  it('an entry of the wrong shape gets its schema errors, and the others keep their places', () => {
    const r = load(HEAD + "reverse:\n  - 5\n  - {network: 192.0.2.0/24, from: t.test.}\n  - {network: 192.0.2.300/24}\n");
    expect(r.found).toEqual(['6:5 schema', '7:35 schema', '8:15 reverse-network']);
  });
});
