/** The example zone through Node's own stub resolver (c-ares), over real sockets. */
import type { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolverFor, startServer, type Running } from '../helpers/server.js';

let srv: Running;
let r: Resolver;

beforeAll(async () => {
  srv = await startServer(['zones']);
  r = resolverFor(srv.port);
});
afterAll(async () => srv?.stop());

describe('answers from the example zone (Node resolver)', () => {
  it('A and AAAA at the apex and for hosts with several addresses', async () => {
    expect(await r.resolve4('example.com')).toEqual(['192.0.2.10']);
    expect(await r.resolve6('mail.example.com')).toEqual(['2001:db8:1234::25']);
    expect((await r.resolve4('www.example.com')).sort()).toEqual(['192.0.2.80', '192.0.2.81']);
  });

  it('MX with in-zone and external exchanges', async () => {
    const mx = await r.resolveMx('example.com');
    expect(mx.sort((a, b) => a.priority - b.priority)).toEqual([
      { exchange: 'mail.example.com', priority: 10 },
      { exchange: 'mx2.example.net', priority: 20 },
    ]);
  });

  it('SOA with the rname from the email address and RFC 1912 timers', async () => {
    expect(await r.resolveSoa('example.com')).toEqual({
      nsname: 'ns1.example.com', hostmaster: 'hostmaster.example.com', serial: 2026112601,
      refresh: 14400, retry: 3600, expire: 1209600, minttl: 300,
    });
  });

  it('NS, SRV, CAA and TXT', async () => {
    expect((await r.resolveNs('example.com')).sort()).toEqual(['ns1.example.com', 'ns2.example.net']);
    expect(await r.resolveSrv('_submissions._tcp.example.com')).toEqual([{ name: 'mail.example.com', port: 465, priority: 0, weight: 1 }]);
    expect(await r.resolveCaa('example.com')).toEqual(expect.arrayContaining([{ critical: 0, issue: 'letsencrypt.org' }, { critical: 0, issuewild: ';' }, { critical: 0, iodef: 'mailto:security@example.com' }]));
    const txt = (await r.resolveTxt('example.com')).map((t) => t.join(''));
    expect(txt.sort()).toEqual(['google-site-verification=3Xq4kyhVGXbMfa0kzcJ3aEd', 'v=spf1 ip4:192.0.2.25 ip6:2001:db8:1234::25 include:_spf.example.net -all']);
  });

  it('a 400-octet DKIM key TXT arrives whole, split in 255-octet strings', async () => {
    const [rec] = await r.resolveTxt('rsa2026._domainkey.example.com');
    expect(rec!.length).toBe(2);
    expect(rec![0]!.length).toBe(255);
    expect(rec!.join('')).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/]+IDAQAB$/);
  });

  it('CNAME chains followed in the zone', async () => {
    expect(await r.resolveCname('webmail.example.com')).toEqual(['www.example.com']);
    expect((await r.resolve4('webmail.example.com')).sort()).toEqual(['192.0.2.80', '192.0.2.81']);
  });

  it('wildcards answer for any name below them', async () => {
    expect(await r.resolve4('anything.lab.example.com')).toEqual(['192.0.2.99']);
    expect(await r.resolve4('Mixed-Case.LAB.example.com')).toEqual(['192.0.2.99']);
  });

  it('NXDOMAIN and NODATA are told apart (ENOTFOUND vs ENODATA)', async () => {
    await expect(r.resolve4('nope.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolveTxt('_domainkey.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolveMx('www.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('REFUSED for a name in no zone we serve', async () => {
    await expect(r.resolve4('example.invalid')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('a TXT RRset too large for 512 octets is retried over TCP and arrives whole', async () => {
    // c-ares sends EDNS 1232 by default; the RRset is ~760 octets, so force a small-answer path too via dig tests.
    const recs = await r.resolveTxt('big.example.com');
    expect(recs.length).toBe(3);
    expect(recs.map((x) => x.join('')).sort()[0]).toMatch(/^0123456789/);
  });
});
