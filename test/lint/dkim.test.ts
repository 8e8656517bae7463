/** DKIM lint rules (src/lint/dkim.ts): keys made here with node:crypto, one failing and one passing zone per rule. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findingLines, loadYaml } from '../helpers/zones.js';
import { loadZones } from '../../src/server/load.js';

const load = (text: string) => loadYaml({ 'k.test.yaml': text });

/** Every problem as "severity rule line". */
const findings = (text: string): string[] => findingLines(load(text).problems);

/** Lines 1-3; records start on line 4. */
const HEAD = 'zone: k.test.\nnameservers: [ns1.example., ns2.example.]\nrecords:\n';

/** One TXT per selector, one line each: s0 on line 4, s1 on line 5, ... */
function selectors(...texts: string[]): string {
  return HEAD + texts.map((t, i) => `  s${i}._domainkey: {type: TXT, value: '${t}'}\n`).join('');
}

const spki = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ type: 'spki', format: 'der' });
const rsa = (bits: number) => spki(generateKeyPairSync('rsa', { modulusLength: bits }).publicKey).toString('base64');
const RSA2048 = rsa(2048);
const RSA1024 = rsa(1024);
const RSA512 = rsa(512);
const RSA2048_PKCS1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
const ED_SPKI = spki(generateKeyPairSync('ed25519').publicKey);
const ED_RAW = ED_SPKI.subarray(12).toString('base64');
const ED_WRAPPED = ED_SPKI.toString('base64');

describe('dkim-key', () => {
  it('p= that is not base64, base64 that is no key, a key type verifiers do not know, an EC key', () => {
    const ec = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey).toString('base64');
    expect(findings(selectors(
      'v=DKIM1; k=rsa; p=not*base64',
      `v=DKIM1; k=rsa; p=${randomBytes(100).toString('base64')}`,
      `v=DKIM1; k=dsa; p=${RSA2048}`,
      `v=DKIM1; p=${ec}`,
    ))).toEqual(['error dkim-key 4', 'error dkim-key 5', 'error dkim-key 6', 'error dkim-key 7']);
  });
  it('RSA as SubjectPublicKeyInfo or PKCS#1, with or without k=, split over strings and folded', () => {
    expect(findings(selectors(
      `v=DKIM1; k=rsa; p=${RSA2048}`,
      `p=${RSA2048_PKCS1}`,
      `v=DKIM1; k=rsa; h=sha256; p=${RSA2048.slice(0, 100)} ${RSA2048.slice(100)}`,
    ))).toEqual([]);
  });
  it('an empty p= revokes the selector and is fine (the parked-domain wildcard of mx: none too)', () => {
    expect(findings(selectors('v=DKIM1; p=', 'v=DKIM1; k=ed25519; p=;'))).toEqual([]);
    expect(findings('zone: k.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  mx: none\n')).toEqual([]);
  });
  it('other TXT under _domainkey (ADSP, the bare _domainkey name) is not a key record', () => {
    expect(findings(HEAD + "  _adsp._domainkey: {type: TXT, value: 'dkim=all'}\n  _domainkey: {type: TXT, value: 'o=~'}\n")).toEqual([]);
  });
});

describe('dkim-rsa-weak and dkim-rsa-short', () => {
  it('512 bits is an error, 1024 a warning', () => {
    expect(findings(selectors(`v=DKIM1; k=rsa; p=${RSA512}`, `v=DKIM1; k=rsa; p=${RSA1024}`)))
      .toEqual(['error dkim-rsa-weak 4', 'warning dkim-rsa-short 5']);
  });
  it('a 1024-bit key from mail.dkim is warned at its selector', () => {
    expect(findings(`zone: k.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  dkim:\n    old: {key: ${RSA1024}}\n    new: {key: ${RSA2048}}\n`))
      .toEqual(['warning dkim-rsa-short 5']);
  });
  it('2048 bits is fine', () => {
    expect(findings(selectors(`v=DKIM1; k=rsa; p=${RSA2048}`))).toEqual([]);
  });
});

describe('dkim-ed25519-spki and dkim-ed25519-size', () => {
  it('the key wrapped in SubjectPublicKeyInfo is a warning; other sizes are errors', () => {
    expect(findings(selectors(
      `v=DKIM1; k=ed25519; p=${ED_WRAPPED}`,
      `v=DKIM1; k=ed25519; p=${randomBytes(31).toString('base64')}`,
      `v=DKIM1; k=ed25519; p=${randomBytes(33).toString('base64')}`,
    ))).toEqual(['warning dkim-ed25519-spki 4', 'error dkim-ed25519-size 5', 'error dkim-ed25519-size 6']);
  });
  it('the hint carries the raw key', () => {
    const p = load(selectors(`v=DKIM1; k=ed25519; p=${ED_WRAPPED}`)).problems[0]!;
    expect(p.hint).toBe(`p=${ED_RAW}`);
  });
  it('the raw 32 octets, by hand or from mail.dkim', () => {
    expect(findings(selectors(`v=DKIM1; k=ed25519; p=${ED_RAW}`))).toEqual([]);
    expect(findings(`zone: k.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  dkim:\n    ed: {key: ${ED_RAW}}\n`)).toEqual([]);
  });
});

describe('dkim-k-mismatch', () => {
  it('k=rsa or no k= with an Ed25519 key, k=ed25519 with an RSA key', () => {
    expect(findings(selectors(
      `v=DKIM1; k=rsa; p=${ED_RAW}`,
      `v=DKIM1; p=${ED_RAW}`,
      `v=DKIM1; p=${ED_WRAPPED}`,
      `v=DKIM1; k=ed25519; p=${RSA2048}`,
    ))).toEqual(['error dkim-k-mismatch 4', 'error dkim-k-mismatch 5', 'error dkim-k-mismatch 6', 'error dkim-k-mismatch 7']);
  });
  it('k= matching the key', () => {
    expect(findings(selectors(`k=ed25519; p=${ED_RAW}`, `k=rsa; p=${RSA2048}`))).toEqual([]);
  });
});

describe('dkim-testing', () => {
  it('t=y, alone or with s', () => {
    expect(findings(selectors(`v=DKIM1; k=ed25519; t=y; p=${ED_RAW}`, `v=DKIM1; t=s:y; p=${RSA2048}`)))
      .toEqual(['warning dkim-testing 4', 'warning dkim-testing 5']);
  });
  it('t=s only', () => {
    expect(findings(selectors(`v=DKIM1; k=ed25519; t=s; p=${ED_RAW}`))).toEqual([]);
  });
});

describe('dkim-syntax', () => {
  it('not tag=value, a duplicate tag, v= not first or not DKIM1, no p=, a value with a non-ASCII character', () => {
    expect(findings(selectors(
      `v=DKIM1; k=rsa; ${RSA2048}`,
      `v=DKIM1; p=${RSA2048}; p=${RSA2048}`,
      `k=rsa; v=DKIM1; p=${RSA2048}`,
      `v=DKIM2; p=${RSA2048}`,
      'v=DKIM1; k=rsa',
      `v=DKIM1; n=clé; p=${ED_RAW}`,
    ))).toEqual(['error dkim-syntax 4', 'error dkim-syntax 5', 'error dkim-syntax 6', 'error dkim-syntax 7', 'error dkim-syntax 8', 'error dkim-syntax 9']);
  });
  it('tags in any order after v=, unknown tags, spaces around "=", a trailing ";"', () => {
    expect(findings(selectors(`v=DKIM1; s=email; x_note = made by hand; k = ed25519; p=${ED_RAW};`))).toEqual([]);
  });
});

describe('the example zones', () => {
  it('zones/ has no DKIM findings', () => {
    expect(loadZones(['zones']).problems.filter((p) => p.rule.startsWith('dkim-'))).toEqual([]);
  });
});
