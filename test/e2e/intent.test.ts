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
import { startServer, type Running } from '../helpers/server.js';

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
