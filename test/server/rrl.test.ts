/**
 * Response rate limiting (src/server/rrl.ts): the buckets on a clock the
 * test moves, then a flood from one client against a served zone over real
 * sockets: the client gets a second's worth of answers and empty TC replies
 * for part of the rest, while a client of another network is answered in
 * full (dig, a client we did not write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, ResponseRateLimiter, type RrlResponse } from '../../src/server/rrl.js';
import { dig } from '../helpers/dig.js';
import { startWithYaml, type Running, ONE_HOST_ZONE } from '../helpers/server.js';
import { answered, udpFlood } from '../helpers/udp.js';
import { encodeQuery } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';

const answer = (name: string): RrlResponse => ({ klass: 'answer', name, qtype: 1 });

describe('the buckets', () => {
  it('a second of answers at once, then every second limited response slips and the others drop; refilled at the rate', () => {
    const rrl = new ResponseRateLimiter({ rate: 10, slip: 2, exempt: [] });
    const actions = Array.from({ length: 20 }, () => rrl.decide('192.0.2.7', answer('www.example.test.'), 1000));
    expect(actions.slice(0, 10)).toEqual(Array(10).fill('ok'));
    expect(actions.slice(10)).toEqual(['dropped', 'slipped', 'dropped', 'slipped', 'dropped', 'slipped', 'dropped', 'slipped', 'dropped', 'slipped']);
    // Half a second later: five more.
    expect(Array.from({ length: 6 }, () => rrl.decide('192.0.2.7', answer('www.example.test.'), 1500))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'dropped']);
    expect(rrl.counts.get('answer ok')).toBe(15);
  });

  it('one bucket per client network (/24, /56), name and type; NXDOMAIN counts by zone', () => {
    const rrl = new ResponseRateLimiter({ rate: 2, slip: 0, exempt: ['198.51.100.0/24'] });
    const run = (peer: string, r: RrlResponse, n = 3) => Array.from({ length: n }, () => rrl.decide(peer, r, 1000));
    expect(run('192.0.2.1', answer('a.example.test.'))).toEqual(['ok', 'ok', 'dropped']);
    // The same /24: the same bucket, now empty.
    expect(run('192.0.2.200', answer('a.example.test.'), 1)).toEqual(['dropped']);
    // Another name, another type, another network: buckets of their own.
    expect(run('192.0.2.1', answer('b.example.test.'), 1)).toEqual(['ok']);
    expect(run('192.0.2.1', { klass: 'answer', name: 'a.example.test.', qtype: 28 }, 1)).toEqual(['ok']);
    expect(run('192.0.3.1', answer('a.example.test.'), 1)).toEqual(['ok']);
    expect(run('2001:db8:0:100::1', answer('a.example.test.'), 2)).toEqual(['ok', 'ok']);
    expect(run('2001:db8:0:1ff::2', answer('a.example.test.'), 1)).toEqual(['dropped']);
    expect(run('2001:db8:0:200::1', answer('a.example.test.'), 1)).toEqual(['ok']);
    // NXDOMAIN is keyed by the zone the caller names: random names under it share one bucket.
    expect(run('192.0.2.1', { klass: 'nxdomain', name: 'example.test.', qtype: 1 }, 3)).toEqual(['ok', 'ok', 'dropped']);
    // Slip 0: nothing slips. An exempt network is never limited.
    expect(run('198.51.100.9', answer('a.example.test.'), 5)).toEqual(Array(5).fill('ok'));
  });

  it('a clock at 0, or one that steps back, neither refills nor empties a bucket (and a table of any size works)', () => {
    const rrl = new ResponseRateLimiter({ rate: 2, slip: 0, exempt: [], buckets: 1000 });
    expect(Array.from({ length: 3 }, () => rrl.decide('192.0.2.1', answer('a.test.'), 0))).toEqual(['ok', 'ok', 'dropped']);
    // A step back: still empty, not below.
    expect(rrl.decide('192.0.2.1', answer('a.test.'), -60_000)).toBe('dropped');
    // Half a second after the last real time: one token back, as if the step had not happened.
    expect(Array.from({ length: 2 }, () => rrl.decide('192.0.2.1', answer('a.test.'), 500))).toEqual(['ok', 'dropped']);
  });

  it('the class of a reply from its header', () => {
    const h = (flags: number, an: number, ns: number) => { const b = Buffer.alloc(12); b.writeUInt16BE(flags, 2); b.writeUInt16BE(an, 6); b.writeUInt16BE(ns, 8); return b; };
    expect(classify(h(0x8400, 1, 0))).toBe('answer');
    expect(classify(h(0x8400, 0, 1))).toBe('nodata');
    expect(classify(h(0x8403, 0, 1))).toBe('nxdomain');
    expect(classify(h(0x8000, 0, 2))).toBe('referral');
    expect(classify(h(0x8005, 0, 0))).toBe('error');
  });
});

describe('random names under a wildcard', () => {
  it('count as the wildcard, not each name (as NSD keys them): a flood of them is limited', async () => {
    const zone = "zone: wild.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  '*.lab': {type: A, value: 192.0.2.99}\n";
    const w = await startWithYaml({ 'wild.test.yaml': zone }, { rrl: { rate: 20, slip: 0, exempt: [] } });
    try {
      // Each name asked twice: the second answer comes from the response cache, and counts the same.
      const full = answered(await udpFlood(w.port, 300, (i) => encodeQuery(i, parseName(`r${i % 150}.lab.wild.test.`), 1, 1)));
      // About one second's worth (20), not 300.
      expect(full).toBeGreaterThanOrEqual(20);
      expect(full).toBeLessThan(80);
      expect(w.server.rrlCounts().get('answer dropped')).toBe(300 - full);
    } finally {
      await w.stop();
    }
  });
});

describe('random names: NXDOMAIN by zone, referrals by delegation', () => {
  it('a flood of names that do not exist is one bucket, and so is one of names under one delegation; another delegation is its own', async () => {
    const zone = 'zone: deleg.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  one: {type: NS, values: [ns.one.example.net.]}\n  two: {type: NS, values: [ns.two.example.net.]}\n';
    const d = await startWithYaml({ 'deleg.test.yaml': zone }, { rrl: { rate: 20, slip: 0, exempt: [] } });
    try {
      // Slip 0: every reply that goes out is a whole one (NXDOMAIN or a referral, neither with answers).
      const missing = (await udpFlood(d.port, 300, (i) => encodeQuery(i, parseName(`r${i}.deleg.test.`), 1, 1))).length;
      expect(missing).toBeGreaterThanOrEqual(20);
      expect(missing).toBeLessThan(80);
      const below = (await udpFlood(d.port, 300, (i) => encodeQuery(i, parseName(`r${i}.one.deleg.test.`), 1, 1))).length;
      expect(below).toBeGreaterThanOrEqual(20);
      expect(below).toBeLessThan(80);
      // The other delegation's bucket is full: all fifteen referrals go out (one bucket with the first would have refilled by a few at most).
      const other = (await udpFlood(d.port, 15, (i) => encodeQuery(i, parseName(`x${i}.two.deleg.test.`), 1, 1))).length;
      expect(other).toBe(15);
      const counts = d.server.rrlCounts();
      expect(counts.get('nxdomain dropped')).toBe(300 - missing);
      expect(counts.get('referral dropped')).toBe(300 - below);
    } finally {
      await d.stop();
    }
  });
});

describe('a flood from one client', () => {
  let s: Running;
  beforeAll(async () => { s = await startWithYaml({ 'example.test.yaml': ONE_HOST_ZONE }, { rrl: { rate: 50, slip: 2, exempt: [] } }); });
  afterAll(async () => { await s.stop(); });

  it('gets a second of answers and empty TC replies for some of the rest; a client of another network is answered', async () => {
    const q = encodeQuery(0x4242, parseName('www.example.test.'), 1, 1);
    const N = 1000;
    const replies = await udpFlood(s.port, N, () => q, {
      during: async () => {
        // While the flood's bucket is empty, another network (127.0.1.0/24 is loopback too) is answered.
        const other = await dig(s.port, ['-b', '127.0.1.1', 'www.example.test', 'A']);
        expect([other.status, other.answer]).toEqual(['NOERROR', ['www.example.test. 3600 IN A 192.0.2.10']]);
        // TCP is not limited (it cannot be spoofed): the flooding client itself is answered there.
        for (let i = 0; i < 3; i++) expect((await dig(s.port, ['+tcp', 'www.example.test', 'A'])).status).toBe('NOERROR');
      },
    });
    const full = replies.filter((m) => m.readUInt16BE(6) === 1);
    const slipped = replies.filter((m) => (m[2]! & 0x02) !== 0);
    // A second's worth (50) at once, plus what refilled while the flood lasted; far fewer than sent.
    expect(full.length).toBeGreaterThanOrEqual(50);
    expect(full.length).toBeLessThan(200);
    // Slipped replies: TC, the question, no records at all.
    expect(slipped.length).toBeGreaterThan(N / 4);
    for (const m of slipped) expect([m.readUInt16BE(4), m.readUInt16BE(6), m.readUInt16BE(8), m.readUInt16BE(10)]).toEqual([1, 0, 0, 0]);
    const counts = s.server.rrlCounts();
    expect(counts.get('answer ok')).toBe(full.length + 1);
    expect((counts.get('answer dropped') ?? 0) + (counts.get('answer slipped') ?? 0) + full.length).toBe(N);
    expect(counts.get('answer slipped')).toBe(slipped.length);
    console.log(`flood of ${N} from one client: ${full.length} answered, ${slipped.length} slipped (TC), ${counts.get('answer dropped')} dropped`);
  });
});
