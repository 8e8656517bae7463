/**
 * Long TXT text with multi-octet UTF-8 characters, served and read back by
 * clients that share no code with mailns: dnspython over TCP (each string
 * decoded as UTF-8 on its own, strictly) and ISC dig +short.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDnspython, PYTHON } from '../helpers/dnspy.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml, type Running } from '../helpers/server.js';

const haveDnspython = requireDnspython();
const haveDig = requireTool('dig');

// 2-, 3- and 4-octet characters placed so that each one straddles a 255-octet boundary.
const TEXT = 'a'.repeat(254) + 'é' + 'b'.repeat(252) + '€' + 'c'.repeat(251) + '😀' + ' end';
const ZONE = `zone: u.test.
nameservers: [ns.example., ns2.example.]
records:
  note: {type: TXT, value: '${TEXT}'}
`;

/** Reads TXT at `name` over TCP; per string its length and its strict UTF-8 decoding (null if it is not UTF-8). */
const READ_TXT = `
import json, sys, dns.message, dns.query
req = json.load(sys.stdin)
r = dns.query.tcp(dns.message.make_query(req['name'], 'TXT'), '127.0.0.1', port=req['port'], timeout=3)
out = []
for rrset in r.answer:
    for rd in rrset:
        strings = []
        for s in rd.strings:
            try: text = s.decode('utf-8', 'strict')
            except UnicodeDecodeError: text = None
            strings.append({'len': len(s), 'text': text})
        out.append(strings)
print(json.dumps({'rcode': r.rcode(), 'records': out}))
`;

function python<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the server answering it runs in this process.
    const child = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`python exited ${code}:\n${err}`));
      try { resolve(JSON.parse(out) as T); } catch (e) { reject(new Error(`${(e as Error).message}\n${out}\n${err}`)); }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** The octets of one "..." string as dig prints it (RFC 1035 §5.1 escapes: \\DDD and \\X). */
function digOctets(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-9]{3}$/.test(s.slice(i + 1, i + 4))) { bytes.push(Number(s.slice(i + 1, i + 4))); i += 3; }
    else if (s[i] === '\\') bytes.push(s.charCodeAt(++i));
    else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

describe.skipIf(!haveDnspython && !haveDig)('TXT text cut between UTF-8 characters, read by real clients', () => {
  let srv: Running;
  beforeAll(async () => { srv = await startWithYaml({ 'u.test.yaml': ZONE }); });
  afterAll(async () => srv?.stop());

  it.skipIf(!haveDnspython)('dnspython: every string is at most 255 octets and valid UTF-8 on its own; joined they are the text', async () => {
    const r = await python<{ rcode: number; records: { len: number; text: string | null }[][] }>(READ_TXT, { name: 'note.u.test.', port: srv.port });
    expect(r.rcode).toBe(0);
    expect(r.records).toHaveLength(1);
    const strings = r.records[0]!;
    expect(strings.length).toBe(4);
    for (const s of strings) {
      expect(s.len).toBeLessThanOrEqual(255);
      expect(s.text).not.toBeNull();
    }
    expect(strings.map((s) => s.text).join('')).toBe(TEXT);
  });

  it.skipIf(!haveDig)('dig +short: the same strings, each whole UTF-8', async () => {
    const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(srv.port), '+tries=1', '+time=2', '+tcp', '+short', 'note.u.test', 'TXT']);
    const strings = [...stdout.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => digOctets(m[1]!));
    expect(strings).toHaveLength(4);
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (const s of strings) {
      expect(s.length).toBeLessThanOrEqual(255);
      expect(() => strict.decode(s)).not.toThrow();
    }
    expect(Buffer.concat(strings).toString('utf8')).toBe(TEXT);
  });
});
