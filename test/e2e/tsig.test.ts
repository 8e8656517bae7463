/**
 * TSIG (RFC 8945) on every kind of reply, against clients we did not write:
 * dig -y and -k, kdig -y, and dnspython (test/helpers/tsigcheck.py, which
 * also checks the MAC of a signed error that dnspython itself only reports).
 * A request whose TSIG verifies gets its reply signed (§5.3), whatever it
 * is: an answer over UDP and TCP, truncated or not, REFUSED, NOTAUTH,
 * NOTIMP, FORMERR, BADVERS, a refused transfer; one that does not gets
 * NOTAUTH with the TSIG error (§5.2, §5.3.2). Transfers themselves are in
 * test/e2e/transfer.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKeyFile } from '../../src/config/tsig-keys.js';
import { keyring } from '../../src/wire/tsig.js';
import { PYTHON, requireDnspython } from '../helpers/dnspy.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml, type Running } from '../helpers/server.js';

const run = promisify(execFile);
const havePy = requireDnspython();
const haveDig = requireTool('dig');
const haveKdig = requireTool('kdig');

const NAME = 'tsig.test.';
const SECRET = Buffer.from('the TSIG key of the e2e test!!!!').toString('base64');
const WRONG = Buffer.from('not the secret the server holds!').toString('base64');
const KEYS = keyring([{ name: ['tsig', 'test'], algorithm: 'hmac-sha256', secret: Buffer.from(SECRET, 'base64') }]);

/** 40 addresses on one name: 640 octets of answer, more than a 512-octet datagram holds. */
const ZONE = `zone: t.test.
nameservers: [ns1.example.net., ns2.example.net.]
hosts:
  www: {ipv4: 192.0.2.1}
  many: {ipv4: [${Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 10}`).join(', ')}]}
`;

interface Seen { rcode: string; signed: boolean; verified: boolean; tc: boolean; tsig_error?: string; time_signed?: number; request_time: number; other_time?: number; mac_size?: number; exception?: string }

function py(port: number, req: Record<string, unknown>): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join('test', 'helpers', 'tsigcheck.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`tsigcheck.py exited ${code}: ${err}`)); return; }
      resolve(JSON.parse(out) as Seen);
    });
    child.stdin.end(JSON.stringify({ port, key: { name: NAME, secret: SECRET }, ...req }));
  });
}

async function dig(port: number, args: string[]): Promise<string> {
  const { stdout, stderr } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', '+norecurse', ...args]);
  return stdout + stderr;
}

/** The TSIG line dig prints, and whether dig verified it (BIND's messages when it could not). */
const digTsig = (out: string) => ({
  status: /status: (\w+)/.exec(out)?.[1],
  tsig: out.split('\n').find((l) => /\tTSIG\t/.test(l))?.trim().split(/\s+/).slice(-3, -1).join(' '),
  unverified: /Couldn't verify|tsig verify failure|WARNING -- Some TSIG could not be validated|expected a TSIG/.test(out),
});

let s: Running & { dir: string };
let keyFile: string;
beforeAll(async () => {
  // Transfers only from an address the test is not at: a signed AXFR is refused by the ACL.
  s = await startWithYaml({ 't.test.yaml': ZONE }, { keys: KEYS, transfer: { allow: ['192.0.2.53'], keys: [NAME] } });
  const dir = mkdtempSync(join(tmpdir(), 'mailns-tsig-'));
  keyFile = join(dir, 'tsig.test.key');
  writeFileSync(keyFile, formatKeyFile(NAME, 'hmac-sha256', SECRET), { mode: 0o600 });
  return () => rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => { await s?.stop(); });

describe.skipIf(!haveDig)('dig and kdig verify the signed replies', () => {
  it('a plain query, over UDP and TCP, with -y and -k: a signed answer dig verifies', async () => {
    for (const args of [['-y', `hmac-sha256:${NAME}:${SECRET}`], ['-y', `hmac-sha256:${NAME}:${SECRET}`, '+tcp'], ['-k', keyFile], ['-k', keyFile, '+tcp']]) {
      const out = await dig(s.port, ['www.t.test', 'A', ...args]);
      expect(digTsig(out), args.join(' ')).toEqual({ status: 'NOERROR', tsig: `${out.match(/id: (\d+)/)![1]} NOERROR`, unverified: false });
      expect(out).toContain('192.0.2.1');
    }
  });

  it('kdig -y: the signed answer verifies', async () => {
    if (!haveKdig) return;
    const { stdout, stderr } = await run('kdig', ['@127.0.0.1', '-p', String(s.port), '-y', `hmac-sha256:${NAME}:${SECRET}`, 'www.t.test', 'A']);
    expect(stdout).toMatch(/status: NOERROR/);
    expect(stdout).toMatch(/\tTSIG\t/);
    expect(stdout + stderr).not.toMatch(/WARNING|failed to verify/);
  });

  it('a wrong secret: NOTAUTH with BADSIG, unsigned, as dig reports it', async () => {
    const out = await dig(s.port, ['www.t.test', 'A', '-y', `hmac-sha256:${NAME}:${WRONG}`]);
    expect(out).toMatch(/status: NOTAUTH/);
    expect(digTsig(out).tsig).toMatch(/ BADSIG$/);
  });

  it('early failures are signed: a refused AXFR, a zone we do not serve, NOTIMP, BADVERS, a name outside our zones', async () => {
    const y = ['-y', `hmac-sha256:${NAME}:${SECRET}`];
    const axfr = await dig(s.port, ['t.test', 'AXFR', '+comments', ...y]);
    expect(axfr).toMatch(/status: REFUSED/);
    expect(axfr).toContain('; EDE: 18 (Prohibited)');
    expect(digTsig(axfr).unverified).toBe(false);
    expect(digTsig(axfr).tsig).toMatch(/ NOERROR$/);
    for (const [args, status] of [[['other.test', 'AXFR', '+comments'], 'NOTAUTH'], [['+opcode=notify', 't.test', 'SOA'], 'NOTIMP'], [['+edns=1', '+noednsneg', 't.test', 'SOA'], 'BADVERS'], [['www.other.test', 'A'], 'REFUSED']] as const) {
      const out = await dig(s.port, [...args, ...y]);
      expect(digTsig(out), args.join(' ')).toMatchObject({ status, unverified: false });
      expect(digTsig(out).tsig, args.join(' ')).toMatch(/ NOERROR$/);
    }
  });

  it('over UDP, an answer too large is truncated (TC) and still signed (RFC 8945 §5.3)', async () => {
    const out = await dig(s.port, ['many.t.test', 'A', '+noedns', '+ignore', '-y', `hmac-sha256:${NAME}:${SECRET}`]);
    expect(out).toMatch(/flags: qr aa tc;/);
    expect(digTsig(out)).toMatchObject({ status: 'NOERROR', unverified: false });
    expect(digTsig(out).tsig).toMatch(/ NOERROR$/);
    // And the same over TCP, whole.
    const tcp = await dig(s.port, ['many.t.test', 'A', '+tcp', '-y', `hmac-sha256:${NAME}:${SECRET}`]);
    expect(tcp).toMatch(/ANSWER: 40,/);
    expect(digTsig(tcp).unverified).toBe(false);
  });
});

describe.skipIf(!havePy)('dnspython: signed replies, and the TSIG errors of RFC 8945 §5.2', () => {
  it('a plain query over UDP and TCP: signed, verified by dnspython', async () => {
    for (const tcp of [false, true]) expect(await py(s.port, { name: 'www.t.test.', type: 'A', tcp })).toMatchObject({ rcode: 'NOERROR', signed: true, verified: true, tsig_error: 'NOERROR' });
  });

  it('FORMERR found after the TSIG was read (an answer in a query), NOTIMP (opcode STATUS), BADVERS: signed and verified', async () => {
    expect(await py(s.port, { name: 'www.t.test.', answer: 'www.t.test. 300 IN A 192.0.2.1' })).toMatchObject({ rcode: 'FORMERR', signed: true, verified: true });
    expect(await py(s.port, { name: 't.test.', opcode: 'STATUS', tcp: true })).toMatchObject({ rcode: 'NOTIMP', signed: true, verified: true });
    expect(await py(s.port, { name: 't.test.', edns: 1 })).toMatchObject({ rcode: 'BADVERS', signed: true, verified: true });
  });

  it('a TC reply over UDP is signed and verifies', async () => {
    expect(await py(s.port, { name: 'many.t.test.', type: 'A', edns: -1 })).toMatchObject({ rcode: 'NOERROR', tc: true, signed: true, verified: true });
  });

  it('the same early failures with a wrong secret or an unknown key: NOTAUTH, BADSIG or BADKEY, unsigned (MAC size 0)', async () => {
    const wrong = { key: { name: NAME, secret: WRONG } };
    expect(await py(s.port, { name: 'www.t.test.', answer: 'www.t.test. 300 IN A 192.0.2.1', ...wrong })).toMatchObject({ rcode: 'NOTAUTH', tsig_error: 'BADSIG', mac_size: 0, exception: 'PeerBadSignature' });
    expect(await py(s.port, { name: 't.test.', opcode: 'STATUS', ...wrong })).toMatchObject({ rcode: 'NOTAUTH', tsig_error: 'BADSIG', mac_size: 0 });
    expect(await py(s.port, { name: 't.test.', key: { name: 'nosuch.test.', secret: SECRET } })).toMatchObject({ rcode: 'NOTAUTH', tsig_error: 'BADKEY', mac_size: 0, exception: 'PeerBadKey' });
  });

  it('a clock 10 minutes off: BADTIME, signed and verifiable, the request time kept, our time in Other Data (§5.2.3)', async () => {
    for (const skew of [-600, 600]) {
      const before = Math.floor(Date.now() / 1000);
      const r = await py(s.port, { name: 'www.t.test.', type: 'A', skew });
      const after = Math.ceil(Date.now() / 1000);
      expect(r).toMatchObject({ rcode: 'NOTAUTH', tsig_error: 'BADTIME', exception: 'PeerBadTime', signed: true, verified: true, mac_size: 32 });
      expect(r.time_signed).toBe(r.request_time);
      expect(r.other_time).toBeGreaterThanOrEqual(before);
      expect(r.other_time).toBeLessThanOrEqual(after);
    }
  });
});
