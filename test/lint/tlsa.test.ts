/**
 * TLSA lint (src/lint/tlsa.ts): each rule with a zone that trips it and one
 * that does not, as the exact list of the module's findings
 * ("severity rule line").
 */
import { describe, expect, it } from 'vitest';
import { tlsaRules } from '../../src/lint/tlsa.js';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { findingLines, loadYaml } from '../helpers/zones.js';

const IDS = new Set(tlsaRules.rules.map((r) => r.id));

const load = (text: string): LoadResult => loadYaml({ 't.test.yaml': text });

const show = (ps: { severity: string; rule: string; line: number }[]) => findingLines(ps, IDS);
const lint = (text: string) => show(load(text).problems);

/** Line 1 zone, 2 nameservers, 3 hosts:, 4 mail, 5 www, then `rest` from line 6. */
function zone(rest: string[]): string {
  return ['zone: t.test.', 'nameservers: [ns1.example., ns2.example.]', 'hosts:', '  mail: {ipv4: 192.0.2.25}', '  www: {ipv4: 192.0.2.80}', ...rest].join('\n') + '\n';
}

const SHA256 = 'AB'.repeat(32);
const SHA256B = 'CD'.repeat(32);
const SHA512 = 'EF'.repeat(64);

describe('tlsa-length', () => {
  it('a digest of the wrong length for its matching type is an error, per record', () => {
    expect(lint(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['3 1 1 ABCD', '3 1 2 ${SHA256}', '3 1 1 ${SHA256}']}`, // 7
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual(['error tlsa-length 7', 'error tlsa-length 7']);
  });

  it('32 octets for SHA-256, 64 for SHA-512, anything for the full data (matching type 0)', () => {
    expect(lint(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['3 1 1 ${SHA256}', '3 1 2 ${SHA512}', '3 1 0 3059301306072A8648CE3D0201']}`,
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual([]);
  });
});

describe('tlsa-pkix-smtp', () => {
  it('usage 0 or 1 on port 25 is a warning, per record', () => {
    expect(lint(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['0 0 1 ${SHA256}', '1 1 1 ${SHA256}', '3 1 1 ${SHA256}']}`, // 7
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual(['warning tlsa-pkix-smtp 7', 'warning tlsa-pkix-smtp 7']);
  });

  it('DANE-EE/DANE-TA on port 25 and PKIX usages on HTTPS are fine', () => {
    expect(lint(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['3 1 1 ${SHA256}', '2 0 1 ${SHA256}']}`,
      `  _443._tcp.www: {type: TLSA, values: ['1 1 1 ${SHA256}', '0 0 1 ${SHA256}']}`,
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual([]);
  });
});

describe('tlsa-rollover', () => {
  it('a single TLSA record for a port and host is info, once per RRset', () => {
    expect(lint(zone([
      'tlsa:', //                                                         6
      `  mail: {ports: [25, 465], records: [{data: ${SHA256}}]}`, //   7
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual(['info tlsa-rollover 7', 'info tlsa-rollover 7']);
  });

  it('the current and the next key are fine', () => {
    expect(lint(zone([
      'tlsa:',
      `  mail: {ports: [25], records: [{data: ${SHA256}}, {data: ${SHA256B}}]}`,
      'lint:',
      '  ignore: {tlsa-dnssec: not the point here}',
    ]))).toEqual([]);
  });
});

describe('tlsa-dnssec', () => {
  it('every TLSA RRset gets it: mailns does not sign zones', () => {
    expect(lint(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['3 1 1 ${SHA256}', '3 1 1 ${SHA256B}']}`, // 7
      `  _443._tcp.www: {type: TLSA, values: ['3 1 1 ${SHA256}', '3 1 1 ${SHA256B}']}`, // 8
    ]))).toEqual(['warning tlsa-dnssec 7', 'warning tlsa-dnssec 8']);
  });

  it('a zone without TLSA has none; a zone that knows says so in lint.ignore', () => {
    expect(lint(zone([]))).toEqual([]);
    const r = load(zone([
      'records:',
      `  _25._tcp.mail: {type: TLSA, values: ['3 1 1 ${SHA256}', '3 1 1 ${SHA256B}']}`,
      'lint:',
      '  ignore: {tlsa-dnssec: published ahead of signing}',
    ]));
    expect(show(r.problems)).toEqual([]);
    expect(r.silenced.map((s) => `${s.problem.rule} ${s.reason}`)).toEqual(['tlsa-dnssec published ahead of signing']);
  });
});

describe('the examples', () => {
  it('zones/ trips only tlsa-dnssec (silenced with a reason), for the TLSA of mail.example.com, which has its next key', () => {
    const r = loadZones(['zones']);
    const all = [...r.problems, ...r.silenced.map((s) => s.problem)].filter((p) => IDS.has(p.rule));
    expect(all.map((p) => `${p.file} ${p.severity} ${p.rule} ${p.record?.split(' ')[0]}`).sort()).toEqual([
      'zones/example.com.yaml warning tlsa-dnssec _25._tcp.mail.example.com.',
    ]);
    expect(r.silenced.map((s) => s.problem.rule)).toEqual(['tlsa-dnssec']);
  });
});
