/** DMARC lint rules (src/lint/dmarc.ts): one failing and one passing zone per rule, every finding listed. */
import { describe, expect, it } from 'vitest';
import { findingLines, loadYaml } from '../helpers/zones.js';
import { loadZones } from '../../src/server/load.js';
import { join } from 'node:path';

/** Loads zone files given by name (a lone string is d.test.yaml) from a fresh directory. */
function load(files: Record<string, string> | string) {
  return loadYaml(typeof files === 'string' ? { 'd.test.yaml': files } : files);
}

/** Every problem as "severity rule line". */
function findings(files: Record<string, string> | string): string[] {
  return findingLines(load(files).problems);
}

/** Lines 1-3; records start on line 4. */
const HEAD = 'zone: d.test.\nnameservers: [ns1.example., ns2.example.]\nrecords:\n';
const REPORTS = 'zone: reports.test.\nnameservers: [ns1.example., ns2.example.]\n';

describe('dmarc-multiple', () => {
  it('two DMARC records at one name: receivers apply none', () => {
    // The records of one records: entry share its place (synthesizeRecords keeps one source per entry).
    expect(findings(HEAD + "  _dmarc: {type: TXT, values: ['v=DMARC1; p=reject', 'v=DMARC1; p=quarantine']}\n"))
      .toEqual(['error dmarc-multiple 4']);
  });
  it('one record, and one at a subdomain, are fine', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject'}\n  _dmarc.sub: {type: TXT, value: 'v=DMARC1; p=quarantine'}\n")).toEqual([]);
  });
});

describe('dmarc-version', () => {
  it('v=DMARC1 not first, in the wrong case, or missing', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'p=reject; v=DMARC1'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=dmarc1; p=reject'}\n"
      + "  _dmarc.b: {type: TXT, value: 'v=DMARC2; p=reject'}\n"
      + "  _dmarc.c: {type: TXT, value: 'site-verification=1234'}\n"))
      .toEqual(['error dmarc-version 4', 'error dmarc-version 5', 'error dmarc-version 6', 'error dmarc-version 7']);
  });
  it('v=DMARC1 first, with or without spaces and a trailing separator', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1;p=reject;'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v = DMARC1 ; p = reject'}\n")).toEqual([]);
  });
  it('report authorization records under _report._dmarc are not policy records', () => {
    expect(findings(HEAD + "  x.test._report._dmarc: {type: TXT, value: 'v=DMARC1'}\n")).toEqual([]);
  });
});

describe('dmarc-tag', () => {
  it('an unknown tag, a duplicate tag, text that is not tag=value', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rau=mailto:d@d.test'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=DMARC1; p=reject; p=none'}\n"
      + "  _dmarc.b: {type: TXT, value: 'v=DMARC1; p=reject; strict'}\n"))
      .toEqual(['error dmarc-tag 4', 'error dmarc-tag 5', 'error dmarc-tag 6']);
  });
  it('every RFC 7489 and DMARCbis tag, valid', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=n; adkim=s; aspf=r; pct=100; fo=0:1:d:s; rf=afrf; ri=86400; rua=mailto:d@d.test; ruf=mailto:f@d.test;'}\n"))
      .toEqual([]);
  });
});

describe('dmarc-policy', () => {
  it('no p=, a misspelt p, bad sp and np', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; rua=mailto:d@d.test'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=DMARC1; p=rejct'}\n"
      + "  _dmarc.b: {type: TXT, value: 'v=DMARC1; p=reject; sp=block; np=allow'}\n"))
      .toEqual(['error dmarc-policy 4', 'error dmarc-policy 5', 'error dmarc-policy 6', 'error dmarc-policy 6']);
  });
  it('from mail.dmarc the schema reports a bad word once, at its key; a tag smuggled in through rf is still caught', () => {
    const MAIL = 'zone: d.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n';
    expect(load(MAIL + '  dmarc:\n    p: rejct\n    pct: 150\n').problems.map((p) => `${p.severity} ${p.rule} ${p.line}`))
      .toEqual(['error schema 5', 'error schema 6']);
    expect(findings(MAIL + "  dmarc: {p: reject, rf: 'afrf; p=none'}\n")).toEqual(['error dmarc-tag 4']);
  });
  it('none, quarantine and reject (ABNF literals are case-insensitive)', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=Quarantine; sp=reject; np=reject'}\n")).toEqual([]);
  });
});

describe('dmarc-value', () => {
  it('pct, adkim, aspf, fo, ri, psd and t out of their ranges', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; pct=101'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=DMARC1; p=reject; pct=fifty; adkim=x; aspf=relaxed'}\n"
      + "  _dmarc.b: {type: TXT, value: 'v=DMARC1; p=reject; fo=2; ri=1d'}\n"
      + "  _dmarc.c: {type: TXT, value: 'v=DMARC1; p=reject; psd=yes; t=true'}\n"))
      .toEqual([
        'error dmarc-value 4',
        'error dmarc-value 5', 'error dmarc-value 5', 'error dmarc-value 5',
        'error dmarc-value 6', 'error dmarc-value 6',
        'error dmarc-value 7', 'error dmarc-value 7',
      ]);
  });
  it('the edges of each range', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; pct=0; adkim=R; aspf=S; fo=1 : d; ri=3600; psd=u; t=y'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=DMARC1; p=reject; pct=100; psd=y'}\n")).toEqual([]);
  });
});

describe('dmarc-uri', () => {
  it('a URI without a scheme, a mailto: without an address, an empty list entry', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=dmarc@d.test'}\n"
      + "  _dmarc.a: {type: TXT, value: 'v=DMARC1; p=reject; ruf=mailto:nobody'}\n"
      + "  _dmarc.b: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@d.test,,mailto:b@d.test'}\n"
      + "  _dmarc.c: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@d.test!5x'}\n"))
      .toEqual(['error dmarc-uri 4', 'error dmarc-uri 5', 'error dmarc-uri 6', 'error dmarc-uri 7']);
  });
  it('mailto: with a size limit, https:, several URIs', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@d.test!10m, https://d.test/dmarc; ruf=mailto:f@sub.d.test'}\n")).toEqual([]);
  });
});

describe('dmarc-report-auth', () => {
  it('a destination we serve that does not authorize the reports', () => {
    expect(findings({
      'd.test.yaml': HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:r@reports.test; ruf=mailto:f@reports.test'}\n",
      'reports.test.yaml': REPORTS + "records:\n  other.test._report._dmarc: {type: TXT, value: 'v=DMARC1'}\n",
    })).toEqual(['warning dmarc-report-auth 4']);
  });
  it('authorized by name, by wildcard, or by mail.dmarc (which publishes the record itself)', () => {
    expect(findings({
      'd.test.yaml': HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:r@reports.test'}\n",
      'reports.test.yaml': REPORTS + "records:\n  d.test._report._dmarc: {type: TXT, value: 'v=DMARC1'}\n",
    })).toEqual([]);
    expect(findings({
      'd.test.yaml': HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:r@reports.test'}\n",
      'reports.test.yaml': REPORTS + "records:\n  '*._report._dmarc': {type: TXT, value: 'v=DMARC1'}\n",
    })).toEqual([]);
    expect(findings({
      'd.test.yaml': 'zone: d.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  dmarc: {p: reject, rua: mailto:r@reports.test}\n',
      'reports.test.yaml': REPORTS,
    })).toEqual([]);
  });
});

describe('dmarc-report-auth-external', () => {
  it('a destination we do not serve: its owner must publish the record', () => {
    const r = load(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@provider.example,mailto:b@provider.example'}\n").problems;
    expect(r.map((p) => `${p.severity} ${p.rule} ${p.line}`)).toEqual(['info dmarc-report-auth-external 4']);
    expect(r[0]!.message).toContain('d.test._report._dmarc.provider.example. TXT "v=DMARC1"');
  });
  it('destinations in the policy domain or in the same zone need no authorization', () => {
    expect(findings(HEAD
      + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@reports.d.test'}\n"
      + "  _dmarc.sub: {type: TXT, value: 'v=DMARC1; p=reject; rua=mailto:a@d.test'}\n")).toEqual([]);
  });
});

describe('dmarc-p-none', () => {
  it('p=none written by hand, or by mail.dmarc (warned once, by the lint)', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=none; rua=mailto:d@d.test'}\n")).toEqual(['warning dmarc-p-none 4']);
    expect(findings('zone: d.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  dmarc: {p: none, rua: dmarc@d.test}\n')).toEqual(['warning dmarc-p-none 4']);
  });
  it('quarantine and reject', () => {
    expect(findings(HEAD + "  _dmarc: {type: TXT, value: 'v=DMARC1; p=quarantine; sp=none'}\n")).toEqual([]);
  });
});

describe('the example zones', () => {
  it('zones/ has no DMARC findings', () => {
    expect(loadZones(['zones']).problems.filter((p) => p.rule.startsWith('dmarc-'))).toEqual([]);
  });
});

describe('test/fixtures/lint/mailauth', () => {
  const FIXTURE = 'test/fixtures/lint/mailauth';
  it('helpers and hand-written records pass every mail authentication rule; only the external destination is noted', () => {
    const r = loadZones([FIXTURE]);
    expect(r.problems.map((p) => `${p.severity} ${p.rule} ${p.line}`)).toEqual(['info dmarc-report-auth-external 12']);
    expect(r.zones.map((z) => z.file).sort()).toEqual([join(FIXTURE, 'auth.test.yaml'), join(FIXTURE, 'reports.test.yaml')]);
  });
  it('without reports.test, its authorization becomes the destination owner\'s job too', () => {
    expect(loadZones([join(FIXTURE, 'auth.test.yaml')]).problems.map((p) => `${p.severity} ${p.rule} ${p.line}`))
      .toEqual(['info dmarc-report-auth-external 12', 'info dmarc-report-auth-external 12', 'info dmarc-report-auth-external 16']);
  });
});
