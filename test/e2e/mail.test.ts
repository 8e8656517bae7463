/**
 * Issue 3, "Done when": every record the mail:, caa: and tlsa: helpers
 * synthesize for zones/example.com.yaml and zones/example.org.yaml, read back
 * over real sockets by clients that share no code with mailns: Node's stub
 * resolver (c-ares), ISC dig, openssl (TLSA digest, DKIM key DER), pyspf
 * (SPF evaluation) and dkimpy (DKIM key parsing and verification).
 */
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { resolverFor, startServer, type Running } from '../helpers/server.js';

import { mailcheck, requireModules } from '../helpers/mailcheck.js';

const CLI = 'dist/src/cli/main.js';
const RSA_PEM = 'zones/keys/example.com/rsa2026.pub.pem';
const ED_PEM = 'zones/keys/example.com/ed2026.pub.pem';
const CERT = 'zones/keys/mail.example.com.crt';

function openssl(args: string[], input?: Buffer | string): Buffer {
  const r = spawnSync('openssl', args, { input, timeout: 20_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Joins the character-strings of a TXT line as dig prints it (our values have no escapes). */
function digTxt(line: string): string {
  const strings = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  expect(strings.join('')).not.toMatch(/\\/);
  return strings.join('');
}

const haveDig = requireTool('dig');
const haveOpenssl = requireTool('openssl');

let srv: Running;
let r: Resolver;
beforeAll(async () => {
  srv = await startServer(['zones']);
  r = resolverFor(srv.port);
});
afterAll(async () => srv?.stop());

const SPF_COM = 'v=spf1 ip4:192.0.2.25 ip6:2001:db8:1234::25 include:_spf.example.net -all';
const VERIFICATION = 'google-site-verification=3Xq4kyhVGXbMfa0kzcJ3aEd';
const DMARC_COM = 'v=DMARC1; p=reject; sp=reject; adkim=s; aspf=r; rua=mailto:dmarc@example.com,mailto:dmarc-reports@example.org';
const ED_P = 'jVjNcFiHOE3b0ndyPNieQ07JxgeGAcUVfXTxyVORaBY=';
const SOA_COM = 'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112601 14400 3600 1209600 300';

// ------------------------------------------------------------ Node's resolver

describe('mail records of example.com and example.org (Node resolver)', () => {
  const joined = async (name: string) => (await r.resolveTxt(name)).map((t) => t.join('')).sort();

  it('MX, and the apex SPF merged with the verification TXT as two records', async () => {
    expect((await r.resolveMx('example.com')).sort((a, b) => a.priority - b.priority)).toEqual([
      { exchange: 'mail.example.com', priority: 10 },
      { exchange: 'mx2.example.net', priority: 20 },
    ]);
    expect(await joined('example.com')).toEqual([VERIFICATION, SPF_COM]);
    expect(await joined('mail.example.com')).toEqual(['v=spf1 a -all']);
  });

  it('DKIM rsa2026 and ed2026, DMARC and the report authorization in example.org', async () => {
    const rsa = await r.resolveTxt('rsa2026._domainkey.example.com');
    expect(rsa).toHaveLength(1);
    expect(rsa[0]![0]).toHaveLength(255); // split into 255-octet strings (RFC 7208 §3.3 / RFC 6376 §3.6.2.2)
    expect(rsa[0]!.join('')).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/]+IDAQAB$/);
    expect(await joined('ed2026._domainkey.example.com')).toEqual([`v=DKIM1; k=ed25519; p=${ED_P}`]);
    expect(await joined('_dmarc.example.com')).toEqual([DMARC_COM]);
    expect(await joined('example.com._report._dmarc.example.org')).toEqual(['v=DMARC1']);
  });

  it('all six client SRV records (RFC 6186), the off ones with target "." (Node gives "")', async () => {
    const srv4 = async (s: string) => r.resolveSrv(`_${s}._tcp.example.com`);
    expect(await srv4('submissions')).toEqual([{ name: 'mail.example.com', port: 465, priority: 0, weight: 1 }]);
    expect(await srv4('submission')).toEqual([{ name: 'mail.example.com', port: 587, priority: 0, weight: 1 }]);
    expect(await srv4('imaps')).toEqual([{ name: 'mail.example.com', port: 993, priority: 0, weight: 1 }]);
    for (const off of ['imap', 'pop3', 'pop3s']) expect(await srv4(off)).toEqual([{ name: '', port: 0, priority: 0, weight: 0 }]);
  });

  it('autoconfig/autodiscover CNAMEs and the _autodiscover._tcp SRV', async () => {
    expect(await r.resolveCname('autoconfig.example.com')).toEqual(['mail.example.com']);
    expect(await r.resolveCname('autodiscover.example.com')).toEqual(['mail.example.com']);
    expect(await r.resolve4('autoconfig.example.com')).toEqual(['192.0.2.25']); // the chain is followed
    expect(await r.resolveSrv('_autodiscover._tcp.example.com')).toEqual([{ name: 'mail.example.com', port: 443, priority: 0, weight: 1 }]);
  });

  it('MTA-STS, TLS-RPT and CAA', async () => {
    expect(await joined('_mta-sts.example.com')).toEqual([expect.stringMatching(/^v=STSv1; id=[0-9a-f]{20}$/)]);
    expect(await r.resolveCname('mta-sts.example.com')).toEqual(['www.example.com']);
    expect(await joined('_smtp._tls.example.com')).toEqual(['v=TLSRPTv1; rua=mailto:tlsrpt@example.com']);
    const caa = await r.resolveCaa('example.com');
    expect(caa).toHaveLength(3);
    expect(caa).toEqual(expect.arrayContaining([
      { critical: 0, issue: 'letsencrypt.org' },
      { critical: 0, issuewild: ';' },
      { critical: 0, iodef: 'mailto:security@example.com' },
    ]));
  });

  it('example.org: null MX (RFC 7505), SPF -all, DMARC reject, an empty DKIM key for every selector', async () => {
    expect(await r.resolveMx('example.org')).toEqual([{ exchange: '', priority: 0 }]);
    expect(await joined('example.org')).toEqual(['v=spf1 -all']);
    expect(await joined('_dmarc.example.org')).toEqual(['v=DMARC1; p=reject']);
    expect(await joined('anything._domainkey.example.org')).toEqual(['v=DKIM1; p=']);
  });

  it('_domainkey itself is an empty non-terminal: NODATA, not NXDOMAIN (RFC 8020)', async () => {
    await expect(r.resolveTxt('_domainkey.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolveTxt('nosuchselector._domainkey.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

// ------------------------------------------------------------ dig

describe.skipIf(!haveDig)(haveDig ? 'mail records of example.com and example.org (dig)' : 'mail records (skipped: dig is not installed)', () => {
  const q = (...args: string[]) => dig(srv.port, ['+norec', ...args]);
  const answer = async (name: string, type: string) => {
    const d = await q(name, type);
    expect(d.status).toBe('NOERROR');
    expect(d.flags).toContain('aa');
    return d.answer.slice().sort();
  };

  it('MX with the in-zone exchange\'s A and AAAA in additional', async () => {
    const d = await q('example.com', 'MX');
    expect(d.answer.slice().sort()).toEqual(['example.com. 3600 IN MX 10 mail.example.com.', 'example.com. 3600 IN MX 20 mx2.example.net.']);
    expect(d.additional.slice().sort()).toEqual(['mail.example.com. 3600 IN A 192.0.2.25', 'mail.example.com. 3600 IN AAAA 2001:db8:1234::25']);
  });

  it('apex TXT: SPF with the hosts inlined, next to the verification record; HELO SPF at mail', async () => {
    expect(await answer('example.com', 'TXT')).toEqual([
      `example.com. 3600 IN TXT "${VERIFICATION}"`,
      `example.com. 3600 IN TXT "${SPF_COM}"`,
    ]);
    expect(await answer('mail.example.com', 'TXT')).toEqual(['mail.example.com. 3600 IN TXT "v=spf1 a -all"']);
  });

  it('DKIM, DMARC and the RFC 7489 §7.1 report authorization record', async () => {
    const rsa = await answer('rsa2026._domainkey.example.com', 'TXT');
    expect(rsa).toHaveLength(1);
    expect(digTxt(rsa[0]!)).toMatch(/^v=DKIM1; k=rsa; p=MIIB/);
    expect(await answer('ed2026._domainkey.example.com', 'TXT')).toEqual([`ed2026._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=ed25519; p=${ED_P}"`]);
    expect(await answer('_dmarc.example.com', 'TXT')).toEqual([`_dmarc.example.com. 3600 IN TXT "${DMARC_COM}"`]);
    expect(await answer('example.com._report._dmarc.example.org', 'TXT')).toEqual(['example.com._report._dmarc.example.org. 3600 IN TXT "v=DMARC1"']);
  });

  it('client SRV records incl. the off ones, with target addresses in additional', async () => {
    const on = { submissions: 465, submission: 587, imaps: 993 };
    for (const [svc, port] of Object.entries(on)) {
      const d = await q(`_${svc}._tcp.example.com`, 'SRV');
      expect(d.answer).toEqual([`_${svc}._tcp.example.com. 3600 IN SRV 0 1 ${port} mail.example.com.`]);
      expect(d.additional.slice().sort()).toEqual(['mail.example.com. 3600 IN A 192.0.2.25', 'mail.example.com. 3600 IN AAAA 2001:db8:1234::25']);
    }
    for (const svc of ['imap', 'pop3', 'pop3s']) {
      const d = await q(`_${svc}._tcp.example.com`, 'SRV');
      expect(d.answer).toEqual([`_${svc}._tcp.example.com. 3600 IN SRV 0 0 0 .`]);
      expect(d.additional).toEqual([]);
    }
  });

  it('autoconfig, autodiscover, _autodiscover._tcp, mta-sts', async () => {
    expect(await answer('autoconfig.example.com', 'CNAME')).toEqual(['autoconfig.example.com. 3600 IN CNAME mail.example.com.']);
    expect(await answer('autodiscover.example.com', 'CNAME')).toEqual(['autodiscover.example.com. 3600 IN CNAME mail.example.com.']);
    expect(await answer('_autodiscover._tcp.example.com', 'SRV')).toEqual(['_autodiscover._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.com.']);
    expect(await answer('mta-sts.example.com', 'A')).toEqual([
      'mta-sts.example.com. 3600 IN CNAME www.example.com.', 'www.example.com. 3600 IN A 192.0.2.80', 'www.example.com. 3600 IN A 192.0.2.81',
    ]);
  });

  it('_mta-sts, _smtp._tls and the three CAA records', async () => {
    expect(await answer('_mta-sts.example.com', 'TXT')).toEqual([expect.stringMatching(/^_mta-sts\.example\.com\. 3600 IN TXT "v=STSv1; id=[0-9a-f]{20}"$/)]);
    expect(await answer('_smtp._tls.example.com', 'TXT')).toEqual(['_smtp._tls.example.com. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"']);
    expect(await answer('example.com', 'CAA')).toEqual([
      'example.com. 3600 IN CAA 0 iodef "mailto:security@example.com"',
      'example.com. 3600 IN CAA 0 issue "letsencrypt.org"',
      'example.com. 3600 IN CAA 0 issuewild ";"',
    ]);
  });

  it('example.org: null MX, v=spf1 -all, DMARC reject, *._domainkey empty key', async () => {
    const mx = await q('example.org', 'MX');
    expect(mx.answer).toEqual(['example.org. 3600 IN MX 0 .']);
    expect(mx.additional).toEqual([]);
    expect(await answer('example.org', 'TXT')).toEqual(['example.org. 3600 IN TXT "v=spf1 -all"']);
    expect(await answer('_dmarc.example.org', 'TXT')).toEqual(['_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=reject"']);
    expect(await answer('s1._domainkey.example.org', 'TXT')).toEqual(['s1._domainkey.example.org. 3600 IN TXT "v=DKIM1; p="']);
    expect(await answer('*._domainkey.example.org', 'TXT')).toEqual(['*._domainkey.example.org. 3600 IN TXT "v=DKIM1; p="']);
  });

  it('_domainkey.example.com TXT is NOERROR/NODATA with the SOA, not NXDOMAIN', async () => {
    const d = await q('_domainkey.example.com', 'TXT');
    expect(d.status).toBe('NOERROR');
    expect(d.flags).toContain('aa');
    expect(d.counts.answer).toBe(0);
    expect(d.authority).toEqual([SOA_COM]);
    const nx = await q('nosuchselector._domainkey.example.com', 'TXT');
    expect(nx.status).toBe('NXDOMAIN');
  });

  describe.skipIf(!haveOpenssl)(haveOpenssl ? 'against openssl' : 'against openssl (skipped: openssl is not installed)', () => {
    it('TLSA 3 1 1 at _25._tcp.mail: SHA-256 of the certificate\'s SPKI and of the next key', async () => {
      const sha = (der: Buffer) => /([0-9a-f]{64})/.exec(openssl(['dgst', '-sha256', '-hex'], der).toString())![1]!;
      const current = sha(openssl(['pkey', '-pubin', '-outform', 'der'], openssl(['x509', '-in', CERT, '-noout', '-pubkey'])));
      const next = sha(openssl(['pkey', '-pubin', '-in', 'zones/keys/mail.example.com.next.pub.pem', '-outform', 'der']));
      const d = await q('_25._tcp.mail.example.com', 'TLSA');
      const got = d.answer.map((l) => {
        const m = /^_25\._tcp\.mail\.example\.com\. 3600 IN TLSA 3 1 1 ([0-9A-F ]+)$/.exec(l);
        expect(m, l).not.toBeNull();
        return m![1]!.replace(/ /g, '').toLowerCase();
      });
      expect(got.sort()).toEqual([current, next].sort());
    });

    it('the 2048-bit DKIM TXT arrives intact over UDP with EDNS (no TC) and over TCP, p= equal to openssl\'s DER', async () => {
      const p = openssl(['pkey', '-pubin', '-in', RSA_PEM, '-outform', 'der']).toString('base64');
      const want = `v=DKIM1; k=rsa; p=${p}`;
      const udp = await q('+bufsize=1232', '+ignore', 'rsa2026._domainkey.example.com', 'TXT');
      expect(udp.server).toBe('UDP');
      expect(udp.flags).not.toContain('tc');
      expect(udp.edns?.udp).toBe(1232);
      expect(udp.answer).toHaveLength(1);
      expect(digTxt(udp.answer[0]!)).toBe(want);
      const tcp = await q('+tcp', 'rsa2026._domainkey.example.com', 'TXT');
      expect(tcp.server).toBe('TCP');
      expect(tcp.answer).toHaveLength(1);
      expect(digTxt(tcp.answer[0]!)).toBe(want);
      // The ed25519 key too: the raw 32 octets after the 12-octet SPKI header (RFC 8463 §4.2).
      const ed = openssl(['pkey', '-pubin', '-in', ED_PEM, '-outform', 'der']);
      expect(ed).toHaveLength(44);
      expect(ED_P).toBe(ed.subarray(12).toString('base64'));
    });
  });

  it('mailns export --mta-sts prints the policy whose sha256 gives the TXT id (RFC 8461 §3.1, §3.2)', async () => {
    const out = spawnSync(process.execPath, [CLI, 'export', 'zones', '--mta-sts', 'example.com'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const policy = out.stdout;
    expect(policy.endsWith('\r\n')).toBe(true);
    expect(policy.split('\r\n').slice(0, -1)).toEqual([
      'version: STSv1', 'mode: enforce', 'mx: mail.example.com', 'mx: mx2.example.net', 'max_age: 604800',
    ]);
    const id = createHash('sha256').update(policy, 'utf8').digest('hex').slice(0, 20);
    expect(await answer('_mta-sts.example.com', 'TXT')).toEqual([`_mta-sts.example.com. 3600 IN TXT "v=STSv1; id=${id}"`]);
  });
});

// ------------------------------------------------------------ pyspf

const spfWhy = { note: '' };
const haveSpf = requireModules(['spf', 'dns.resolver'], spfWhy);

interface SpfResult { result: string; explanation: string; lookups: string[] }

describe.skipIf(!haveSpf)(haveSpf ? 'SPF evaluated by pyspf against mailns' : `SPF (skipped: ${spfWhy.note})`, () => {
  // example.net publishes the include target _spf.example.net, so the include resolves.
  let both: Running;
  beforeAll(async () => { both = await startServer(['zones', 'test/fixtures/mail/example.net.yaml']); });
  afterAll(async () => both?.stop());
  const check = (port: number, checks: { i: string; s: string; h: string }[]) => mailcheck<SpfResult[]>('spf', { host: '127.0.0.1', port, checks });

  it('MAIL FROM user@example.com: pass from mail\'s IPv4 and IPv6, fail from elsewhere; example.org fails everything', async () => {
    const res = await check(both.port, [
      { i: '192.0.2.25', s: 'user@example.com', h: 'mail.example.com' },
      { i: '2001:db8:1234::25', s: 'user@example.com', h: 'mail.example.com' },
      { i: '198.51.100.1', s: 'user@example.com', h: 'mail.example.com' },
      { i: '203.0.113.7', s: 'user@example.com', h: 'out.example.net' },
      { i: '192.0.2.25', s: 'user@example.org', h: 'mail.example.com' },
      { i: '192.0.2.11', s: 'user@example.org', h: 'example.org' },
      { i: '2001:db8::1', s: 'user@example.org', h: 'example.org' },
    ]);
    expect(res.map((x) => x.result)).toEqual(['pass', 'pass', 'fail', 'pass', 'fail', 'fail', 'fail']);
    // ip4:/ip6: are inlined: a pass from our own host costs one lookup (RFC 7208 §4.6.4).
    expect(res[0]!.lookups).toEqual(['example.com TXT']);
    expect(res[1]!.lookups).toEqual(['example.com TXT']);
    expect(res[2]!.lookups).toEqual(['example.com TXT', '_spf.example.net TXT']);
    expect(res[4]!.lookups).toEqual(['example.org TXT']);
  });

  it('HELO mail.example.com ("v=spf1 a -all"): pass from its own addresses, fail from another', async () => {
    const res = await check(both.port, [
      { i: '192.0.2.25', s: '', h: 'mail.example.com' },
      { i: '2001:db8:1234::25', s: '', h: 'mail.example.com' },
      { i: '192.0.2.26', s: '', h: 'mail.example.com' },
    ]);
    expect(res.map((x) => x.result)).toEqual(['pass', 'pass', 'fail']);
    expect(res[0]!.lookups).toEqual(['mail.example.com TXT', 'mail.example.com A']);
    expect(res[1]!.lookups).toEqual(['mail.example.com TXT', 'mail.example.com AAAA']);
  });

  it('with zones/ alone the include target is REFUSED, which pyspf reports as temperror (RFC 7208 §5.2)', async () => {
    const [res] = await check(srv.port, [{ i: '198.51.100.1', s: 'user@example.com', h: 'mail.example.com' }]);
    expect(res!.result).toBe('temperror');
    expect(res!.explanation).toMatch(/REFUSED/);
  });
});

// ------------------------------------------------------------ dkimpy

const dkimWhy = { note: '' };
const haveDkim = requireModules(['dkim', 'nacl.signing', 'dns.resolver'], dkimWhy);

interface DkimKey {
  name: string; rcode: string; transport: string; records: number; txt?: string;
  tags?: Record<string, string>; k?: string; raw_len?: number; bits?: number; exponent?: number;
  evaluate?: { keysize?: number; ktag?: string; error?: string };
}
interface SignVerify { signature: string; verify: boolean; verify_tampered?: boolean; lookups: string[]; pem_accepted: boolean }

describe.skipIf(!haveDkim)(haveDkim ? 'DKIM key records parsed and used by dkimpy' : `DKIM (skipped: ${dkimWhy.note})`, () => {
  const keys = (names: string[]) => mailcheck<DkimKey[]>('dkim-key', { host: '127.0.0.1', port: srv.port, names });

  it('rsa2026 decodes to a 2048-bit RSA key and ed2026 to 32 octets of Ed25519', async () => {
    const [rsa, ed] = await keys(['rsa2026._domainkey.example.com', 'ed2026._domainkey.example.com']);
    expect(rsa).toMatchObject({ rcode: 'NOERROR', records: 1, k: 'rsa', bits: 2048, exponent: 65537, evaluate: { keysize: 2048, ktag: 'rsa' } });
    expect(rsa!.tags).toEqual({ v: 'DKIM1', k: 'rsa', p: expect.stringMatching(/^MIIB/) });
    expect(ed).toMatchObject({ rcode: 'NOERROR', records: 1, k: 'ed25519', raw_len: 32, bits: 256, evaluate: { keysize: 256, ktag: 'ed25519' } });
    expect(ed!.tags).toEqual({ v: 'DKIM1', k: 'ed25519', p: ED_P });
  });

  it('example.org\'s wildcard key is empty: dkimpy refuses it as a key (revoked, RFC 6376 §3.6.1)', async () => {
    const [org] = await keys(['sel2026._domainkey.example.org']);
    expect(org).toMatchObject({ rcode: 'NOERROR', records: 1, txt: 'v=DKIM1; p=', raw_len: 0 });
    expect(org!.evaluate?.error).toMatch(/KeyFormatError/);
  });

  describe('dkim.verify with a dnsfunc that asks mailns', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mailns-mail-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const msg = 'From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\nDate: Thu, 26 Nov 2026 00:00:00 +0000\r\n\r\nbody\r\n';
    const sv = (domain: string, selector: string, key: string, algorithm: string) =>
      mailcheck<SignVerify>('dkim-sign-verify', { host: '127.0.0.1', port: srv.port, domain, selector, key_file: key, algorithm, message: msg });

    it('a signature by a key other than the published one fails for both selectors', async () => {
      const rsaKey = join(tmp, 'other-rsa.pem');
      writeFileSync(rsaKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const edKey = join(tmp, 'other-ed.pem');
      writeFileSync(edKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const rsa = await sv('example.com', 'rsa2026', rsaKey, 'rsa-sha256');
      expect(rsa.verify).toBe(false);
      expect(rsa.lookups).toEqual(['rsa2026._domainkey.example.com. TXT']);
      const ed = await sv('example.com', 'ed2026', edKey, 'ed25519-sha256');
      expect(ed.verify).toBe(false);
      expect(ed.lookups).toEqual(['ed2026._domainkey.example.com. TXT']);
      // Any signature claiming example.org fails: the published key is empty.
      const org = await sv('example.org', 'x', rsaKey, 'rsa-sha256');
      expect(org.verify).toBe(false);
      expect(org.lookups).toEqual(['x._domainkey.example.org. TXT']);
    });
  });
});
