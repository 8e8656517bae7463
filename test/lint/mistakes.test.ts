/**
 * Issue 5, "Done when": one zone full of the mistakes the seeds and public
 * checkers warn about produces every expected finding in one run, and
 * nothing else. (That docs/lint.md lists every rule is test/docs/docs.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';

describe('the mistakes fixture', () => {
  it('gives every expected finding, with its place, and nothing else', () => {
    const r = loadZones(['test/fixtures/lint/mistakes']);
    expect(r.problems.map((p) => `${p.severity} ${p.rule} ${p.line}:${p.col}`)).toEqual([
      'warning ns-count 4:15',          // one nameserver (the seeds: at least two)
      'warning ns-count 12:14',         // the reverse zone inherits the one nameserver
      'error mx-cname 17:27',           // MX to a CNAME
      'error trailing-dot 17:39',       // MX "mx.example.net" without its trailing dot (seed 002)
      'warning fcrdns 17:60',           // MX host mail has no PTR
      'warning fcrdns 17:71',           // MX host mail2's PTR does not point back
      'error mx-null-alone 17:83',      // null MX beside real ones
      'error spf-lookups 21:11',        // 11 DNS-querying terms
      'error spf-void-lookups 21:11',   // the same record, for IPv6 senders: every a and mx host has no AAAA (RFC 7208 §4.6.4)
      'error spf-multiple 21:11',       // two SPF records
      'error dmarc-policy 22:30',       // p=rejct
      'error dkim-rsa-weak 23:39',      // 512-bit DKIM key
      'error txt-string-length 24:41',  // a 308-octet string, not split
    ]);
    expect(r.zones.map((z) => z.zone.origin.join('.'))).toEqual(['2.0.192.in-addr.arpa']);
    expect(r.problems.every((p) => p.rfc || ['txt-string-length'].includes(p.rule))).toBe(true);
  });
});

describe('the shipped examples', () => {
  it('mailns check zones/ is clean: no finding, one rule silenced with its reason', () => {
    const r = loadZones(['zones']);
    expect(r.problems).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(r.silenced.map((s) => `${s.problem.rule}: ${s.reason}`)).toEqual([
      'tlsa-dnssec: example only: DANE needs a signed zone, and mailns does not sign yet; the TLSA shows the helper',
    ]);
  });
});
