/** The order `mailns diff` prints owners in: RFC 4034 §6.1 canonical order. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareNames, diffSnapshots } from '../../src/zone/diff.js';
import { loadZones } from '../../src/server/load.js';

describe('compareNames', () => {
  it('sorts the RFC 4034 §6.1 example into its canonical order', () => {
    // The RFC's list, in order; labels are octet strings (\001 is 0x01, \200 is 0x80).
    const canonical = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\x01.z.example', '*.z.example', '\x80.z.example'];
    const names = canonical.map((n) => n.split('.'));
    const shuffled = [...names].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]!);
    expect(shuffled.sort(compareNames).map((n) => n.join('.'))).toEqual(canonical);
  });
});

describe('diffSnapshots compares what is published', () => {
  const load = (template: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-diff-gen-'));
    try {
      const text = readFileSync('test/fixtures/reverse/generic.test.yaml', 'utf8');
      writeFileSync(join(dir, 'generic.test.yaml'), text.replace("'ip-{dashed}.pool.gen.test.'", `'${template}'`));
      return loadZones([dir]).zones.map((z) => z.zone);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('a new generic template is a change of PTRs, as a secondary would see it', () => {
    const d = diffSnapshots(load('ip-{dashed}.pool.gen.test.'), load('host-{dashed}.pool.gen.test.'));
    const lines = d.zones.flatMap((z) => z.lines.map((l) => `${l.op}${l.record}`));
    expect(lines.some((l) => /^-\S+\.in-addr\.arpa\.\t\d+\tIN\tPTR\tip-/.test(l))).toBe(true);
    expect(lines.some((l) => /^\+\S+\.in-addr\.arpa\.\t\d+\tIN\tPTR\thost-/.test(l))).toBe(true);
    // gen.test. also holds the /48's forward names, too many to list: export and transfer leave its generic names out, so diff does too.
    expect(d.zones.map((z) => z.zone)).toEqual(['2.0.192.in-addr.arpa.']);
  });
});
