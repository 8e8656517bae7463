/**
 * The fuzz judge can fail: replies made by the responder pass it, and each
 * of them spoiled one way (the ID, the rcode, the OPT, the question's case,
 * the size, a second reply that differs, a reply to a packet that must be
 * dropped) is named by it.
 */
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { Responder } from '../../src/query/respond.js';
import { decodeQuery } from '../../src/wire/decode.js';
import { requireDnspython } from './dnspy.js';
import { FuzzJudge } from './fuzz-judge.js';
import { encodeQuery, nameLabels, T } from './fuzz.js';

const havePy = requireDnspython();

describe.skipIf(!havePy)('fuzz judge (dnspython)', () => {
  const catalog = loadZones(['zones']).catalog;
  const responder = new Responder({ chaos: { version: false, identity: false } });
  const ask = (name: string, qtype: number, edns = true) => {
    const q = encodeQuery({ id: 0x4d4e, labels: nameLabels(name), qtype, ...(edns ? { edns: { udpSize: 1232 } } : {}) }).buf;
    return { q, r: responder.respond(decodeQuery(q), catalog, 'udp', q)!.bytes };
  };
  const spoil = (b: Buffer, f: (c: Buffer) => void) => { const c = Buffer.from(b); f(c); return c; };

  it('passes the responder\'s replies and names each spoiled one', async () => {
    const judge = new FuzzJudge(['example.com.', 'example.org.']);
    const mx = ask('Example.COM', T.MX);
    const nx = ask('nope.example.com', T.A);
    const out = ask('example.net', T.A, false);
    for (const x of [mx, nx, out, mx]) await judge.add('udp', x.q, x.r);
    const clean = { ...(await judge.finish()) };
    expect(clean.failures).toEqual({});
    expect(clean.counts).toMatchObject({ NOERROR: 2, NXDOMAIN: 1, REFUSED: 1 });

    const j = new FuzzJudge(['example.com.', 'example.org.']);
    await j.add('udp', mx.q, spoil(mx.r, (c) => { c[1] ^= 1; }));                        // ID
    await j.add('udp', nx.q, spoil(nx.r, (c) => { c[3] = (c[3]! & 0xf0) | 2; }));         // SERVFAIL
    await j.add('udp', out.q, spoil(out.r, (c) => { c[3] = (c[3]! & 0xf0) | 0; }));       // NOERROR outside our zones
    await j.add('udp', mx.q, spoil(mx.r, (c) => { c[13] = 0x65; }));                      // the question's case not kept
    const noOpt = Buffer.from(nx.r.subarray(0, nx.r.length - 11));                       // the OPT (11 octets, last) cut off
    noOpt.writeUInt16BE(noOpt.readUInt16BE(10) - 1, 10);
    await j.add('udp', nx.q, noOpt);
    const mxAgain = ask('example.com', T.MX);
    await j.add('udp', mxAgain.q, mxAgain.r);
    await j.add('udp', mxAgain.q, spoil(mxAgain.r, (c) => { c[c.length - 12]! ^= 1; }));  // the same question, another reply (an address changed)
    await j.add('udp', spoil(mx.q, (c) => { c[2]! |= 0x80; }), mx.r);                      // a reply to a response
    await j.add('udp', mx.q, null);                                                       // none at all
    const v = await j.finish();
    const kinds = Object.keys(v.failures).join('\n');
    expect(kinds).toMatch(/reply ID is not the query ID/);
    expect(kinds).toMatch(/SERVFAIL/);
    expect(kinds).toMatch(/rcode NOERROR, expected one of \[5\]/);
    expect(kinds).toMatch(/not echoed octet for octet/);
    expect(kinds).toMatch(/no OPT/);
    expect(kinds).toMatch(/the same question got a different reply/);
    expect(kinds).toMatch(/must be dropped/);
    expect(kinds).toMatch(/^no reply$/m);
  });
});
