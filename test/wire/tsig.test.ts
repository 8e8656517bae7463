/**
 * The TSIG codec (src/wire/tsig.ts) on its own: a request signed here is
 * read back by the decoder and passes the §5.2 checks; each way it can be
 * wrong gets its own verdict (interoperability with dig, kdig, dnspython and
 * NSD is in test/e2e/transfer.test.ts and test/conformance/secondary.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeQuery } from '../../src/wire/decode.js';
import { decodeResponse } from '../../src/wire/stub.js';
import { appendRR, keyring, signMessage, TSIG_ERROR, unsignedError, verifyRequest, verifyResponse, type TsigKey } from '../../src/wire/tsig.js';

const KEY: TsigKey = { name: ['k', 'test'], algorithm: 'hmac-sha256', secret: Buffer.from('0123456789abcdef0123456789abcdef') };
const KEYS = keyring([KEY]);
const NOW = 1_800_000_000;

/** A query for example.com SOA, id 0x1234, without RD. */
function query(): Buffer {
  return Buffer.concat([Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('\x07example\x03com\x00\x00\x06\x00\x01', 'latin1')]);
}

function signed(key = KEY, time = NOW): Buffer {
  const q = query();
  return appendRR(q, signMessage(q, { key, originalId: 0x1234, time }).rr);
}

function verdict(msg: Buffer, now = NOW) {
  const d = decodeQuery(msg);
  if (d.kind !== 'query' || !d.query.tsig) throw new Error(`not a signed query: ${JSON.stringify(d)}`);
  return verifyRequest(msg, d.query.tsig, KEYS, now);
}

describe('TSIG requests (RFC 8945 §5.2)', () => {
  it('a request signed with a known key passes', () => {
    expect(verdict(signed())).toMatchObject({ ok: true, key: { algorithm: 'hmac-sha256' } });
    // Within the fudge (300 s) either way.
    expect(verdict(signed(), NOW + 300).ok).toBe(true);
  });

  it('an unknown key, or the key with another algorithm: BADKEY', () => {
    expect(verdict(signed({ ...KEY, name: ['other', 'test'] }))).toMatchObject({ ok: false, error: TSIG_ERROR.BADKEY, signed: false });
    expect(verdict(signed({ ...KEY, algorithm: 'hmac-sha512' }))).toMatchObject({ ok: false, error: TSIG_ERROR.BADKEY });
  });

  it('a changed message or another secret: BADSIG', () => {
    const m = signed();
    m[3] = 0x01; // a flag changed after signing (no TSIG field)
    expect(verdict(m)).toMatchObject({ ok: false, error: TSIG_ERROR.BADSIG, signed: false });
    expect(verdict(signed({ ...KEY, secret: Buffer.from('another secret') }))).toMatchObject({ ok: false, error: TSIG_ERROR.BADSIG });
  });

  it('a time outside the fudge: BADTIME, answered signed', () => {
    expect(verdict(signed(), NOW + 301)).toMatchObject({ ok: false, error: TSIG_ERROR.BADTIME, signed: true });
    expect(verdict(signed(KEY, NOW - 600))).toMatchObject({ ok: false, error: TSIG_ERROR.BADTIME });
  });

  it('a truncated MAC: BADTRUNC when it is long enough and right, FORMERR when too short', () => {
    const m = signed();
    const d = decodeQuery(m);
    if (d.kind !== 'query') throw new Error('decode');
    const t = d.query.tsig!;
    // Rebuild the TSIG with its MAC cut to 16 octets (half of SHA-256: allowed by §5.2.2.1, refused by our policy).
    const cut = (n: number) => {
      const head = m.subarray(0, t.start);
      const rdStart = t.start + 8 + 10; // owner k.test. (8 octets) and the RR header
      const alg = 13; // hmac-sha256.
      const fixed = m.subarray(rdStart, rdStart + alg + 8);
      const rest = m.subarray(rdStart + alg + 10 + 32);
      const size = Buffer.alloc(2); size.writeUInt16BE(n, 0);
      const rdata = Buffer.concat([fixed, size, t.mac.subarray(0, n), rest]);
      const len = Buffer.alloc(2); len.writeUInt16BE(rdata.length, 0);
      return Buffer.concat([head, m.subarray(t.start, rdStart - 2), len, rdata]);
    };
    // §5.3.2: the request's MAC verified (as far as it goes), so the BADTRUNC is signed, chained to it.
    expect(verdict(cut(16))).toMatchObject({ ok: false, error: TSIG_ERROR.BADTRUNC, signed: true, mac: t.mac.subarray(0, 16) });
    expect(verdict(cut(8))).toMatchObject({ ok: false, formerr: true });
  });

  it('a TSIG that is not the last record: FORMERR from the decoder', () => {
    const m = signed();
    const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    const both = Buffer.concat([m, opt]);
    both.writeUInt16BE(2, 10);
    expect(decodeQuery(both)).toMatchObject({ kind: 'error', rcode: 1, reason: 'TSIG is not the last record' });
  });
});

/** The reply to query(): QR set, the same ID. */
function reply(): Buffer {
  const r = query();
  r.writeUInt16BE(0x8000, 2);
  return r;
}

describe('TSIG responses, as a client checks them (RFC 8945 §5.3, §5.4)', () => {
  const requestMac = signMessage(query(), { key: KEY, originalId: 0x1234, time: NOW }).mac;
  const signedReply = (o: { key?: TsigKey; prior?: Buffer; time?: number } = {}) => {
    const r = reply();
    return appendRR(r, signMessage(r, { key: o.key ?? KEY, originalId: 0x1234, time: o.time ?? NOW, prior: o.prior ?? requestMac }).rr);
  };
  const check = (msg: Buffer, macs = [requestMac], now = NOW) => {
    const d = decodeResponse(msg);
    if (d.kind !== 'response') throw new Error(d.reason);
    return verifyResponse(msg, d.response.tsig, KEY, macs, now);
  };

  it('a reply signed with the key, chained to the request MAC, verifies; to any of the tries sent', () => {
    expect(check(signedReply())).toMatchObject({ ok: true });
    const other = Buffer.alloc(32, 7);
    expect(check(signedReply(), [other, requestMac])).toMatchObject({ ok: true });
  });

  it('unsigned, another secret, another key, a MAC not chained to ours, an unsigned error TSIG, outside the fudge: not verified', () => {
    expect(check(reply())).toEqual({ ok: false, why: 'the reply is not signed' });
    expect(check(signedReply({ key: { ...KEY, secret: Buffer.from('another secret') } }))).toEqual({ ok: false, why: "the reply's MAC does not verify" });
    expect(check(signedReply({ key: { ...KEY, name: ['other', 'test'] } }))).toMatchObject({ ok: false, why: expect.stringMatching(/^the reply is signed with key other\.test\./) });
    expect(check(signedReply({ prior: Buffer.alloc(32) }))).toMatchObject({ ok: false, why: "the reply's MAC does not verify" });
    const d = decodeQuery(signed());
    if (d.kind !== 'query') throw new Error('decode');
    expect(check(appendRR(reply(), unsignedError(d.query.tsig!, TSIG_ERROR.BADKEY, NOW)))).toEqual({ ok: false, why: 'the reply carries TSIG error BADKEY, unsigned' });
    expect(check(signedReply({ time: NOW - 301 }))).toMatchObject({ ok: false, why: expect.stringMatching(/^the reply was signed -301 s from our time/) });
  });

  it('a changed reply does not verify', () => {
    const m = signedReply();
    m[3] = 0x03; // NXDOMAIN written over the signed NOERROR
    expect(check(m)).toMatchObject({ ok: false, why: "the reply's MAC does not verify" });
  });
});
