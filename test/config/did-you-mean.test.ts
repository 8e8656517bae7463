/**
 * An unknown key near a known one is named as its typo, at file:line:col of
 * the key, in every mapping with a closed set of keys; and only when one
 * known key is clearly the nearest.
 */
import { describe, expect, it } from 'vitest';
import { closest, distance } from '../../src/util/closest.js';
import { formatProblem } from '../../src/util/problem.js';
import { loadYaml } from '../helpers/zones.js';

const HEAD = 'zone: t.test.\nnameservers: [ns1.t.test., ns.example.]\nhosts:\n  ns1: {ipv4: 192.0.2.1}\n';

/** The findings about unknown keys, as check prints them (file:line:col, message, hint). */
function unknownKeys(text: string): string[] {
  const r = loadYaml({ 't.test.yaml': text });
  return r.problems.filter((p) => p.message.startsWith('unknown key')).map((p) => formatProblem(p).replace(r.dir + '/', ''));
}

describe('did you mean: unknown keys', () => {
  it('at the top level', () => {
    expect(unknownKeys('zone: t.test.\nnameservers: [ns1.t.test., ns.example.]\nhsots:\n  ns1: {ipv4: 192.0.2.1}\n')).toEqual([
      't.test.yaml:3:1: error [schema] unknown key "hsots" in top level\n'
      + '    hint: did you mean "hosts"? known keys here: zone, defaults, soa, nameservers, hosts, records, mail, caa, tlsa, reverse, lint, transfer, notify',
    ]);
  });

  it('in soa', () => {
    expect(unknownKeys(HEAD + 'soa:\n  rname: hostmaster@t.test\n  refesh: 4h\n  expiry: 2w\n')).toEqual([
      't.test.yaml:7:3: error [schema] unknown key "refesh" in soa\n'
      + '    hint: did you mean "refresh"? known keys here: mname, rname, serial, refresh, retry, expire, minimum, ttl',
      't.test.yaml:8:3: error [schema] unknown key "expiry" in soa\n'
      + '    hint: did you mean "expire"? known keys here: mname, rname, serial, refresh, retry, expire, minimum, ttl',
    ]);
  });

  it('in a hosts entry', () => {
    expect(unknownKeys(HEAD + '  www: {ipv4: 192.0.2.80, tll: 5m}\n')).toEqual([
      't.test.yaml:5:27: error [schema] unknown key "tll" in hosts.www\n'
      + '    hint: did you mean "ttl"? known keys here: ipv4, ipv6, ttl, ptr',
    ]);
  });

  it('in mail.spf', () => {
    expect(unknownKeys(HEAD + 'mail:\n  mx: ns1\n  spf:\n    inlcude: [_spf.example.net]\n')).toEqual([
      't.test.yaml:8:5: error [schema] unknown key "inlcude" in mail.spf\n'
      + '    hint: did you mean "include"? known keys here: hosts, mx, ip4, ip6, include, all, redirect, helo',
    ]);
  });

  it('in mail.dmarc, whose keys are the tag names', () => {
    expect(unknownKeys(HEAD + 'mail:\n  dmarc: {p: reject, adkm: s, rau: mailto:d@t.test}\n')).toEqual([
      't.test.yaml:6:22: error [schema] unknown key "adkm" in mail.dmarc\n'
      + '    hint: did you mean "adkim"? known keys here: p, sp, np, adkim, aspf, pct, rua, ruf, fo, rf, ri, psd, t',
      't.test.yaml:6:31: error [schema] unknown key "rau" in mail.dmarc\n'
      + '    hint: did you mean "rua"? known keys here: p, sp, np, adkim, aspf, pct, rua, ruf, fo, rf, ri, psd, t',
    ]);
  });

  it('in a reverse entry, and in the mappings nested in lists and alternatives', () => {
    const text = HEAD + [
      'mail:',
      '  mx: [{host: ns1, prefrence: 10}]',           // line 6: an item of a list, one branch of anyOf
      '  client_srv: {imaps: {host: ns1, prot: 993}}', // line 7: srvService's object branch
      'reverse:',
      '  - network: 192.0.2.0/24',
      "    genric: {name: 'ip-{dashed}.t.test.'}",    // line 10
    ].join('\n') + '\n';
    expect(unknownKeys(text)).toEqual([
      't.test.yaml:6:20: error [schema] unknown key "prefrence" in mail.mx.0\n    hint: did you mean "preference"? known keys here: host, preference',
      't.test.yaml:7:35: error [schema] unknown key "prot" in mail.client_srv.imaps\n    hint: did you mean "port"? known keys here: host, port, priority, weight',
      't.test.yaml:10:5: error [schema] unknown key "genric" in reverse.0\n    hint: did you mean "generic"? known keys here: network, zone, from, ptr, generic, delegate, ttl',
    ]);
  });

  it('names no key when none is near, when two are as near, or when the near one is already written', () => {
    // `typo` is one letter from `type`, which the record has: the README's example keeps its plain hint.
    expect(unknownKeys(HEAD + 'records:\n  bad: {type: TXT, typo: x, value: y}\n')).toEqual([
      't.test.yaml:6:20: error [schema] unknown key "typo" in records.bad\n    hint: known keys here: type, ttl, value, values',
    ]);
    // `pp` is one letter from p, sp and np alike; `colour` is near nothing.
    const lines = unknownKeys(HEAD + 'mail:\n  dmarc: {p: reject, pp: reject}\ncolour: blue\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain('did you mean');
  });
});

describe('closest', () => {
  it('counts a transposition as one edit', () => {
    expect(distance('inlcude', 'include')).toBe(1);
    expect(distance('rau', 'rua')).toBe(1);
    expect(distance('polcy', 'policy')).toBe(1);
  });

  it('allows one edit in short words, two in longer ones, and needs a clear winner', () => {
    expect(closest('polcy', ['policy', 'p', 'pct'])).toBe('policy');
    expect(closest('TTL', ['ttl', 'type'])).toBe('ttl');
    expect(closest('tl', ['ttl'])).toBe('ttl');
    expect(closest('tt', ['ttl', 'to'])).toBeUndefined(); // a tie
    expect(closest('exp', ['expire'])).toBeUndefined(); // three edits
    expect(closest('mnmae', ['mname', 'rname'])).toBe('mname');
    expect(closest('x', ['p'])).toBeUndefined(); // no letter kept
    expect(closest('anything', [])).toBeUndefined();
  });
});
