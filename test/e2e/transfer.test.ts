/**
 * Zone transfers out (RFC 5936) with access control and TSIG (RFC 8945),
 * against real clients: dig (+comments shows the EDE; -y verifies every
 * message's TSIG), kdig, dnspython (wrong key name, wrong secret, a clock
 * 10 minutes off, every message verified), named-checkzone on what was
 * transferred. What each zone transfers is what `export` prints, for every
 * example zone; a 100,000-record zone transfers whole while the event loop
 * is never blocked for long.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameToText } from '../../src/util/name.js';
import { keyring, type TsigKey } from '../../src/wire/tsig.js';
import { exportZone } from '../../src/zone/export.js';
import { requireDnspython } from '../helpers/dnspy.js';
import { requireTool } from '../helpers/nsd.js';
import { resolverFor, serveLoaded, startServer, type Running } from '../helpers/server.js';
import { loadZones } from '../../src/server/load.js';
import { axfr, signedQuery, zoneRecords, type Key } from '../helpers/xfr.js';

const run = promisify(execFile);
const havePy = requireDnspython();
const haveDig = requireTool('dig');
const haveKdig = requireTool('kdig');
const haveCheck = requireTool('named-checkzone');

const SECRET = Buffer.from('mailns transfer test key, 32 oct').toString('base64');
const KEY: Key = { name: 'xfr.test.', secret: SECRET, algorithm: 'hmac-sha256' };
const tsigKey = (name: string, algorithm: TsigKey['algorithm'], secret: string): TsigKey => ({ name: name.replace(/\.$/, '').split('.'), algorithm, secret: Buffer.from(secret, 'base64') });
const KEYS = keyring([tsigKey(KEY.name, 'hmac-sha256', SECRET), ...(['hmac-sha1', 'hmac-sha384', 'hmac-sha512'] as const).map((a) => tsigKey(`${a}.test.`, a, SECRET))]);

/** Example zones and fixtures whose transfers are compared with their export. */
const SOURCES = [['zones'], ['test/fixtures/reverse/generic.test.yaml'], ['test/fixtures/reverse/rev.test.yaml'], ['test/fixtures/served'], ['test/fixtures/conformance/diff.test.yaml']];

async function digOut(port: number, args: string[]): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

describe.skipIf(!havePy || !haveDig)('AXFR: refused by default, allowed by address or key', () => {
  let closed: Running, byAddress: Running, byKey: Running, both: Running;
  beforeAll(async () => {
    closed = await startServer(['zones'], { keys: KEYS });
    byAddress = await startServer(['zones'], { keys: KEYS, transfer: { allow: ['127.0.0.0/8'], keys: [] } });
    byKey = await startServer(['zones'], { keys: KEYS, transfer: { allow: [], keys: ['xfr.test.', 'hmac-sha1.test.', 'hmac-sha384.test.', 'hmac-sha512.test.'] } });
    // Address AND key: loopback is not 192.0.2.53, so even the key is not enough.
    both = await startServer(['zones'], { keys: KEYS, transfer: { allow: ['192.0.2.53'], keys: ['xfr.test.'] } });
  });
  afterAll(async () => { for (const s of [closed, byAddress, byKey, both]) await s?.stop(); });

  it('without permission: REFUSED with EDE 18 (Prohibited), as dig shows it', async () => {
    const out = await digOut(closed.port, ['example.org', 'AXFR', '+comments']);
    expect(out).toContain('status: REFUSED');
    expect(out).toContain('; EDE: 18 (Prohibited)');
    expect(out).toContain('; Transfer failed.');
    // A good key that the zone does not allow, and an address without the key, are refused the same way.
    const a = await digOut(both.port, ['example.org', 'AXFR', '+comments', '-y', `hmac-sha256:${KEY.name}:${SECRET}`]);
    expect(a).toContain('; EDE: 18 (Prohibited)');
    expect(a).not.toMatch(/Couldn't verify/);
    expect((await axfr(byKey.port, 'example.org.')).error).toBe('rcode REFUSED');
  });

  it('over UDP: NOTIMP (RFC 5936 §4.2 defines no AXFR over UDP)', async () => {
    expect(await signedQuery(byAddress.port, 'example.org.', 'AXFR')).toEqual({ rcode: 'NOTIMP' });
    expect(await signedQuery(byKey.port, 'example.org.', 'AXFR', { key: KEY })).toEqual({ rcode: 'NOTIMP' });
  });

  it('allowed by address: the whole zone, exactly what export prints', async () => {
    const r = await axfr(byAddress.port, 'example.org.');
    expect(r.error).toBeUndefined();
    const zone = byAddress.loaded.zones.find((z) => nameToText(z.zone.origin) === 'example.org.')!.zone;
    expect(r.records[0]).toMatch(/^example\.org\. \d+ IN SOA /);
    expect(r.records.at(-1)).toBe(r.records[0]);
    expect(r.records.slice(0, -1).sort()).toEqual((await zoneRecords('example.org.', exportZone(zone))).sort());
  });

  it('with the key: dig -y and kdig -y verify every message, for each algorithm', async () => {
    for (const [alg, name] of [['hmac-sha256', KEY.name], ['hmac-sha1', 'hmac-sha1.test.'], ['hmac-sha384', 'hmac-sha384.test.'], ['hmac-sha512', 'hmac-sha512.test.']]) {
      const out = await digOut(byKey.port, ['2.0.192.in-addr.arpa', 'AXFR', '-y', `${alg}:${name}:${SECRET}`]);
      expect(out, alg).not.toMatch(/Couldn't verify|Transfer failed|failure/);
      expect(out, alg).toMatch(/XFR size: \d+ records/);
      expect(out.split('\n').filter((l) => /\tTSIG\t/.test(l)).every((l) => / NOERROR /.test(l))).toBe(true);
    }
    if (haveKdig) {
      const { stdout } = await run('kdig', ['@127.0.0.1', '-p', String(byKey.port), '-y', `hmac-sha256:${KEY.name}:${SECRET}`, 'example.org', 'AXFR']);
      expect(stdout).toMatch(/Received \d+ B \(1 messages, 10 records\)/);
      expect(stdout).not.toMatch(/;; (WARNING|ERROR)/);
    }
  });

  it('TSIG errors in the form RFC 8945 gives: wrong key name BADKEY, wrong secret BADSIG, clock 10 minutes off BADTIME', async () => {
    const wrongName = await axfr(byKey.port, 'example.org.', { ...KEY, name: 'nosuch.test.' });
    expect(wrongName.error).toMatch(/^PeerBadKey/);
    const wrongSecret = await axfr(byKey.port, 'example.org.', { ...KEY, secret: Buffer.from('another secret, not the right one').toString('base64') });
    expect(wrongSecret.error).toMatch(/^PeerBadSignature/);
    const late = await axfr(byKey.port, 'example.org.', KEY, 600);
    expect(late.error).toMatch(/^PeerBadTime/);
    // Signed ordinary queries get signed answers; the errors are the same over UDP.
    expect(await signedQuery(byKey.port, 'example.org.', 'SOA', { key: KEY })).toEqual({ rcode: 'NOERROR' });
    expect((await signedQuery(byKey.port, 'example.org.', 'SOA', { key: KEY, skew: -600 })).error).toMatch(/^PeerBadTime/);
    expect((await signedQuery(byKey.port, 'example.org.', 'SOA', { key: { ...KEY, name: 'other.test.' } })).error).toMatch(/^PeerBadKey/);
    // dig says so too.
    const out = await digOut(byKey.port, ['example.org', 'AXFR', '-y', `hmac-sha256:${KEY.name}:${Buffer.from('wrong').toString('base64')}`]);
    expect(out).toMatch(/BADSIG/);
  });

  it.skipIf(!haveCheck)('named-checkzone accepts what dig transferred', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-xfr-'));
    try {
      for (const zone of ['example.org.', '2.0.192.in-addr.arpa.', '64/26.100.51.198.in-addr.arpa.']) {
        const text = await digOut(byAddress.port, [zone, 'AXFR', '+onesoa']);
        const file = join(dir, 'z.zone');
        writeFileSync(file, text);
        const r = spawnSync('named-checkzone', [zone, file], { encoding: 'utf8' });
        expect(r.status, `${zone}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout).toContain('OK');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!havePy)('every example zone: the transfer is the export', () => {
  for (const paths of SOURCES) {
    it(paths.join(' '), async () => {
      const loaded = loadZones(paths);
      const s = await serveLoaded(loaded, { transfer: { allow: ['127.0.0.1'], keys: [] } });
      try {
        for (const { zone } of loaded.zones) {
          const name = nameToText(zone.origin);
          const r = await axfr(s.port, name);
          const exported = exportZone(zone);
          if (zone.unpublishable().length) {
            // Too many generic names to list: refused, and the export says what it leaves out.
            expect(r.error, name).toBe('rcode REFUSED');
            expect(exported).toMatch(/^; not listed: /m);
            continue;
          }
          expect(r.error, name).toBeUndefined();
          expect(r.records.slice(0, -1).sort(), name).toEqual((await zoneRecords(name, exported)).sort());
        }
      } finally {
        await s.stop();
      }
    });
  }
});

describe.skipIf(!havePy)('a 100,000-record zone', () => {
  let s: Running;
  let dir: string;
  const N = 100_000;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailns-big-'));
    const hosts = Array.from({ length: N }, (_, i) => `  h${i}: {ipv4: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}}`).join('\n');
    writeFileSync(join(dir, 'big.test.yaml'), `zone: big.test.\nsoa: {serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n${hosts}\n`);
    s = await startServer([dir], { keys: KEYS, transfer: { allow: [], keys: [KEY.name] } });
  }, 120_000);
  afterAll(async () => { await s?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('transfers whole, signed, in many messages, and queries are answered while it runs', async () => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    let done = false;
    const transfer = axfr(s.port, 'big.test.', KEY).finally(() => { done = true; });
    // Queries sent while the transfer is under way are answered before it ends (no timing bound: an order).
    const resolver = resolverFor(s.port);
    let answeredDuring = 0;
    while (!done) {
      const a = await resolver.resolve4('h7.big.test').catch(() => [] as string[]);
      if (!done && a.includes('10.0.0.7')) answeredDuring++;
    }
    const r = await transfer;
    const ms = performance.now() - t0;
    h.disable();
    expect(answeredDuring).toBeGreaterThan(0);
    expect(r.error).toBeUndefined();
    // SOA, 2 NS, 100,000 A, SOA.
    expect(r.records.length).toBe(N + 4);
    expect(new Set(r.records.filter((l) => / IN A /.test(l))).size).toBe(N);
    expect(r.messages).toBeGreaterThan(20);
    const [max, p99] = [h.max / 1e6, h.percentile(99) / 1e6];
    console.log(`100,000-record AXFR (TSIG hmac-sha256, dnspython verifying): ${Math.round(ms)} ms, ${r.messages} messages; event loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    // Figures, not thresholds (a loaded machine would make a bound flaky): the ones measured alone are in docs/replication-transfers.md.
    if (haveDig) {
      // dig reads faster than dnspython: the time of the transfer itself, a second time (the walk's order is kept).
      const g = monitorEventLoopDelay({ resolution: 1 });
      g.enable();
      const t1 = performance.now();
      const out = await digOut(s.port, ['big.test', 'AXFR', '-y', `hmac-sha256:${KEY.name}:${SECRET}`, '+onesoa']);
      const dms = performance.now() - t1;
      g.disable();
      expect(out).toMatch(/XFR size: 100004 records/);
      expect(out).not.toMatch(/Couldn't verify|Transfer failed/);
      console.log(`the same to dig -y (verifying): ${Math.round(dms)} ms; event loop delay p99 ${(g.percentile(99) / 1e6).toFixed(1)} ms, max ${(g.max / 1e6).toFixed(1)} ms`);
    }
  }, 120_000);
});
