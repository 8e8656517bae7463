/** The mail helpers' rules: what they refuse, and how explicit records and helpers meet. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { exportZone } from '../../src/zone/export.js';
import { loadYaml } from '../helpers/zones.js';

let dir = '';
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); dir = ''; });

function load(files: Record<string, string>) {
  const r = loadYaml(files);
  const text = r.zones.map((z) => exportZone(z.zone)).join('');
  const lines = text.split('\n').filter((l) => l && !l.startsWith('$')).map((l) => l.split('\t').join(' '));
  return { ...r, lines, errors: r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.rule}`) };
}

const HEAD = `zone: m.test.
nameservers: [ns.example., ns2.example.]
hosts:
  mail: {ipv4: 192.0.2.25, ipv6: '2001:db8::25'}
  out: {ipv4: 192.0.2.26}
  alias-target: {ipv4: 192.0.2.27}
`;

describe('mail: rules', () => {
  it('MX to a CNAME, to a host without address, or to an address are errors with their place', () => {
    const r = load({ 'm.test.yaml': HEAD + 'records:\n  alias: {type: CNAME, value: alias-target}\nmail:\n  mx: [alias, nohost, 192.0.2.9]\n' });
    expect(r.errors).toEqual(['10:8 mx-cname', '10:15 mx-target', '10:23 mx-ip']);
  });

  it('a list of MX hosts gets preferences 10, 20; the MX hosts get v=spf1 a -all for HELO', () => {
    const r = load({ 'm.test.yaml': HEAD + 'mail:\n  mx: [mail, mx.example.net.]\n  spf: {hosts: [mail, out]}\n' });
    expect(r.errors).toEqual([]);
    expect(r.lines).toEqual(expect.arrayContaining([
      'm.test. 3600 IN MX 10 mail.m.test.',
      'm.test. 3600 IN MX 20 mx.example.net.',
      'm.test. 3600 IN TXT "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 ip4:192.0.2.26 -all"',
      'mail.m.test. 3600 IN TXT "v=spf1 a -all"',
    ]));
  });

  it('an SPF host of the zone without an address is an error; a host elsewhere gets a:; softfail and redirect', () => {
    // No mail from a host without an address can pass: the lint says so, through the server's lookup.
    expect(load({ 'm.test.yaml': HEAD + 'mail:\n  spf: {hosts: [nohost, mail.example.net.]}\n' }).errors).toEqual(['8:17 spf-intent']);
    // RFC 7208 §5.3: a host outside the zone cannot be inlined, so the receiver looks it up (one of its ten lookups).
    expect(load({ 'm.test.yaml': HEAD + 'mail:\n  spf: {hosts: [mail, mail.example.net.]}\n' }).lines)
      .toContain('m.test. 3600 IN TXT "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 a:mail.example.net -all"');
    const r = load({ 'm.test.yaml': HEAD + 'mail:\n  spf: {redirect: _spf.example.net}\n  caller_id: on\n' });
    expect(r.lines).toEqual(expect.arrayContaining(['m.test. 3600 IN TXT "v=spf1 redirect=_spf.example.net"', 'm.test. 3600 IN TXT "spf2.0/pra redirect=_spf.example.net"']));
    const soft = load({ 'm.test.yaml': HEAD + 'mail:\n  spf: {ip4: [198.51.100.0/24], all: softfail}\n' });
    expect(soft.lines).toContain('m.test. 3600 IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"');
  });

  it('apex TXT written by hand merges with the SPF, unless it is an SPF itself', () => {
    const merged = load({ 'm.test.yaml': HEAD + "mail:\n  spf: {hosts: [out]}\nrecords:\n  '': {type: TXT, value: token=1}\n" });
    expect(merged.lines.filter((l) => l.startsWith('m.test. 3600 IN TXT'))).toEqual(['m.test. 3600 IN TXT "token=1"', 'm.test. 3600 IN TXT "v=spf1 ip4:192.0.2.26 -all"']);
    // Without mail: spf:, a hand-written SPF record is simply published.
    const replaced = load({ 'm.test.yaml': HEAD + "records:\n  '': {type: TXT, values: ['v=spf1 -all', token=1]}\n" });
    expect(replaced.lines.filter((l) => l.startsWith('m.test. 3600 IN TXT'))).toEqual(['m.test. 3600 IN TXT "v=spf1 -all"', 'm.test. 3600 IN TXT "token=1"']);
    // With it, the hand-written one would silently replace the intent: one policy, two sources, an error.
    const both = load({ 'm.test.yaml': HEAD + "mail:\n  spf: {ip4: [198.51.100.0/24]}\nrecords:\n  '': {type: TXT, values: ['v=spf1 -all', token=1]}\n" });
    expect(both.errors).toEqual(['10:28 spf-intent']);
    // A hand-written SPF that fails a host the intent names would break that host's mail: an error at the host.
    const failing = load({ 'm.test.yaml': HEAD + "mail:\n  spf: {hosts: [out]}\nrecords:\n  '': {type: TXT, values: ['v=spf1 -all', token=1]}\n" });
    expect(failing.errors).toEqual(['8:17 spf-intent', '10:28 spf-intent']);
    expect(failing.problems.find((p) => p.rule === 'spf-intent')!.message).toContain('192.0.2.26 gets fail');
  });

  it('explicit records replace what a helper makes at the same name and type', () => {
    const r = load({ 'm.test.yaml': HEAD + "mail:\n  dmarc: {p: reject}\nrecords:\n  _dmarc: {type: TXT, value: 'v=DMARC1; p=quarantine'}\n" });
    expect(r.lines.filter((l) => l.startsWith('_dmarc'))).toEqual(['_dmarc.m.test. 3600 IN TXT "v=DMARC1; p=quarantine"']);
  });

  it('DKIM: a private key, a 512-bit RSA key, or garbage is refused; a raw Ed25519 key is published', () => {
    const priv = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    dir = mkdtempSync(join(tmpdir(), 'mailns-mail-'));
    writeFileSync(join(dir, 'priv.pem'), priv);
    writeFileSync(join(dir, 'small.pem'), small);
    writeFileSync(join(dir, 'm.test.yaml'), HEAD + 'mail:\n  dkim:\n    a: {key_file: priv.pem}\n    b: {key_file: small.pem}\n    c: {key: "!!notbase64"}\n    d: {key_file: missing.pem}\n    e: {key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=, testing: true}\n');
    const r = loadZones([dir]);
    const e = r.zones.length ? '' : 'not loaded';
    expect(e).toBe('not loaded');
    expect(r.problems.map((p) => `${p.line} ${p.rule} ${p.message.slice(0, 40)}`)).toEqual([
      '9 dkim-key selector a: this is a private key; it be',
      '10 dkim-key selector b: RSA key of 512 bits; verifie',
      '11 dkim-key selector c: the key is neither PEM nor b',
      '12 dkim-key cannot read missing.pem: ENOENT: no such',
      '13 dkim-testing selector e._domainkey.m.test.: t=y marks',
    ]);
    rmSync(dir, { recursive: true, force: true });
    const ok = load({ 'm.test.yaml': HEAD + 'mail:\n  dkim:\n    e: {key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=, testing: true}\n' });
    expect(ok.lines).toContain('e._domainkey.m.test. 3600 IN TXT "v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="');
  });

  it('DKIM: a private key in base64 DER is refused like a PEM one; an unknown lint.ignore id is warned', () => {
    const der = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const r = load({ 'm.test.yaml': HEAD + `mail:\n  dkim:\n    p: {key: ${der}}\nlint:\n  ignore:\n    spf-tpyo: 'a typo'\n` });
    expect(r.problems.map((p) => `${p.line} ${p.rule}`)).toEqual(['9 dkim-key', '12 lint-ignore-unknown']);
  });

  it('DMARC: URIs need a scheme; a bare address becomes mailto:; p=none is warned', () => {
    const r = load({ 'm.test.yaml': HEAD + 'mail:\n  dmarc: {p: none, pct: 50, rua: [dmarc@m.test, "ftp//x"], fo: "1:d"}\n' });
    expect(r.problems.map((p) => `${p.severity} ${p.rule}`)).toEqual(['warning dmarc-p-none', 'error dmarc-uri']);
    const ok = load({ 'm.test.yaml': HEAD + 'mail:\n  dmarc: {p: quarantine, np: reject, pct: 50, rua: dmarc@m.test, fo: "1:d"}\n' });
    expect(ok.lines).toContain('_dmarc.m.test. 3600 IN TXT "v=DMARC1; p=quarantine; np=reject; pct=50; fo=1:d; rua=mailto:dmarc@m.test"');
  });

  it('the schema refuses policy words and percentages outside RFC 7489', () => {
    const r = load({ 'm.test.yaml': HEAD + 'mail:\n  dmarc: {p: rejct, pct: 150}\n' });
    expect(r.problems.map((p) => `${p.rule} ${p.message}`)).toEqual(['schema mail.dmarc.p must be equal to one of the allowed values', 'schema mail.dmarc.pct must be <= 100']);
    expect(r.problems[0]!.hint).toBe('one of: "none", "quarantine", "reject"');
  });

  it('DMARC report authorization lands in the destination zone when we serve it, not otherwise', () => {
    const r = load({
      'm.test.yaml': HEAD + 'mail:\n  dmarc: {p: reject, rua: [mailto:a@reports.test, mailto:b@elsewhere.example, mailto:c@m.test]}\n',
      'reports.test.yaml': 'zone: reports.test.\nnameservers: [ns.example., ns2.example.]\n',
    });
    expect(r.errors).toEqual([]);
    expect(r.lines.filter((l) => l.includes('_report'))).toEqual(['m.test._report._dmarc.reports.test. 3600 IN TXT "v=DMARC1"']);
  });

  it('MTA-STS max_age over a year and TLS-RPT URIs other than mailto/https are refused', () => {
    const r = load({ 'm.test.yaml': HEAD + 'mail:\n  mx: [mail]\n  mta_sts: {mode: enforce, max_age: 400d}\n  tls_rpt: {rua: ftp://x}\n' });
    expect(r.errors).toEqual(['9:37 mta-sts', '10:18 tls-rpt']);
  });

  it('TLSA data length must match the matching type; CAA none and RFC 8657 parameters', () => {
    const bad = load({ 'm.test.yaml': HEAD + 'tlsa:\n  mail: {records: [{data: abcd}]}\n' });
    expect(bad.errors).toEqual(['8:27 tlsa']);
    const caa = load({ 'm.test.yaml': HEAD + 'caa: {issue: [{ca: letsencrypt.org, accounturi: "https://acme/acct/1", validationmethods: [dns-01]}], issuewild: none, critical: true}\n' });
    expect(caa.lines).toEqual(expect.arrayContaining([
      'm.test. 3600 IN CAA 128 issue "letsencrypt.org; accounturi=https://acme/acct/1; validationmethods=dns-01"',
      'm.test. 3600 IN CAA 128 issuewild ";"',
    ]));
  });
});
