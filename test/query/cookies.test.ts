/**
 * DNS cookies (RFC 7873) with interoperable server cookies (RFC 9018):
 * SipHash-2-4 against the reference's vectors, the server cookie against
 * RFC 9018's own example, and over real sockets: dig sees its client cookie
 * come back with ours ("good"), a query with no question asks for a cookie
 * (§5.4), a malformed COOKIE is FORMERR (§5.2.2), and a client that sends a
 * valid server cookie back is not rate limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siphash24 } from '../../src/wire/siphash.js';
import { ServerCookies } from '../../src/query/cookies.js';
import { dig } from '../helpers/dig.js';
import { startWithYaml, type Running, ONE_HOST_ZONE } from '../helpers/server.js';
import { answered, udpExchange as exchange, udpFlood } from '../helpers/udp.js';
import { encodeQuery } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';

describe('SipHash-2-4 and the server cookie', () => {
  it('gives the reference implementation\'s outputs (key 00..0f)', () => {
    const key = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
    expect(siphash24(key, Buffer.alloc(0)).toString('hex')).toBe('310e0edd47db6f72');
    expect(siphash24(key, Buffer.from([0])).toString('hex')).toBe('fd67dc93c539f874');
  });

  it('makes RFC 9018 Appendix A.1\'s server cookie from its client cookie, secret, time and address', () => {
    const cookies = new ServerCookies(() => 1559731985, Buffer.from('e5e973e5a6b2a43f48e7dc849e37bfcf', 'hex'));
    const client = Buffer.from('2464c4abcf10c957', 'hex');
    expect(cookies.reply(client, '198.51.100.100').toString('hex')).toBe('2464c4abcf10c957010000005cf79f111f8130c3eee29480');
  });

  it('checks a server cookie: the address it was made for, within its hour, across a change of secret', () => {
    let now = 1_800_000_000;
    const cookies = new ServerCookies(() => now);
    const client = Buffer.from('0102030405060708', 'hex');
    const server = cookies.reply(client, '192.0.2.1').subarray(8);
    expect(cookies.valid(client, server, '192.0.2.1')).toBe(true);
    expect(cookies.valid(client, server, '192.0.2.2')).toBe(false);
    expect(cookies.valid(Buffer.from('0102030405060709', 'hex'), server, '192.0.2.1')).toBe(false);
    now += 3601;
    expect(cookies.valid(client, server, '192.0.2.1')).toBe(false);
    // Made a minute before the secret changes (12 hours on): still good a minute after.
    now = 1_800_000_000 + 12 * 3600 - 60;
    const late = cookies.reply(client, '2001:db8::1').subarray(8);
    now += 120;
    expect(cookies.valid(client, late, '2001:db8::1')).toBe(true);
    // A cookie from five minutes ahead is taken, not one from further.
    const ahead = Buffer.from(late);
    ahead.writeUInt32BE(now + 301, 4);
    expect(cookies.valid(client, ahead, '2001:db8::1')).toBe(false);
  });
});

/** A query with an OPT carrying a COOKIE option of `data`; `question` false leaves QDCOUNT 0. */
function withCookie(data: Buffer, question = true): Buffer {
  const q = encodeQuery(0x7777, parseName('www.example.test.'), 1, 1);
  const head = question ? q : q.subarray(0, 12);
  const opt = Buffer.concat([Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 4 + data.length, 0, 10, 0, data.length]), data]);
  const out = Buffer.concat([head, opt]);
  out.writeUInt16BE(question ? 1 : 0, 4);
  out.writeUInt16BE(1, 10);
  return out;
}

/** The COOKIE option's data in a reply whose OPT is its last record, or undefined. */
function cookieOf(reply: Buffer): Buffer | undefined {
  const at = reply.indexOf(Buffer.from([0, 10, 0, 24]), 12);
  return at < 0 ? undefined : reply.subarray(at + 4, at + 28);
}

describe('cookies over real sockets', () => {
  let s: Running;
  beforeAll(async () => { s = await startWithYaml({ 'example.test.yaml': ONE_HOST_ZONE }, { rrl: { rate: 20, slip: 0, exempt: [] } }); });
  afterAll(async () => { await s.stop(); });

  it('dig sends a client cookie and gets it back with a server cookie of ours', async () => {
    const d = await dig(s.port, ['+cookie=0102030405060708', 'www.example.test', 'A']);
    expect(d.status).toBe('NOERROR');
    const m = /; COOKIE: ([0-9a-f]+) \(good\)/.exec(d.raw);
    expect(m?.[1]).toMatch(/^0102030405060708010000[0-9a-f]{26}$/);
    // TCP too, and the same answer as without a cookie.
    expect((await dig(s.port, ['+tcp', '+cookie', 'www.example.test', 'A'])).raw).toMatch(/; COOKIE: [0-9a-f]{48} \(good\)/);
    expect(d.answer).toEqual(['www.example.test. 3600 IN A 192.0.2.10']);
  });

  it('no question and a client cookie: NOERROR with a server cookie (RFC 7873 §5.4); a COOKIE of 9 octets is FORMERR (§5.2.2)', async () => {
    const r = await exchange(s.port, withCookie(Buffer.from('a1a2a3a4a5a6a7a8', 'hex'), false));
    expect([r[3]! & 0xf, r.readUInt16BE(4)]).toEqual([0, 0]);
    expect(cookieOf(r)?.subarray(0, 8).toString('hex')).toBe('a1a2a3a4a5a6a7a8');
    const bad = await exchange(s.port, withCookie(Buffer.alloc(9, 1)));
    expect(bad[3]! & 0xf).toBe(1);
  });

  it('two clients asking the same question each get their own cookie back (no reply with a cookie comes from the cache)', async () => {
    const a = Buffer.from('c1c1c1c1c1c1c1c1', 'hex'), b = Buffer.from('d2d2d2d2d2d2d2d2', 'hex');
    for (let i = 0; i < 3; i++) {
      expect(cookieOf(await exchange(s.port, withCookie(a)))?.subarray(0, 8)).toEqual(a);
      expect(cookieOf(await exchange(s.port, withCookie(b)))?.subarray(0, 8)).toEqual(b);
    }
  });

  it('a client that sends a valid server cookie back is not rate limited; without it, it is', async () => {
    const client = Buffer.from('b1b2b3b4b5b6b7b8', 'hex');
    const first = cookieOf(await exchange(s.port, withCookie(client)))!;
    const flood = async (cookie: Buffer) => { const msg = withCookie(cookie); return answered(await udpFlood(s.port, 200, () => msg)); };
    // The full cookie (client and our server cookie): every answer sent.
    expect(await flood(first)).toBe(200);
    // The client cookie alone (a spoofer has no server cookie for the victim's address): limited to about
    // the 20 a second of the bucket (less what the tests before took from it).
    const limited = await flood(client);
    expect(limited).toBeGreaterThanOrEqual(5);
    expect(limited).toBeLessThan(60);
  });
});
