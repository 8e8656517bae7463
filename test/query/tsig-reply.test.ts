/**
 * The responder's TSIG replies (src/query/tsig-reply.ts), at a fixed clock:
 * the signed errors of RFC 8945 §5.3.2 (BADTIME, BADTRUNC) verify as a
 * client checks them, chained to the request's MAC; the unsigned ones
 * (BADKEY, BADSIG) carry an empty MAC; a signed request is never answered
 * from the response cache. dig, kdig and dnspython read the same replies in
 * test/e2e/tsig.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Responder } from '../../src/query/respond.js';
import { loadZones } from '../../src/server/load.js';
import { nameToWire } from '../../src/util/name.js';
import { decodeQuery } from '../../src/wire/decode.js';
import { decodeResponse } from '../../src/wire/stub.js';
import { appendRR, keyring, signMessage, TSIG_ERROR, verifyResponse, type TsigKey } from '../../src/wire/tsig.js';

const KEY: TsigKey = { name: ['k', 'test'], algorithm: 'hmac-sha256', secret: Buffer.from('0123456789abcdef0123456789abcdef') };
const NOW = 1_800_000_000;
const catalog = loadZones(['zones']).catalog;
const responder = new Responder({ chaos: { version: false, identity: false }, keys: keyring([KEY]) });

/** example.org SOA, id 0x4242; opcode as given. */
function query(opcode = 0): Buffer {
  return Buffer.concat([Buffer.from([0x42, 0x42, opcode << 3, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('\x07example\x03org\x00\x00\x06\x00\x01', 'latin1')]);
}

/** `q` signed at `time`, its MAC cut to `macLength` octets (§5.2.2.1); and the MAC sent. */
function signed(q: Buffer, time = NOW, macLength = 32): { msg: Buffer; mac: Buffer } {
  const mac = signMessage(q, { key: KEY, originalId: 0x4242, time }).mac.subarray(0, macLength);
  const u16 = (v: number) => Buffer.from([v >> 8, v & 255]);
  const t = Buffer.alloc(6); t.writeUIntBE(time, 0, 6);
  const rdata = Buffer.concat([nameToWire(['hmac-sha256']), t, u16(300), u16(mac.length), mac, u16(0x4242), u16(0), u16(0)]);
  return { msg: appendRR(q, Buffer.concat([nameToWire(KEY.name), u16(250), u16(255), Buffer.alloc(4), u16(rdata.length), rdata])), mac };
}

function answer(msg: Buffer, now = NOW) {
  const bytes = responder.respond(decodeQuery(msg), catalog, 'udp', msg, { now })!.bytes;
  const d = decodeResponse(bytes);
  if (d.kind !== 'response') throw new Error(d.reason);
  return { bytes, r: d.response, tsig: d.response.tsig! };
}

describe('TSIG on the responder\'s replies (RFC 8945 §5.3)', () => {
  it('BADTIME: NOTAUTH, signed, the request\'s time and fudge kept, ours in the 6 octets of Other Data (§5.2.3)', () => {
    const { msg, mac } = signed(query(), NOW - 600);
    const { bytes, r, tsig } = answer(msg);
    expect({ rcode: r.rcode, error: tsig.error, time: tsig.timeSigned, fudge: tsig.fudge, other: tsig.other.length ? tsig.other.readUIntBE(0, 6) : undefined, mac: tsig.mac.length })
      .toEqual({ rcode: 9, error: TSIG_ERROR.BADTIME, time: NOW - 600, fudge: 300, other: NOW, mac: 32 });
    expect(verifyResponse(bytes, tsig, KEY, [mac], NOW - 600)).toMatchObject({ ok: true });
  });

  it('BADTRUNC (a MAC of 16 octets, allowed by §5.2.2.1, below our policy): NOTAUTH, signed, chained to the truncated MAC (§5.3.2)', () => {
    const { msg, mac } = signed(query(), NOW, 16);
    const { bytes, r, tsig } = answer(msg);
    expect({ rcode: r.rcode, error: tsig.error, mac: tsig.mac.length }).toEqual({ rcode: 9, error: TSIG_ERROR.BADTRUNC, mac: 32 });
    expect(verifyResponse(bytes, tsig, KEY, [mac], NOW)).toMatchObject({ ok: true });
  });

  it('a MAC shorter than §5.2.2.1 allows: FORMERR', () => {
    expect(answer(signed(query(), NOW, 8).msg).r.rcode).toBe(1);
  });

  it('BADSIG and BADKEY: NOTAUTH, an unsigned TSIG (empty MAC); NOTIMP too, checked first', () => {
    const bad = signed(query(4)).msg;
    bad[bad.length - 20] ^= 1; // a bit of the MAC
    expect(answer(bad)).toMatchObject({ r: { rcode: 9 }, tsig: { error: TSIG_ERROR.BADSIG, mac: Buffer.alloc(0) } });
    const good = signed(query(4));
    const { bytes, r, tsig } = answer(good.msg);
    expect(r.rcode).toBe(4);
    expect(verifyResponse(bytes, tsig, KEY, [good.mac], NOW)).toMatchObject({ ok: true });
  });

  it('a signed request is not answered from the cache of unsigned replies', () => {
    const plain = query();
    // Kept at the second ask, answered from the cache at the third.
    responder.respond(decodeQuery(plain), catalog, 'udp', plain, { now: NOW });
    responder.respond(decodeQuery(plain), catalog, 'udp', plain, { now: NOW });
    const again = responder.respond(decodeQuery(plain), catalog, 'udp', plain, { now: NOW })!;
    expect(again.outcome).toBe('cached');
    const { msg, mac } = signed(query());
    const { bytes, r, tsig } = answer(msg);
    expect(r.rcode).toBe(0);
    expect(verifyResponse(bytes, tsig, KEY, [mac], NOW)).toMatchObject({ ok: true });
  });
});
