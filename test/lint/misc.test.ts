/**
 * CAA, SOA timer and RRset size lint (src/lint/misc.ts): each rule with a
 * zone that trips it and one that does not, as the exact list of the
 * module's findings ("severity rule line").
 */
import { describe, expect, it } from 'vitest';
import { miscRules } from '../../src/lint/misc.js';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { findingLines, loadYaml } from '../helpers/zones.js';

const IDS = new Set(miscRules.rules.map((r) => r.id));

const load = (text: string): LoadResult => loadYaml({ 't.test.yaml': text });

function lint(text: string): string[] {
  return findingLines(load(text).problems, IDS);
}

/** Line 1 zone, 2 nameservers, 3 hosts:, 4 mail, then `rest` from line 5. */
function zone(rest: string[]): string {
  return ['zone: t.test.', 'nameservers: [ns1.example., ns2.example.]', 'hosts:', '  mail: {ipv4: 192.0.2.25}', ...rest].join('\n') + '\n';
}

describe('caa-tag and caa-tag-unknown', () => {
  it('an unknown tag is an error when critical, a warning otherwise', () => {
    expect(lint(zone([
      'records:',
      `  '': {type: CAA, values: ['128 tbs "x"', '0 issue "letsencrypt.org"']}`, // 6
      `  www: {type: CAA, value: '0 issuer "letsencrypt.org"'}`, //                 7
    ]))).toEqual(['error caa-tag 6', 'warning caa-tag-unknown 7']);
  });

  it('every known tag, in any case, critical or not, is fine', () => {
    expect(lint(zone([
      'records:',
      `  '': {type: CAA, values: ['128 issue "letsencrypt.org"', '0 ISSUEWILD ";"', '0 iodef "mailto:sec@t.test"', '0 issuemail "sectigo.com"', '0 issuevmc "digicert.com"', '0 contactemail "sec@t.test"', '0 contactphone "+1 555 0100"']}`,
    ]))).toEqual([]);
  });
});

describe('caa-issuer', () => {
  it('an issuer that is not a domain name is an error: no dot, spaces', () => {
    expect(lint(zone([
      'caa: {issue: [letsencrypt]}', //                                                  5
      'records:',
      `  www: {type: CAA, values: ['0 issuewild "lets encrypt.org"', '0 issue "letsencrypt.org"']}`, // 7
    ]))).toEqual(['error caa-issuer 5', 'error caa-issuer 7']);
  });

  it('a CA domain, with parameters, and ";" alone (no issuance) are fine', () => {
    expect(lint(zone([
      "caa: {issue: [{ca: letsencrypt.org, accounturi: 'https://acme-v02.api.letsencrypt.org/acme/acct/1'}], issuewild: none}",
      'records:',
      `  www: {type: CAA, values: ['0 issue "  sectigo.com ; validationmethods=dns-01"', '0 issuewild ";"', '0 issue ""']}`,
    ]))).toEqual([]);
  });
});

describe('soa-timers', () => {
  it('one warning naming every timer out of range', () => {
    const text = zone(['soa: {rname: hostmaster@t.test, refresh: 600, retry: 3h, expire: 1d, minimum: 2d}']); // 5
    expect(lint(text)).toEqual(['warning soa-timers 5']);
    const p = load(text).problems.find((x) => x.rule === 'soa-timers')!;
    expect(p.message).toBe('t.test. SOA refresh 600 (want 1200-43200), retry 10800 (want 120-7200), expire 86400 (want 1209600-2419200), minimum 172800 (want at most 86400)');
  });

  it('the defaults and the ends of the ranges are fine', () => {
    expect(lint(zone([]))).toEqual([]);
    expect(lint(zone(['soa: {refresh: 1200, retry: 7200, expire: 2419200, minimum: 86400}']))).toEqual([]);
    expect(lint(zone(['soa: {refresh: 43200, retry: 120, expire: 1209600, minimum: 0}']))).toEqual([]);
  });
});

describe('rrset-size', () => {
  const strings = (n: number) => `[${Array.from({ length: n }, (_, i) => `'${String(i).padEnd(250, 'x')}'`).join(', ')}]`;

  it('an RRset whose answer is over 1232 octets with EDNS is a warning', () => {
    // header 12 + question (12 + 4) + 5 × (2 + 10 + 251) + OPT 11 = 1354
    expect(lint(zone(['records:', `  big: {type: TXT, values: ${strings(5)}}`]))).toEqual(['warning rrset-size 6']);
  });

  it('one over 65535 octets, more than any DNS message holds, is an error (rrset-too-large)', () => {
    // 12 + 16 + 250 × 263 + 11 = 65789: not even TCP can carry it (RFC 1035 §4.2.2).
    expect(lint(zone(['records:', `  big: {type: TXT, values: ${strings(250)}}`]))).toEqual(['error rrset-too-large 6']);
    expect(lint(zone(['records:', `  big: {type: TXT, values: ${strings(248)}}`]))).toEqual(['warning rrset-size 6']);
  });

  it('one that fits is fine', () => {
    // 12 + 16 + 4 × 263 + 11 = 1091
    expect(lint(zone(['records:', `  big: {type: TXT, values: ${strings(4)}}`]))).toEqual([]);
  });
});

describe('the examples', () => {
  it('zones/ trips none of these rules', () => {
    const r = loadZones(['zones']);
    expect([...r.problems, ...r.silenced.map((s) => s.problem)].filter((p) => IDS.has(p.rule))).toEqual([]);
  });
});
