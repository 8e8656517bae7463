/** Header, EDNS, class and truncation rules, checked with ISC dig over real sockets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { startServer, type Running } from '../helpers/server.js';

const haveDig = requireTool('dig');

describe.skipIf(!haveDig)(haveDig ? 'protocol rules (dig)' : 'protocol rules (skipped: dig is not installed)', () => {
  let srv: Running;
  beforeAll(async () => { srv = await startServer(['zones']); });
  afterAll(async () => srv?.stop());
  const q = (...args: string[]) => dig(srv.port, args);

  it('authoritative answers have AA, RA clear, RD copied (RFC 1035 §4.1.1)', async () => {
    const a = await q('+norec', 'example.com', 'A');
    expect(a.status).toBe('NOERROR');
    expect(a.flags).toEqual(['qr', 'aa']);
    const b = await q('+rec', 'example.com', 'A');
    expect(b.flags).toEqual(['qr', 'aa', 'rd']);
  });

  it('NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3)', async () => {
    const nx = await q('+norec', 'nope.example.com', 'A');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.flags).toContain('aa');
    expect(nx.authority).toEqual(['example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112601 14400 3600 1209600 300']);
    const ent = await q('+norec', '_domainkey.example.com', 'TXT');
    expect(ent.status).toBe('NOERROR');
    expect(ent.counts.answer).toBe(0);
    expect(ent.authority[0]).toMatch(/^example\.com\. 300 IN SOA /);
  });

  it('the question is echoed in the client\'s letter case (RFC 4343 §4.1)', async () => {
    const a = await q('+norec', 'ExAmPlE.CoM', 'A');
    expect(a.question).toEqual(['ExAmPlE.CoM. IN A']);
    expect(a.answer[0]).toMatch(/^ExAmPlE\.CoM\. 3600 IN A 192\.0\.2\.10$/);
  });

  it('referral below a zone cut: AA clear, NS in authority, glue in additional (RFC 1034 §4.3.2 3b)', async () => {
    const r = await q('+norec', 'host.sub.example.com', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).not.toContain('aa');
    expect(r.counts.answer).toBe(0);
    expect(r.authority.sort()).toEqual(['sub.example.com. 3600 IN NS ns.other.example.', 'sub.example.com. 3600 IN NS ns.sub.example.com.']);
    expect(r.additional).toEqual(['ns.sub.example.com. 3600 IN A 192.0.2.200']);
  });

  it('MX answers carry the in-zone exchange addresses in additional', async () => {
    const r = await q('+norec', 'example.com', 'MX');
    expect(r.additional.sort()).toEqual(['mail.example.com. 3600 IN A 192.0.2.25', 'mail.example.com. 3600 IN AAAA 2001:db8:1234::25']);
  });

  it('truncates over UDP without EDNS (512) and answers whole over TCP (RFC 1035 §4.2.1, RFC 7766)', async () => {
    const udp = await q('+norec', '+noedns', '+ignore', 'big.example.com', 'TXT');
    expect(udp.flags).toContain('tc');
    expect(udp.counts.answer).toBe(0);
    const tcp = await q('+norec', '+noedns', '+tcp', 'big.example.com', 'TXT');
    expect(tcp.flags).not.toContain('tc');
    expect(tcp.counts.answer).toBe(3);
    const edns = await q('+norec', '+bufsize=1232', 'big.example.com', 'TXT');
    expect(edns.flags).not.toContain('tc');
    expect(edns.counts.answer).toBe(3);
  });

  it('EDNS: OPT echoed with our size 1232, DO echoed, version 1 gets BADVERS (RFC 6891 §6.1.3)', async () => {
    const a = await q('+norec', '+bufsize=4096', '+dnssec', 'example.com', 'SOA');
    expect(a.edns).toEqual({ version: 0, udp: 1232, do: true });
    const noedns = await q('+norec', '+noedns', 'example.com', 'SOA');
    expect(noedns.edns).toBeNull();
    const v1 = await q('+norec', '+edns=1', '+noednsneg', 'example.com', 'SOA');
    expect(v1.status).toBe('BADVERS');
    expect(v1.edns?.version).toBe(0);
    expect(v1.counts.answer).toBe(0);
  });

  it('unknown EDNS options and flags are ignored and not echoed (RFC 6891 §6.1.2)', async () => {
    const r = await q('+norec', '+ednsopt=65001:abcd', '+nsid', '+ednsflags=0x4000', 'example.com', 'SOA');
    expect(r.status).toBe('NOERROR');
    expect(r.edns).toEqual({ version: 0, udp: 1232, do: false });
    expect(r.raw).not.toMatch(/; NSID|OPT=65001|MBZ/);
  });

  it('a DNSKEY query with DO and a 512-octet buffer gets a reply that fits', async () => {
    const r = await q('+norec', '+dnssec', '+bufsize=512', '+ignore', 'example.com', 'DNSKEY');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).not.toContain('tc');
    expect(r.edns?.do).toBe(true);
    expect(r.authority[0]).toMatch(/SOA/);
  });

  it('CHAOS version.bind and id.server are answered; other classes are REFUSED', async () => {
    const v = await q('+norec', 'version.bind', 'TXT', 'CH');
    expect(v.status).toBe('NOERROR');
    expect(v.answer).toEqual(['version.bind. 0 CH TXT "mailns test"']);
    const id = await q('+norec', 'id.server', 'TXT', 'CH');
    expect(id.answer).toEqual(['id.server. 0 CH TXT "test-host"']);
    const hs = await q('+norec', 'example.com', 'A', 'HS');
    expect(hs.status).toBe('REFUSED');
  });

  it('REFUSED without AA for a name outside every zone', async () => {
    const r = await q('+norec', 'example.invalid', 'A');
    expect(r.status).toBe('REFUSED');
    expect(r.flags).toEqual(['qr']);
  });

  it('ANY over UDP gets one RRset (RFC 8482 §4.2), over TCP the whole node', async () => {
    const udp = await q('+norec', '+notcp', 'example.com', 'ANY');
    const types = new Set(udp.answer.map((l) => l.split(' ')[3]));
    expect(types.size).toBe(1);
    const tcp = await q('+norec', '+tcp', 'example.com', 'ANY');
    expect(new Set(tcp.answer.map((l) => l.split(' ')[3]))).toEqual(new Set(['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'CAA']));
  });

  it('opcodes other than QUERY get NOTIMP; no question gets FORMERR, unless it asks for a cookie (RFC 7873 §5.4)', async () => {
    const st = await q('+norec', '+opcode=status', 'example.com', 'A');
    expect(st.status).toBe('NOTIMP');
    const empty = await q('+norec', '+header-only', '+nocookie', 'example.com');
    expect(empty.status).toBe('FORMERR');
    const asking = await q('+norec', '+header-only', '+cookie', 'example.com');
    expect(asking.status).toBe('NOERROR');
    expect(asking.raw).toMatch(/; COOKIE: [0-9a-f]{48} \(good\)/);
  });
});
