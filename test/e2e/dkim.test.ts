/**
 * `mailns dkim keygen` end to end: the built CLI writes the key pair and prints
 * the YAML; a zone made from those lines is served; dkimpy signs a message with
 * the private key and verifies it against the key record it fetches from
 * mailns (Debian python3-dkim, python3-nacl, python3-dnspython).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../helpers/server.js';

import { mailcheck, requireModules } from '../helpers/mailcheck.js';

const CLI = 'dist/src/cli/main.js';
const tmp = mkdtempSync(join(tmpdir(), 'mailns-dkim-'));
const zoneDir = join(tmp, 'zones');
const privateDir = join(tmp, 'private');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

interface Keygen { stdout: string; privatePath: string; publicPath: string; selector: string; keyFile: string; record: string }

function keygen(selector: string, type: 'rsa' | 'ed25519', extra: string[] = []): Keygen {
  const r = cli('dkim', 'keygen', '--zone', 'mail.test', '--selector', selector, '--type', type, ...(type === 'rsa' ? ['--bits', '2048'] : []),
    '--zone-dir', zoneDir, '--private-dir', privateDir, ...extra);
  expect(r.status, r.stderr).toBe(0);
  const line = (re: RegExp) => { const m = re.exec(r.stdout); expect(m, `${re} in:\n${r.stdout}`).not.toBeNull(); return m!; };
  const yaml = line(/^ {4}([A-Za-z0-9_-]+): \{key_file: ([^}\s]+)\}$/m);
  return {
    stdout: r.stdout,
    privatePath: line(/^private key .*: (.+)$/m)[1]!,
    publicPath: line(/^public key .*: (.+)$/m)[1]!,
    selector: yaml[1]!,
    keyFile: yaml[2]!,
    record: line(/^it publishes (\S+) TXT "(.+)\.\.\."$/m)[2]!,
  };
}

describe('mailns dkim keygen', () => {
  let rsa: Keygen, ed: Keygen;
  beforeAll(() => {
    rsa = keygen('s1', 'rsa');
    ed = keygen('e1', 'ed25519');
  });

  it('writes the private keys mode 0600 in a 0700 directory, and prints YAML naming the public key relative to the zone dir', () => {
    for (const k of [rsa, ed]) {
      expect(k.privatePath.startsWith(privateDir)).toBe(true);
      expect(statSync(k.privatePath).mode & 0o777).toBe(0o600);
      expect(statSync(join(privateDir, 'mail.test')).mode & 0o777).toBe(0o700);
      expect(existsSync(k.publicPath)).toBe(true);
      expect(join(zoneDir, k.keyFile)).toBe(k.publicPath);
    }
    expect(rsa.selector).toBe('s1');
    expect(ed.selector).toBe('e1');
    expect(rsa.record).toMatch(/^v=DKIM1; k=rsa; p=MIIB/);
    expect(ed.record).toMatch(/^v=DKIM1; k=ed25519; p=/);
    expect(rsa.stdout).toMatch(/^mail:\n {2}dkim:\n {4}s1: \{key_file: /m);
  });

  it('refuses to overwrite an existing selector without --force', () => {
    const r = cli('dkim', 'keygen', '--zone', 'mail.test', '--selector', 's1', '--zone-dir', zoneDir, '--private-dir', privateDir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists; choose a new selector/);
  });

  // open(2) applies a mode only when it creates the file: keygen must chmod an overwritten key.
  it('--force over a world-readable old key still leaves the new private key 0600', () => {
    const dir = join(tmp, 'force');
    const first = cli('dkim', 'keygen', '--zone', 'mail.test', '--selector', 'f1', '--zone-dir', join(dir, 'zones'), '--private-dir', join(dir, 'private'));
    expect(first.status, first.stderr).toBe(0);
    const priv = join(dir, 'private', 'mail.test', 'f1.private.pem');
    spawnSync('chmod', ['0644', priv]);
    const again = cli('dkim', 'keygen', '--zone', 'mail.test', '--selector', 'f1', '--zone-dir', join(dir, 'zones'), '--private-dir', join(dir, 'private'), '--force');
    expect(again.status, again.stderr).toBe(0);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
  });

  const why = { note: '' };
  const haveDkim = requireModules(['dkim', 'nacl.signing', 'dns.resolver'], why);

  describe.skipIf(!haveDkim)(haveDkim ? 'dkimpy signs with the new keys and verifies against mailns' : `dkimpy (skipped: ${why.note})`, () => {
    let srv: Running;
    beforeAll(async () => {
      // The zone is made from the lines the CLI printed, not from known paths.
      const zone = [
        'zone: mail.test.',
        'nameservers: [ns1.example.com.]',
        'mail:',
        '  dkim:',
        ...[rsa, ed].map((k) => `    ${k.selector}: {key_file: ${k.keyFile}}`),
        '',
      ].join('\n');
      mkdirSync(zoneDir, { recursive: true });
      writeFileSync(join(zoneDir, 'mail.test.yaml'), zone);
      srv = await startServer([zoneDir]);
    });
    afterAll(async () => srv?.stop());

    const msg = [
      'From: Alice <alice@mail.test>', 'To: bob@example.net', 'Subject: keygen works', 'Date: Thu, 26 Nov 2026 00:00:00 +0000',
      'Message-ID: <1@mail.test>', '', 'Hello Bob,', '', 'this message is signed.', '',
    ].join('\r\n');
    const tampered = msg.replace('signed.', 'signed!');

    interface DkimKey { rcode: string; records: number; txt?: string; k?: string; bits?: number; raw_len?: number }
    interface SignVerify { signature: string; verify: boolean; verify_tampered: boolean; lookups: string[]; pem_accepted: boolean }
    const signVerify = (k: Keygen, algorithm: string) => mailcheck<SignVerify>('dkim-sign-verify', {
      host: '127.0.0.1', port: srv.port, domain: 'mail.test', selector: k.selector, key_file: k.privatePath, algorithm, message: msg, tampered,
    });

    it('serves the key records the CLI announced, and dkimpy decodes them', async () => {
      const [r, e] = await mailcheck<DkimKey[]>('dkim-key', { host: '127.0.0.1', port: srv.port, names: ['s1._domainkey.mail.test', 'e1._domainkey.mail.test'] });
      expect(r).toMatchObject({ rcode: 'NOERROR', records: 1, k: 'rsa', bits: 2048 });
      expect(r!.txt!.startsWith(rsa.record)).toBe(true);
      expect(e).toMatchObject({ rcode: 'NOERROR', records: 1, k: 'ed25519', raw_len: 32 });
      expect(e!.txt!.startsWith(ed.record)).toBe(true);
    });

    it('rsa-sha256: the signed message verifies, a tampered body does not', async () => {
      const res = await signVerify(rsa, 'rsa-sha256');
      expect(res.signature).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;[\s\S]* d=mail\.test;[\s\S]* s=s1;/);
      expect(res.verify).toBe(true);
      expect(res.verify_tampered).toBe(false);
      expect(res.lookups).toEqual(['s1._domainkey.mail.test. TXT', 's1._domainkey.mail.test. TXT']);
    });

    it('ed25519-sha256 (RFC 8463): the signed message verifies, a tampered body does not', async () => {
      const res = await signVerify(ed, 'ed25519-sha256');
      expect(res.signature).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256;[\s\S]* d=mail\.test;[\s\S]* s=e1;/);
      expect(res.verify).toBe(true);
      expect(res.verify_tampered).toBe(false);
      expect(res.lookups).toEqual(['e1._domainkey.mail.test. TXT', 'e1._domainkey.mail.test. TXT']);
      // dkimpy signs Ed25519 with the base64 32-octet seed, not the PKCS#8 PEM keygen
      // writes; mailcheck.py converts it (res.pem_accepted says whether dkimpy took the PEM).
    });
  });
});
