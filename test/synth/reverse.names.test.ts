/**
 * RFC 2317 names with characters that need escaping (RFC 1035 §5.1) survive
 * every text form mailns writes: `mailns export` (judged by named-checkzone,
 * kzonecheck and dnspython, then read back by `mailns import`), and the lines
 * `mailns check` asks the ISP to publish (judged the same way, pasted into the
 * ISP's zone).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/nsd.js';
import { requireDnspython } from '../helpers/dnspy.js';

const CLI = 'dist/src/cli/main.js';
const PYTHON = '/usr/bin/python3';
const haveBind = requireTool('named-checkzone');
const haveKnot = requireTool('kzonecheck');
const havePy = requireDnspython();

// A /24 that delegates a /26 to a child whose label holds an escaped dot and
// semicolon, a classless zone spelled the usual RFC 2317 way (64/26), and one
// whose first label holds parentheses and a space.
const ZONE = String.raw`zone: ex.test.
soa: {rname: hostmaster@ex.test, serial: 2026020201}
nameservers: [ns1.ex.test., ns2.example.net.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  mail: {ipv4: [198.51.100.65, 198.51.100.130]}
reverse:
  - network: 192.0.2.0/24
    delegate:
      192.0.2.128/26: {nameservers: [ns1.customer.example.], zone: 'cust\.128\;26'}
  - network: 198.51.100.64/26
    zone: 64/26.100.51.198.in-addr.arpa.
  - network: 198.51.100.128/26
    zone: 'r\(128\)\ 26.100.51.198.in-addr.arpa.'
`;
const ARPA = ['in-addr', 'arpa'];
const V24 = ['2', '0', '192', ...ARPA];
const P24 = ['100', '51', '198', ...ARPA];
const CHILD = 'cust.128;26';
const SLASH = ['64/26', ...P24];
const ODD = ['r(128) 26', ...P24];

const dir = mkdtempSync(join(tmpdir(), 'mailns-rev-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'in'));
writeFileSync(join(dir, 'in', 'ex.test.yaml'), ZONE);

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  expect(r.status, `mailns ${args.join(' ')}:\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Rec { owner: string[]; type: string; target: string[] | null }
/** dnspython's reading of a master file (test/helpers/zonenames.py). */
function judge(origin: string, text: string): Rec[] {
  const r = spawnSync(PYTHON, ['test/helpers/zonenames.py', origin], { input: text, encoding: 'utf8' });
  expect(r.status, `dnspython on ${origin}:\n${r.stderr}\n${text}`).toBe(0);
  return JSON.parse(r.stdout) as Rec[];
}

function checkzone(origin: string, text: string): void {
  const file = join(dir, `${origin.replace(/[^a-z0-9.-]/gi, '_')}zone`);
  writeFileSync(file, text);
  if (haveBind) {
    const r = spawnSync('named-checkzone', ['-k', 'fail', '-n', 'fail', '-M', 'warn', origin, file], { encoding: 'utf8' });
    expect(r.status, `named-checkzone ${origin}:\n${r.stdout}${r.stderr}\n${text}`).toBe(0);
  }
  if (haveKnot) {
    const r = spawnSync('kzonecheck', ['-o', origin, file], { encoding: 'utf8' });
    expect(r.status, `kzonecheck ${origin}:\n${r.stdout}${r.stderr}\n${text}`).toBe(0);
  }
}

/** `mailns export` output, one master file per zone. */
function exportedZones(d: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of cli('export', d).split(/^(?=\$ORIGIN )/m)) {
    if (block.trim()) out.set(block.slice('$ORIGIN '.length, block.indexOf('\n')), block);
  }
  return out;
}

const has = (recs: Rec[], r: Rec) => expect(recs, JSON.stringify(r)).toContainEqual(r);

describe.skipIf(!havePy)('RFC 2317 names through export, import and the ISP lines', () => {
  it('the ISP lines of `mailns check` are zone-file text for the parent zone, naming our zone exactly', () => {
    const out = cli('check', join(dir, 'in'), '--verbose');
    // "<zone>: ask the ISP to publish in its zone ...:" then the lines, indented.
    const blocks = new Map<string, string[]>();
    let cur: string[] | undefined;
    for (const line of out.split('\n')) {
      const head = /^(\S+): ask the ISP to publish/.exec(line);
      if (head) blocks.set(head[1]!, (cur = []));
      else if (cur && line.startsWith('    ')) cur.push(line.slice(4));
      else cur = undefined;
    }
    const parent = '100.51.198.in-addr.arpa.';
    const isp = [...(blocks.get('64/26.100.51.198.in-addr.arpa.') ?? []), ...(blocks.get('r\\(128\\)\\03226.100.51.198.in-addr.arpa.') ?? [])];
    expect(isp.length).toBe(2 * (2 + 64));
    const text = `$ORIGIN ${parent}\n$TTL 3600\n@\tSOA\tns.isp.example. hostmaster.isp.example. 1 3600 600 86400 3600\n@\tNS\tns.isp.example.\n${isp.join('\n')}\n`;
    checkzone(parent, text);
    const recs = judge(parent, text);
    for (const zone of [SLASH, ODD]) has(recs, { owner: zone, type: 'NS', target: ['ns1', 'ex', 'test'] });
    for (const o of ['64', '100', '127']) has(recs, { owner: [o, ...P24], type: 'CNAME', target: [o, ...SLASH] });
    for (const o of ['128', '130', '191']) has(recs, { owner: [o, ...P24], type: 'CNAME', target: [o, ...ODD] });
    expect(recs.filter((r) => r.type === 'CNAME')).toHaveLength(128);
  });

  it('exported zones pass the checkers, hold the names as written, and import back to the same records', () => {
    const zones = exportedZones(join(dir, 'in'));
    expect([...zones.keys()].sort()).toEqual(['2.0.192.in-addr.arpa.', '64/26.100.51.198.in-addr.arpa.', 'ex.test.', 'r\\(128\\)\\03226.100.51.198.in-addr.arpa.']);
    const names = new Map<string, Rec[]>();
    for (const [origin, text] of zones) {
      checkzone(origin, text);
      names.set(origin, judge(origin, text));
    }
    // The parent side of the delegation: NS at the child's apex, and the CNAMEs into it (RFC 2317 §4).
    const v24 = names.get('2.0.192.in-addr.arpa.')!;
    has(v24, { owner: [CHILD, ...V24], type: 'NS', target: ['ns1', 'customer', 'example'] });
    for (const o of ['128', '150', '191']) has(v24, { owner: [o, ...V24], type: 'CNAME', target: [o, CHILD, ...V24] });
    has(names.get('64/26.100.51.198.in-addr.arpa.')!, { owner: ['65', ...SLASH], type: 'PTR', target: ['mail', 'ex', 'test'] });
    has(names.get('r\\(128\\)\\03226.100.51.198.in-addr.arpa.')!, { owner: ['130', ...ODD], type: 'PTR', target: ['mail', 'ex', 'test'] });

    // Each exported file through `mailns import`, loaded again, exports the same records.
    mkdirSync(join(dir, 'back'));
    [...zones.values()].forEach((text, i) => {
      const file = join(dir, `z${i}.zone`);
      writeFileSync(file, text);
      writeFileSync(join(dir, 'back', `z${i}.yaml`), cli('import', file));
    });
    const again = exportedZones(join(dir, 'back'));
    const records = (m: Map<string, string>) => [...m.values()].flatMap((t) => t.split('\n')).filter((l) => l && !l.startsWith('$')).sort();
    expect(records(again)).toEqual(records(zones));
  });
});
