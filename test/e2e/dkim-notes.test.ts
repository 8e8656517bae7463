/**
 * A DKIM key record with n= notes, served and read back by dkimpy over a real
 * socket: the record still parses as a tag-list, n= decodes (Python quopri,
 * RFC 2045 §6.7) to the notes, and a message signed with the key verifies.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailcheck, requireModules } from '../helpers/mailcheck.js';
import { startWithYaml, type Running } from '../helpers/server.js';

const why = { note: '' };
const haveDkim = requireModules(['dkim', 'nacl.signing', 'dns.resolver'], why);

// Everything a tag-list or a quoted-printable decoder could trip over.
const NOTES = 'key of 2026; rotate=yearly, ask ops\tteam — Grüße €5 😀 ';

describe.skipIf(!haveDkim)(haveDkim ? 'DKIM n= notes read by dkimpy from mailns' : `DKIM n= notes (skipped: ${why.note})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-dkim-notes-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePath = join(dir, 'n1.private.pem');
  let srv: Running;
  beforeAll(async () => {
    writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const key = publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
    srv = await startWithYaml({ 'n.test.yaml': `zone: n.test.\nnameservers: [ns.example., ns2.example.]\nmail:\n  dkim:\n    n1: {key: ${key}, notes: ${JSON.stringify(NOTES)}}\n` });
  });
  afterAll(async () => { await srv?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('dkimpy parses the served record; n= is a qp-section that decodes to the notes', async () => {
    const [r] = await mailcheck<{ rcode: string; tags: Record<string, string>; evaluate: { keysize?: number; error?: string } }[]>('dkim-key', { host: '127.0.0.1', port: srv.port, names: ['n1._domainkey.n.test'] });
    expect(r).toMatchObject({ rcode: 'NOERROR', evaluate: { keysize: 256 } });
    expect(Object.keys(r!.tags).sort()).toEqual(['k', 'n', 'p', 'v']);
    const n = r!.tags.n!;
    expect(n).toMatch(/^(?:[\x21-\x3a\x3c\x3e-\x7e]|=[0-9A-F]{2})+$/);
    const dec = spawnSync('/usr/bin/python3', ['-c', 'import quopri, sys; sys.stdout.write(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8", "strict"))'], { input: n, encoding: 'utf8' });
    expect(dec.status, dec.stderr).toBe(0);
    expect(dec.stdout).toBe(NOTES);
  });

  it('a message signed with the key verifies against the record with notes', async () => {
    const msg = ['From: a@n.test', 'To: b@example.net', 'Subject: notes', 'Date: Thu, 26 Nov 2026 00:00:00 +0000', '', 'body', ''].join('\r\n');
    const res = await mailcheck<{ verify: boolean; verify_tampered: boolean }>('dkim-sign-verify', {
      host: '127.0.0.1', port: srv.port, domain: 'n.test', selector: 'n1', key_file: privatePath, algorithm: 'ed25519-sha256', message: msg, tampered: msg.replace('body', 'b0dy'),
    });
    expect(res).toMatchObject({ verify: true, verify_tampered: false });
  });
});
