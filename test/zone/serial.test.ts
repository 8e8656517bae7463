/**
 * The serial rule (src/zone/serial.ts): RFC 1982 comparison, the next
 * YYYYMMDDnn serial, and a content digest that ignores what is not
 * published (the serial itself, the order records were written in).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { contentDigest, dateSerial, nextSerial, serialGreater, serialOf, withSerial } from '../../src/zone/serial.js';
import { makeRRset } from '../../src/wire/rrset.js';
import { parseRdata } from '../../src/wire/rdata.js';
import { CLASS, TYPE } from '../../src/wire/constants.js';
import { nameToText, parseName } from '../../src/util/name.js';

const origin = parseName('example.test.');
const rr = (owner: string, type: number, texts: string[], ttl = 3600) =>
  makeRRset(parseName(owner, origin), type, CLASS.IN, ttl, texts.map((t) => parseRdata(type, t.split(' '), origin)));
const soa = (serial: number) => rr('example.test.', TYPE.SOA, [`ns1 hostmaster ${serial} 14400 3600 1209600 3600`]);

describe('RFC 1982 serial arithmetic', () => {
  it('compares across the wrap', () => {
    expect(serialGreater(2, 1)).toBe(true);
    expect(serialGreater(1, 2)).toBe(false);
    expect(serialGreater(1, 1)).toBe(false);
    expect(serialGreater(0, 0xffffffff)).toBe(true);
    expect(serialGreater(0xffffffff, 0)).toBe(false);
    // Exactly 2^31 apart: undefined, so not greater either way (§3.2).
    expect(serialGreater(2 ** 31, 0)).toBe(false);
    expect(serialGreater(0, 2 ** 31)).toBe(false);
  });

  it('the next serial: today\'s YYYYMMDD00 when greater than last + 1, else last + 1', () => {
    const day = new Date('2026-03-04T23:59:00Z');
    expect(dateSerial(day)).toBe(2026030400);
    expect(nextSerial(undefined, day)).toBe(2026030400);
    expect(nextSerial(1_700_000_000, day)).toBe(2026030400); // an old mtime serial moves up to the date form
    expect(nextSerial(2026030400, day)).toBe(2026030401);
    expect(nextSerial(2026030399, day)).toBe(2026030400);
    expect(nextSerial(2026030499, day)).toBe(2026030500); // the 100th change of a day borrows tomorrow's numbers
    expect(nextSerial(2026040100, day)).toBe(2026040101); // a serial ahead of the date is never taken back
    expect(nextSerial(0xffffffff, day)).toBe(2026030400); // wraps to 0, and today's is greater than 0
  });
});

describe('the content digest', () => {
  const base = [soa(1), rr('example.test.', TYPE.NS, ['ns1', 'ns2.example.net.']), rr('ns1', TYPE.A, ['192.0.2.53']), rr('mail', TYPE.MX, ['10 mx1', '20 mx2'])];

  it('leaves out the SOA serial, and withSerial sets it (wire and parts alike)', () => {
    const moved = withSerial(base[0]!, 2026010101);
    expect(serialOf(moved)).toBe(2026010101);
    expect(Buffer.concat(moved.rdatas[0]!.parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.alloc(0)))).subarray(-20).readUInt32BE(0)).toBe(2026010101);
    expect(serialOf(base[0]!)).toBe(1);
    expect(contentDigest([moved, ...base.slice(1)])).toBe(contentDigest(base));
  });

  it('does not depend on the order of RRsets or of the records in one', () => {
    const shuffled = [rr('mail', TYPE.MX, ['20 mx2', '10 mx1']), base[2]!, base[0]!, base[1]!];
    expect(contentDigest(shuffled)).toBe(contentDigest(base));
  });

  it('changes with a record, a TTL or another SOA field', () => {
    const d = contentDigest(base);
    expect(contentDigest([...base, rr('www', TYPE.A, ['192.0.2.80'])])).not.toBe(d);
    expect(contentDigest([base[0]!, base[1]!, rr('ns1', TYPE.A, ['192.0.2.53'], 300), base[3]!])).not.toBe(d);
    expect(contentDigest([rr('example.test.', TYPE.SOA, ['ns1 hostmaster 1 14400 3600 1209600 300']), ...base.slice(1)])).not.toBe(d);
  });
});

describe('generic names in the digest (a transfer lists them, so what they are made from moves the serial)', () => {
  const digests = (template: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-gen-digest-'));
    try {
      const text = readFileSync('test/fixtures/reverse/generic.test.yaml', 'utf8');
      expect(text).toContain("'ip-{dashed}.pool.gen.test.'");
      writeFileSync(join(dir, 'generic.test.yaml'), text.replace("'ip-{dashed}.pool.gen.test.'", `'${template}'`));
      const r = loadZones([dir]);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      return new Map(r.zones.map((z) => [nameToText(z.zone.origin), z.digest]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('the same template: the same digests; another template: the reverse zone and the forward zone of its names both change', () => {
    const a = digests('ip-{dashed}.pool.gen.test.');
    const again = digests('ip-{dashed}.pool.gen.test.');
    const b = digests('host-{dashed}.pool.gen.test.');
    expect([...again]).toEqual([...a]);
    const changed = [...a.keys()].filter((z) => a.get(z) !== b.get(z));
    // The IPv4 reverse zone (its PTR targets) and gen.test. (the forward names' owners) changed; the IPv6 side did not.
    expect(changed.some((z) => z.endsWith('.in-addr.arpa.'))).toBe(true);
    expect(changed).toContain('gen.test.');
    expect(changed.some((z) => z.endsWith('.ip6.arpa.'))).toBe(false);
  });
});

describe('the content digest, byte for byte', () => {
  // The digest is kept in the state directory: a different byte stream for the same records would move every
  // serial after an upgrade. So its input is written out here by hand: for each record in canonical order
  // (RFC 4034 §6), owner in lower-cased wire form, type, class, TTL, RDLENGTH, RDATA; the SOA serial zeroed.
  it('is SHA-256 over the canonical records, written by hand here', async () => {
    const { createHash } = await import('node:crypto');
    const owner = (labels: string[]) => Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
    const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
    const apex = owner(['example', 'test']);
    const soaRdata = Buffer.concat([owner(['ns1', 'example', 'test']), owner(['hostmaster', 'example', 'test']), u32(0), u32(14400), u32(3600), u32(1209600), u32(3600)]);
    const rec = (o: Buffer, type: number, ttl: number, rdata: Buffer) => Buffer.concat([o, u16(type), u16(1), u32(ttl), u16(rdata.length), rdata]);
    const expected = createHash('sha256').update(Buffer.concat([
      rec(apex, TYPE.SOA, 3600, soaRdata),
      // Two A records at one owner: RDATA sorted as octet strings (RFC 4034 §6.3), whatever order they were written in.
      rec(owner(['mail', 'example', 'test']), TYPE.A, 300, Buffer.from([192, 0, 2, 1])),
      rec(owner(['mail', 'example', 'test']), TYPE.A, 300, Buffer.from([192, 0, 2, 9])),
      rec(owner(['mail', 'example', 'test']), TYPE.MX, 300, Buffer.concat([u16(10), owner(['mail', 'example', 'test'])])),
      rec(owner(['z', 'example', 'test']), TYPE.A, 60, Buffer.from([198, 51, 100, 7])),
    ])).update('\0generic\0').update('fp').digest('hex');
    const rrsets = [
      rr('Z', TYPE.A, ['198.51.100.7'], 60),
      rr('mail', TYPE.MX, ['10 mail'], 300),
      rr('MAIL', TYPE.A, ['192.0.2.9', '192.0.2.1'], 300),
      soa(2026120700),
    ];
    expect(contentDigest(rrsets, ['fp'])).toBe(expected);
  });
});
