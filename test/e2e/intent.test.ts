/**
 * Two configurations `check` once passed while the server published records
 * that make receivers reject the domain's mail, tried with the clients that
 * receivers use: a DKIM selector written with capitals (dkimpy must find the
 * key in any letter case), and `spf: {mx: true}` with the MX at a provider
 * (pyspf must pass the provider's address; provider.test is served beside it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { mailcheck, requireModules } from '../helpers/mailcheck.js';
import { requireTool } from '../helpers/nsd.js';
import { startServer, startWithYaml, type Running } from '../helpers/server.js';
import { loadYaml } from '../helpers/zones.js';

const CLI = 'dist/src/cli/main.js';
const tmp = mkdtempSync(join(tmpdir(), 'mailns-intent-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const zoneDir = join(tmp, 'zones');
mkdirSync(join(zoneDir, 'keys'), { recursive: true });
writeFileSync(join(zoneDir, 'keys', 'Sel2024.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
const privatePath = join(tmp, 'Sel2024.private.pem');
writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(join(zoneDir, 'upper.test.yaml'), [
  'zone: upper.test.',
  'nameservers: [ns1.example.net., ns2.example.net.]',
  'mail:',
  '  mx: [mx1.example.net., mx2.example.net.]',
  '  dkim:',
  '    Sel2024: {key_file: keys/Sel2024.pub.pem}',
  '  dmarc: {p: reject}',
  '',
].join('\n'));

describe('a DKIM selector written with capitals', () => {
  it('passes check, and export shows the name the server answers for', () => {
    const check = spawnSync(process.execPath, [CLI, 'check', zoneDir], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const exp = spawnSync(process.execPath, [CLI, 'export', zoneDir], { encoding: 'utf8' });
    expect(exp.stdout).toMatch(/^sel2024\._domainkey\.upper\.test\.\t3600\tIN\tTXT\t"v=DKIM1; k=rsa; p=/m);
    // explain keeps the spelling the user wrote beside the name served.
    const explain = spawnSync(process.execPath, [CLI, 'explain', 'upper.test', zoneDir], { encoding: 'utf8' });
    expect(explain.stdout).toMatch(/upper\.test\.yaml:6 mail\.dkim \(written Sel2024\._domainkey\.upper\.test\.\)/);
  });

  const haveDig = requireTool('dig');
  const why = { note: '' };
  const haveDkim = requireModules(['dkim', 'dns.resolver'], why);
  let srv: Running;
  beforeAll(async () => { srv = await startServer([zoneDir]); });
  afterAll(async () => srv?.stop());

  it.skipIf(!haveDig)('is served in any letter case (dig)', async () => {
    for (const name of ['Sel2024._domainkey.upper.test', 'sel2024._domainkey.upper.test', 'SEL2024._DOMAINKEY.UPPER.TEST']) {
      const r = await dig(srv.port, [name, 'TXT', '+norec']);
      expect(r.status, name).toBe('NOERROR');
      expect(r.answer.length, name).toBe(1);
      expect(r.answer[0]).toMatch(/"v=DKIM1; k=rsa; p=MIIB/);
    }
  });

  it.skipIf(!haveDkim)(`dkimpy verifies a message signed with s=Sel2024 against the served key${haveDkim ? '' : ` (skipped: ${why.note})`}`, async () => {
    const msg = ['From: Alice <alice@upper.test>', 'To: bob@example.net', 'Subject: capitals', 'Date: Thu, 03 Dec 2026 00:00:00 +0000', '', 'Hello.', ''].join('\r\n');
    const res = await mailcheck<{ signature: string; verify: boolean; verify_tampered: boolean; lookups: string[] }>('dkim-sign-verify', {
      host: '127.0.0.1', port: srv.port, domain: 'upper.test', selector: 'Sel2024', key_file: privatePath, algorithm: 'rsa-sha256', message: msg, tampered: msg.replace('Hello.', 'Hello!'),
    });
    expect(res.signature).toMatch(/ s=Sel2024;/);
    expect(res.verify).toBe(true);
    expect(res.verify_tampered).toBe(false);
  });
});

const spfWhy = { note: '' };
const haveSpf = requireModules(['spf', 'dns.resolver'], spfWhy);

describe.skipIf(!haveSpf)(haveSpf ? 'spf: {mx: true} with the MX at a provider (pyspf)' : `SPF (skipped: ${spfWhy.note})`, () => {
  let srv: Running;
  beforeAll(async () => { srv = await startServer(['test/fixtures/served']); });
  afterAll(async () => srv?.stop());
  const check = (checks: { i: string; s: string; h: string }[]) => mailcheck<{ result: string; lookups: string[] }[]>('spf', { host: '127.0.0.1', port: srv.port, checks });

  it('passes mail from the provider\'s MX hosts, the named relay and the office; fails others', async () => {
    const res = await check([
      { i: '203.0.113.5', s: 'user@case.test', h: 'mx.provider.test' },
      { i: '2001:db8:5::5', s: 'user@case.test', h: 'mx.provider.test' },
      { i: '203.0.113.6', s: 'user@case.test', h: 'mx2.provider.test' },
      { i: '203.0.113.25', s: 'user@case.test', h: 'relay.provider.test' },
      { i: '192.0.2.41', s: 'user@case.test', h: 'office.case.test' },
      { i: '203.0.113.7', s: 'user@case.test', h: 'elsewhere.example' },
    ]);
    expect(res.map((r) => r.result)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'fail']);
    // The office is inlined: its mail passes on the first lookup; the MX hosts cost the mx mechanism's lookups.
    expect(res[4]!.lookups).toEqual(['case.test TXT']);
    expect(res[0]!.lookups).toContain('case.test MX');
  });
});

describe.skipIf(!haveSpf)(haveSpf ? 'void lookups by address family: the lint predicts what pyspf does' : `SPF (skipped: ${spfWhy.note})`, () => {
  // a: hosts with only an A record are void lookups for every IPv6 sender (RFC 7208 §4.6.4, §5.3).
  // Three relays elsewhere (a zone of ours, so the lint can see they have no AAAA).
  // The MX host is there too, with both families: the mx mechanism comes after the three a: terms.
  const out = 'zone: out.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  a1: {ipv4: 192.0.2.31}\n  a2: {ipv4: 192.0.2.32}\n  a3: {ipv4: 192.0.2.33}\n  mx: {ipv4: 192.0.2.25, ipv6: "2001:db8::25"}\n';
  const zone = (ignore: boolean) => [
    'zone: v6.test.', 'nameservers: [ns1.example.net., ns2.example.net.]',
    'mail:', '  mx: [mx.out.test.]', '  spf: {hosts: [a1.out.test., a2.out.test., a3.out.test.], mx: true}',
    ...(ignore ? ['lint:', '  ignore:', "    spf-void-lookups: 'served anyway, to show pyspf agrees'", "    spf-intent: 'served anyway, to show pyspf agrees'"] : []),
    '',
  ].join('\n');
  let srv: Running & { dir: string };
  beforeAll(async () => { srv = await startWithYaml({ 'v6.test.yaml': zone(true), 'out.test.yaml': out }); });
  afterAll(async () => srv?.stop());

  it('check reports the void lookups for IPv6 senders, and the MX host that gets permerror', () => {
    const r = loadYaml({ 'v6.test.yaml': zone(false), 'out.test.yaml': out });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.rule}: ${p.message}`)).toEqual([
      expect.stringMatching(/^spf-void-lookups: 3 lookups find nothing for mail from IPv6 addresses/),
      'spf-intent: mx.out.test. is named by mail: spf:, but the published SPF record fails its mail: 2001:db8::25 gets permerror',
    ]);
  });

  it('pyspf: the MX host passes over IPv4 and gets permerror over IPv6, as the lint said', async () => {
    const res = await mailcheck<{ result: string }[]>('spf', { host: '127.0.0.1', port: srv.port, checks: [
      { i: '192.0.2.25', s: 'user@v6.test', h: 'mx.out.test' },
      { i: '2001:db8::25', s: 'user@v6.test', h: 'mx.out.test' },
      { i: '192.0.2.33', s: 'user@v6.test', h: 'a3.out.test' },
      { i: '192.0.2.99', s: 'user@v6.test', h: 'forged.example' },
      { i: '2001:db8::99', s: 'user@v6.test', h: 'forged.example' },
    ] });
    expect(res.map((r) => r.result)).toEqual(['pass', 'permerror', 'pass', 'fail', 'permerror']);
  });
});
