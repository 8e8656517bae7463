/** Edge cases found in review: long CNAME chains, DS above a child we serve, sibling glue, bad generic RDATA. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml, type Running } from '../helpers/server.js';
import { loadZones } from '../../src/server/load.js';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const haveDig = requireTool('dig');

const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
function chain(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => `  ${prefix}${letters[i]}: {type: CNAME, value: ${i + 1 < n ? prefix + letters[i + 1] : 'www'}}`).join('\n');
}

const PARENT = `zone: t.test.
nameservers: [ns1.t.test.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  www: {ipv4: 192.0.2.80}
${Array.from({ length: 13 }, (_, i) => `  sib${String(i).padStart(2, '0')}: {ipv4: 192.0.2.${100 + i}, ipv6: '2001:db8::${100 + i}'}`).join('\n')}
records:
${chain(15, 'c')}
${chain(20, 'l')}
  child: [{type: NS, value: ns.child}, {type: DS, value: '12345 13 2 ${'AB'.repeat(32)}'}]
  ns.child: {type: A, value: 192.0.2.54}
  d: {type: NS, values: [${Array.from({ length: 13 }, (_, i) => `sib${String(i).padStart(2, '0')}`).join(', ')}]}
`;
const CHILD = `zone: child.t.test.
nameservers: [ns.child.t.test.]
hosts:
  ns: {ipv4: 192.0.2.54}
`;

describe.skipIf(!haveDig)(haveDig ? 'edge cases' : 'edge cases (skipped: dig is not installed)', () => {
  let srv: Running;
  beforeAll(async () => { srv = await startWithYaml({ 't.test.yaml': PARENT, 'child.t.test.yaml': CHILD }); });
  afterAll(async () => srv?.stop());

  it('a 15-link CNAME chain is followed to the end (as NSD)', async () => {
    const r = await dig(srv.port, ['+norec', 'ca.t.test', 'A']);
    expect(r.answer.filter((l) => l.includes(' CNAME '))).toHaveLength(15);
    expect(r.answer.at(-1)).toBe('www.t.test. 3600 IN A 192.0.2.80');
  });

  it('past 16 links the chain so far is answered, without a negative SOA (RFC 1034 §4.3.2 3a)', async () => {
    const r = await dig(srv.port, ['+norec', 'la.t.test', 'A']);
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toHaveLength(16);
    expect(r.authority).toEqual([]);
  });

  it('DS at the apex of a child we also serve comes from the parent (RFC 4035 §3.1.4.1)', async () => {
    const r = await dig(srv.port, ['+norec', 'child.t.test', 'DS']);
    expect(r.flags).toContain('aa');
    // dig splits long hex into groups; join them back.
    expect(r.answer.map((l) => l.replace(/ (?=[0-9A-F]+$)/g, '').replace(/(DS 12345 13 2) ?/, '$1 '))).toEqual([`child.t.test. 3600 IN DS 12345 13 2 ${'AB'.repeat(32)}`]);
  });

  it('sibling glue that does not fit is dropped without TC (RFC 9471 §3 asks only for in-domain glue)', async () => {
    const r = await dig(srv.port, ['+norec', '+bufsize=512', '+ignore', 'x.d.t.test', 'A']);
    expect(r.flags).not.toContain('tc');
    expect(r.authority).toHaveLength(13);
    expect(r.additional.length).toBeLessThan(26);
  });

  it('in-domain glue that does not fit sets TC', async () => {
    const many = Array.from({ length: 13 }, (_, i) => `n${i}.big`).join(', ');
    const glue = Array.from({ length: 13 }, (_, i) => `  n${i}.big: [{type: A, value: 192.0.2.${i + 1}}, {type: AAAA, value: '2001:db8::${i + 1}'}]`).join('\n');
    const s2 = await startWithYaml({ 'g.test.yaml': `zone: g.test.\nnameservers: [ns.example., ns2.example.]\nrecords:\n  big: {type: NS, values: [${many}]}\n${glue}\n` });
    try {
      const r = await dig(s2.port, ['+norec', '+bufsize=512', '+ignore', 'x.big.g.test', 'A']);
      expect(r.flags).toContain('tc');
    } finally { await s2.stop(); }
  });
});

describe('bad input in rare places', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-edge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generic RDATA that is not valid for its type is an error with its place, not a crash', () => {
    writeFileSync(join(dir, 'b.test.yaml'), "zone: b.test.\nnameservers: [ns.example., ns2.example.]\nrecords:\n  bad: {type: NS, value: '\\# 2 0000'}\n  d: {type: DNAME, value: x.example.}\n");
    const r = loadZones([dir]);
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.rule}`)).toEqual(['4:26 rdata', '5:27 dname']);
  });
});
