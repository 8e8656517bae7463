/**
 * `mailns init` end to end, as a newcomer runs it: each step a spawned
 * process. init writes the starter zone and a DKIM key; `mailns check`
 * passes it; `mailns serve` on a free port answers dig with the MX, SPF,
 * DKIM, DMARC, SRV, MTA-STS and TLS-RPT records; pyspf (a parser we did not
 * write) says pass for the mail server's addresses and fail for another.
 * And the refusals: an existing file (exit 1), a bad address (exit 2).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { findFreePort, hasTool } from '../helpers/nsd.js';
import { mailcheck, requireModules } from '../helpers/mailcheck.js';

const CLI = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'mailns-init-'));
const zones = join(tmp, 'zones');
const keys = join(tmp, 'keys.private');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 30_000 });
const init = (domain: string, ...args: string[]) => cli('init', domain, '--zone-dir', zones, '--private-dir', keys, ...args);
/** The selector init chose: the one key_file line of the zone. */
const selectorOf = (domain: string) => /^ {4}(s\d{6}): \{key_file: keys\/[^/]+\/\1\.pub\.pem\}$/m.exec(readFileSync(join(zones, `${domain}.yaml`), 'utf8'))?.[1];

describe('mailns init', () => {
  let org: ReturnType<typeof cli>, net: ReturnType<typeof cli>;
  beforeAll(() => {
    // example.org: the defaults (ns1 on this host), with IPv6; example.net: two nameservers given.
    org = init('example.org', '--mail-ip', '203.0.113.4', '--mail-ipv6', '2001:DB8::4');
    net = init('example.net', '--mail-ip', '198.51.100.25', '--ns', 'ns1.example.net', '--ns', 'ns2.example.com.', '--mail-host', 'mx');
  });

  it('writes the zone and the key pair, and prints the next steps with the right PTRs', () => {
    expect(org.status, org.stderr).toBe(0);
    expect(org.stderr).toBe('');
    const sel = selectorOf('example.org')!;
    // s + the UTC year and month: a new name for each month's key.
    const now = new Date();
    expect(sel).toBe(`s${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`);
    const priv = join(keys, 'example.org', `${sel}.private.pem`);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(existsSync(join(zones, 'keys', 'example.org', `${sel}.pub.pem`))).toBe(true);
    const out = org.stdout;
    expect(out).toContain(`wrote ${join(zones, 'example.org.yaml')}`);
    expect(out).toContain('     4.113.0.203.in-addr.arpa. PTR mail.example.org.\n');
    expect(out).toContain(`     ${'4.'.repeat(1)}${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa. PTR mail.example.org.\n`);
    expect(out).toContain('     example.org. NS ns1.example.org.\n     ns1.example.org. A 203.0.113.4\n     ns1.example.org. AAAA 2001:db8::4\n');
    expect(out).toMatch(/two nameservers or more, on different networks \(RFC 2182 §5\)/);
    expect(out).toMatch(/mailns does not sign zones yet, so there is no DS record/);
    expect(out).toContain(`mailns export ${zones} --mta-sts example.org`);
    expect(out).toContain(priv);
    expect(out).toContain(`mailns check ${zones}\n`);
    expect(out).toContain(`mailns serve ${zones} `);
    // The file is commented for a newcomer, and its addresses are written once, in RFC 5952 form.
    const yaml = readFileSync(join(zones, 'example.org.yaml'), 'utf8');
    expect(yaml).toMatch(/^ {2}mail: \{ipv4: 203\.0\.113\.4, ipv6: '2001:db8::4', ptr: primary\}$/m);
    expect(yaml).toMatch(/^ {2}# '': \{ipv4: 203\.0\.113\.4/m);
    expect(yaml.split('\n').filter((l) => /^\s*#/.test(l)).length).toBeGreaterThan(40);
    // The first line tells the editor the schema (yaml-language-server): this checkout's, found from the zone's directory.
    const modeline = /^# yaml-language-server: \$schema=(.+)\n/.exec(yaml);
    expect(modeline).not.toBeNull();
    expect(resolve(zones, modeline![1]!)).toBe(resolve('schema/zone.schema.json'));
  });

  it('mailns check passes it: no errors; the one warning is the single nameserver, which the zone and the steps explain', () => {
    const r = cli('check', join(zones, 'example.org.yaml'));
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('0 error(s), 1 warning(s)');
    expect(r.stdout).toMatch(/warning \[ns-count\]/);
    // What check asks of the ISP is what init printed.
    expect(r.stdout).toContain('ask for: 4.113.0.203.in-addr.arpa. PTR mail.example.org.');
  });

  it('with --ns twice: both are the NS, only the one in the domain gets an address, and check finds no warning', () => {
    expect(net.status, net.stderr).toBe(0);
    const r = cli('check', join(zones, 'example.net.yaml'));
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('0 error(s), 0 warning(s)');
    expect(net.stdout).toContain('     example.net. NS ns1.example.net.\n     example.net. NS ns2.example.com.\n     ns1.example.net. A 198.51.100.25\n');
    expect(net.stdout).not.toContain('two nameservers or more');
    expect(net.stdout).toContain('     25.100.51.198.in-addr.arpa. PTR mx.example.net.\n');
    expect(net.stdout).not.toContain('ip6.arpa');
    const yaml = readFileSync(join(zones, 'example.net.yaml'), 'utf8');
    expect(yaml).toContain('nameservers: [ns1.example.net., ns2.example.com.]');
    expect(yaml).toMatch(/^ {2}ns1: \{ipv4: 198\.51\.100\.25\}$/m);
    expect(yaml).not.toMatch(/^ {2}ns2/m);
  });

  it('export --mta-sts prints the testing policy with the MX host', () => {
    const r = cli('export', zones, '--mta-sts', 'example.org');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('version: STSv1\r\nmode: testing\r\nmx: mail.example.org\r\nmax_age: 86400\r\n');
  });

  describe.skipIf(!hasTool('dig'))('served', () => {
    let port = 0;
    let child: ChildProcess;
    beforeAll(async () => {
      port = await findFreePort();
      child = spawn(process.execPath, [CLI, 'serve', zones, '--listen', `127.0.0.1:${port}`], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`serve did not start:\n${out}`)), 20_000);
        child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('"msg":"started"')) { clearTimeout(timer); res(); } });
        child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`serve exited ${code}:\n${out}`)); });
      });
    });
    afterAll(async () => {
      if (!child || child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    });
    const answer = async (name: string, type: string) => {
      const r = await dig(port, ['+norec', name, type]);
      expect(r.status).toBe('NOERROR');
      expect(r.flags).toContain('aa');
      return r.answer.map((l) => l.split(' ').slice(4).join(' '));
    };
    /** A TXT record's strings joined (RFC 7208 §3.3). */
    const txt = (rdata: string) => [...rdata.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join('');

    it('MX, SPF (both addresses inline), HELO SPF, DMARC, TLS-RPT, MTA-STS', async () => {
      expect(await answer('example.org', 'MX')).toEqual(['10 mail.example.org.']);
      expect((await answer('example.org', 'TXT')).map(txt)).toEqual(['v=spf1 ip4:203.0.113.4 ip6:2001:db8::4 -all']);
      expect((await answer('mail.example.org', 'TXT')).map(txt)).toEqual(['v=spf1 a -all']);
      expect((await answer('_dmarc.example.org', 'TXT')).map(txt)).toEqual(['v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.org']);
      expect((await answer('_smtp._tls.example.org', 'TXT')).map(txt)).toEqual(['v=TLSRPTv1; rua=mailto:tls-reports@example.org']);
      expect((await answer('_mta-sts.example.org', 'TXT')).map(txt)[0]).toMatch(/^v=STSv1; id=[A-Za-z0-9]{1,32}$/);
      expect(await answer('mta-sts.example.org', 'CNAME')).toEqual(['mail.example.org.']);
      expect(await answer('mail.example.org', 'AAAA')).toEqual(['2001:db8::4']);
      expect(await answer('example.org', 'NS')).toEqual(['ns1.example.org.']);
      expect(await answer('ns1.example.org', 'A')).toEqual(['203.0.113.4']);
      expect(await answer('example.net', 'NS')).toEqual(['ns1.example.net.', 'ns2.example.com.']);
      expect(await answer('example.net', 'MX')).toEqual(['10 mx.example.net.']);
    });

    it('the DKIM key record at the selector is the public key init wrote', async () => {
      const sel = selectorOf('example.org')!;
      const pem = readFileSync(join(zones, 'keys', 'example.org', `${sel}.pub.pem`), 'utf8');
      const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      expect((await answer(`${sel}._domainkey.example.org`, 'TXT')).map(txt)).toEqual([`v=DKIM1; k=rsa; p=${b64}`]);
    });

    it('client SRV (RFC 6186): submission and IMAP over TLS on mail, plain IMAP and POP3 not offered', async () => {
      expect(await answer('_submissions._tcp.example.org', 'SRV')).toEqual(['0 1 465 mail.example.org.']);
      expect(await answer('_submission._tcp.example.org', 'SRV')).toEqual(['0 1 587 mail.example.org.']);
      expect(await answer('_imaps._tcp.example.org', 'SRV')).toEqual(['0 1 993 mail.example.org.']);
      for (const s of ['_imap', '_pop3', '_pop3s']) expect(await answer(`${s}._tcp.example.org`, 'SRV')).toEqual(['0 0 0 .']);
    });

    const why = { note: '' };
    const havePyspf = requireModules(['spf', 'dns.resolver'], why);
    it.skipIf(!havePyspf)(havePyspf ? 'pyspf: pass for the mail server\'s addresses, fail for another' : `pyspf (skipped: ${why.note})`, async () => {
      const res = await mailcheck<{ result: string }[]>('spf', {
        host: '127.0.0.1', port, checks: [
          { i: '203.0.113.4', s: 'alice@example.org', h: 'mail.example.org' },
          { i: '2001:db8::4', s: 'alice@example.org', h: 'mail.example.org' },
          { i: '192.0.2.99', s: 'alice@example.org', h: 'mail.example.org' },
          // The HELO identity (RFC 7208 §2.3): mail.example.org's own record.
          { i: '203.0.113.4', s: 'postmaster@mail.example.org', h: 'mail.example.org' },
          { i: '198.51.100.25', s: 'bob@example.net', h: 'mx.example.net' },
          { i: '203.0.113.4', s: 'bob@example.net', h: 'mx.example.net' },
        ],
      });
      expect(res.map((r) => r.result)).toEqual(['pass', 'pass', 'fail', 'pass', 'pass', 'fail']);
    });
  });

  it('an existing zone file is kept: exit 1 and one line; --force replaces it', () => {
    const file = join(zones, 'example.org.yaml');
    const before = readFileSync(file, 'utf8');
    const r = init('example.org', '--mail-ip', '192.0.2.7');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mailns init: ${file} exists; edit it, or pass --force to replace it with a new starter zone (and a new DKIM key)\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const f = init('example.org', '--mail-ip', '192.0.2.7', '--force');
    expect(f.status, f.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('mail: {ipv4: 192.0.2.7, ptr: primary}');
    expect(f.stdout).toContain('     7.2.0.192.in-addr.arpa. PTR mail.example.org.\n');
  });

  it('a bad or missing address, or a bad domain: exit 2, nothing written, the usage on stderr', () => {
    for (const [args, line] of [
      [['example.com', '--mail-ip', '203.0.113.300'], 'mailns init: --mail-ip 203.0.113.300: not an IPv4 address'],
      [['example.com', '--mail-ip', '2001:db8::1'], 'mailns init: --mail-ip 2001:db8::1: not an IPv4 address: give an IPv6 address with --mail-ipv6'],
      [['example.com', '--mail-ip', '203.0.113.4', '--mail-ipv6', 'fe80::1%eth0'], 'mailns init: --mail-ipv6 fe80::1%eth0: not an IPv6 address'],
      [['example.com'], 'mailns init: --mail-ip is needed: the public IPv4 address of the mail server'],
      [['exa mple.com', '--mail-ip', '203.0.113.4'], 'mailns init: DOMAIN "exa mple.com": "exa mple" is not a host name label (letters, digits and inner hyphens, RFC 1123 §2.1)'],
      [['com', '--mail-ip', '203.0.113.4'], 'mailns init: DOMAIN "com": a domain has at least two labels (example.org)'],
      [['example.com', '--mail-ip', '203.0.113.4', '--mail-host', 'mx.example.net'], 'mailns init: --mail-host mx.example.net: a host name below example.com (mail, or mail.example.com), so that the zone can give it its addresses'],
      [['example.com', '--mail-ip', '203.0.113.4', '--report', 'nobody'], 'mailns init: --report nobody: expected an address, e.g. dmarc@example.org'],
    ] as [string[], string][]) {
      const r = init(...(args as [string, ...string[]]));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stderr).toContain('\n\nmailns init DOMAIN --mail-ip ADDR ');
      expect(r.stdout).toBe('');
    }
    expect(cli('init').stderr.split('\n')[0]).toBe('mailns init: missing DOMAIN');
    expect(existsSync(join(zones, 'example.com.yaml'))).toBe(false);
    expect(existsSync(join(keys, 'example.com'))).toBe(false);
  });

  it('--report sends DMARC and TLS reports to one address; one at another domain needs its authorization (the steps say so)', () => {
    const r = init('example.info', '--mail-ip', '203.0.113.9', '--report', 'reports@dmarc.example.net');
    expect(r.status, r.stderr).toBe(0);
    const yaml = readFileSync(join(zones, 'example.info.yaml'), 'utf8');
    expect(yaml).toContain('dmarc: {p: quarantine, rua: mailto:reports@dmarc.example.net}');
    expect(yaml).toContain('tls_rpt: {rua: mailto:reports@dmarc.example.net}');
    expect(r.stdout).toContain('it must publish example.info._report._dmarc.dmarc.example.net. TXT "v=DMARC1"');
    expect(r.stdout).toContain('Make mailboxes (or aliases) for hostmaster@example.info.');
  });

  it('a private address is taken, with a warning that the Internet cannot reach it', () => {
    const r = init('example.lan', '--mail-ip', '192.168.1.5');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: 192\.168\.1\.5 is not a public address/);
  });
});
