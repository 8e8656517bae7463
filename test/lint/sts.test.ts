/** MTA-STS and TLS-RPT lint rules (src/lint/sts.ts): one failing and one passing zone per rule. */
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/config/model.js';
import { parseYaml } from '../../src/config/source.js';
import { lintView, lintZones } from '../../src/lint/index.js';
import { Zone } from '../../src/zone/zone.js';
import { RRsetCollector, synthesizeBase, synthesizeRecords } from '../../src/synth/index.js';
import { synthesizeIntent } from '../../src/synth/mail/index.js';
import { findingLines, loadYaml } from '../helpers/zones.js';
import { loadZones } from '../../src/server/load.js';

const load = (text: string) => loadYaml({ 's.test.yaml': text });

/** Every problem as "severity rule line". */
const findings = (text: string): string[] => findingLines(load(text).problems);

/** Lines 1-3; records start on line 4. */
const HEAD = 'zone: s.test.\nnameservers: [ns1.example., ns2.example.]\nrecords:\n';
/** Lines 1-3; the lines under mail: start on line 4. Two MX hosts outside the zone (no mx-single, no PTR findings). */
const MAIL = 'zone: s.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n';

/** TXT records at `owner`, one per line from line 4. */
function txts(owner: string, ...texts: string[]): string {
  return HEAD + texts.map((t, i) => `  ${i ? `${owner}.n${i}` : owner}: {type: TXT, value: '${t}'}\n`).join('');
}

describe('mta-sts-record', () => {
  it('no id, the wrong case, v= not first, an id with other characters or too long, two ids, a broken field', () => {
    expect(findings(txts('_mta-sts',
      'v=STSv1',
      'v=stsv1; id=1',
      'id=1; v=STSv1',
      'v=STSv1; id=2026-01-01',
      `v=STSv1; id=${'a'.repeat(33)}`,
      'v=STSv1; id=1; id=2',
      'v=STSv1; id=1; note',
    ))).toEqual([4, 5, 6, 7, 8, 9, 10].map((l) => `error mta-sts-record ${l}`));
  });
  it('two records: senders ignore both', () => {
    expect(findings(HEAD + "  _mta-sts: {type: TXT, values: ['v=STSv1; id=1', 'v=STSv1; id=2']}\n")).toEqual(['error mta-sts-record 4']);
  });
  it('v=STSv1 and an id of up to 32 letters and digits, extensions, a trailing ";"', () => {
    expect(findings(txts('_mta-sts', 'v=STSv1; id=20260101T000000', `v=STSv1;id=${'A1'.repeat(16)}; ext.x=1;`))).toEqual([]);
  });
});

describe('tls-rpt', () => {
  it('no rua, a rua without scheme or address, another scheme, the wrong case, v= not first', () => {
    expect(findings(txts('_smtp._tls',
      'v=TLSRPTv1',
      'v=TLSRPTv1; rua=tlsrpt@s.test',
      'v=TLSRPTv1;rua=mailto:nobody',
      'v=TLSRPTv1; rua=mailto:a@s.test,ftp://s.test/r',
      'v=tlsrptv1; rua=mailto:a@s.test',
      'rua=mailto:a@s.test; v=TLSRPTv1',
      'v=TLSRPTv1; ext=1',
    ))).toEqual([4, 5, 6, 7, 8, 9, 10].map((l) => `error tls-rpt ${l}`));
  });
  it('two records: senders ignore both', () => {
    expect(findings(HEAD + "  _smtp._tls: {type: TXT, values: ['v=TLSRPTv1; rua=mailto:a@s.test', 'v=TLSRPTv1; rua=mailto:b@s.test']}\n")).toEqual(['error tls-rpt 4']);
  });
  it('mailto: and https: URIs, by hand or from mail.tls_rpt', () => {
    expect(findings(txts('_smtp._tls', 'v=TLSRPTv1; rua=mailto:a@s.test, https://reports.example/tlsrpt;'))).toEqual([]);
    expect(findings(MAIL + '  tls_rpt: {rua: [tlsrpt@s.test, "https://reports.example/tlsrpt"]}\n')).toEqual([]);
  });
});

describe('mta-sts-mx', () => {
  it('an MX host that no mx: pattern of the policy covers ("*" is one label)', () => {
    expect(findings(MAIL
      + '  mx:\n'
      + '    - mx1.example.net.\n'
      + '    - mx.other.example.\n'
      + '    - a.b.example.net.\n'
      + "  mta_sts: {mode: enforce, mx: ['*.example.net']}\n"))
      .toEqual(['warning mta-sts-mx 6', 'warning mta-sts-mx 7']);
  });
  it('an MX under records: replacing the one the policy was made from', () => {
    expect(findings(MAIL + '  mx: [mx1.example.net., mx2.example.net.]\n  mta_sts: {mode: testing}\n'
      + "records:\n  '': {type: MX, values: ['10 mx1.example.net.', '20 mx9.example.org.']}\n"))
      .toEqual(['warning mta-sts-mx 7']);
  });
  it('patterns from mail.mx, wildcards, exact names in any case; mode none restricts nothing', () => {
    expect(findings(MAIL + '  mx: [mx1.example.net., mx2.example.net.]\n  mta_sts: {mode: enforce}\n')).toEqual([]);
    expect(findings(MAIL + "  mx: [mx1.example.net., mx.other.example.]\n  mta_sts: {mode: enforce, mx: ['*.example.net', MX.Other.Example]}\n")).toEqual([]);
    expect(findings(MAIL + "  mx: [mx1.example.net., mx.other.example.]\n  mta_sts: {mode: none, mx: ['*.example.net']}\n")).toEqual([]);
  });
});

/**
 * The schema allows only enforce/testing/none and the helper refuses a
 * max_age over a year, so a policy with those faults cannot come from
 * mail.mta_sts today: the rules are checked on a policy changed after
 * synthesis, through the same lint entry point the loader uses.
 */
function lintPolicy(text: string, edit: (policy: string) => string): string[] {
  const { source } = parseYaml(text, 'p.test.yaml');
  const { model } = buildModel(source!, 'p.test', 'p.test.yaml');
  const out = new RRsetCollector(model!.origin, []);
  synthesizeBase(model!, out);
  synthesizeRecords(model!, out);
  const { mtaStsPolicy } = synthesizeIntent(model!, out);
  const built = Zone.build(model!.origin, out.rrsets());
  if (!('zone' in built)) throw new Error(built.error);
  const lint = lintZones(lintView([{ origin: model!.origin, zone: built.zone, model: model!, reverse: false, mtaStsPolicy: edit(mtaStsPolicy!) }]));
  return lint.findings[0]!.map((p) => `${p.severity} ${p.rule} ${p.line}`);
}

const POLICY_ZONE = 'zone: p.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  mx: [mx1.example.net., mx2.example.net.]\n  mta_sts:\n    mode: enforce\n    max_age: 1w\n';

describe('mta-sts-max-age', () => {
  it('over a year, or not a number', () => {
    expect(lintPolicy(POLICY_ZONE, (p) => p.replace(/max_age: \d+/, 'max_age: 31557601'))).toEqual(['error mta-sts-max-age 7']);
    expect(lintPolicy(POLICY_ZONE, (p) => p.replace(/max_age: \d+/, 'max_age: 1w'))).toEqual(['error mta-sts-max-age 7']);
  });
  it('up to a year exactly', () => {
    expect(lintPolicy(POLICY_ZONE, (p) => p)).toEqual([]);
    expect(findings(MAIL + '  mx: [mx1.example.net., mx2.example.net.]\n  mta_sts: {mode: enforce, max_age: 31557600}\n')).toEqual([]);
  });
});

describe('mta-sts-mode', () => {
  it('a mode other than enforce, testing or none, or none at all', () => {
    expect(lintPolicy(POLICY_ZONE, (p) => p.replace('mode: enforce', 'mode: strict'))).toEqual(['error mta-sts-mode 6']);
    expect(lintPolicy(POLICY_ZONE, (p) => p.replace('mode: enforce\r\n', ''))).toEqual(['error mta-sts-mode 6']);
  });
  it('enforce and testing', () => {
    expect(lintPolicy(POLICY_ZONE.replace('enforce', 'testing'), (p) => p)).toEqual([]);
  });
});

describe('the example zones', () => {
  it('zones/ has no MTA-STS or TLS-RPT findings', () => {
    expect(loadZones(['zones']).problems.filter((p) => p.rule.startsWith('mta-sts') || p.rule === 'tls-rpt')).toEqual([]);
  });
});
