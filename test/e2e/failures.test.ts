/**
 * A lookup that throws is answered SERVFAIL, and the failure is not lost:
 * it is counted and logged with the zone and the question, at most once per
 * interval per kind (the next line says how many were suppressed).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseName } from '../../src/util/name.js';
import { CLASS, TYPE } from '../../src/wire/constants.js';
import { parseRdata } from '../../src/wire/rdata.js';
import { makeRRset } from '../../src/wire/rrset.js';
import { Catalog, Zone } from '../../src/zone/zone.js';
import { DnsServer } from '../../src/server/server.js';
import { FailureLog } from '../../src/server/failures.js';
import { resolverFor } from '../helpers/server.js';

const origin = parseName('fail.test.');
const soa = makeRRset(origin, TYPE.SOA, CLASS.IN, 3600, [parseRdata(TYPE.SOA, ['ns.fail.test.', 'h.fail.test.', '1', '7200', '3600', '1209600', '300'], origin)]);
const www = makeRRset(parseName('www.fail.test.'), TYPE.A, CLASS.IN, 3600, [parseRdata(TYPE.A, ['192.0.2.1'], origin)]);
// Names the trie does not hold go to the synthesizers: this one is broken.
const broken = { lookup(): never { throw new Error('synthesizer broke'); } };

describe('a lookup that throws', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); done(); } });
  let server: DnsServer;
  let port = 0;
  beforeAll(async () => {
    const built = Zone.build(origin, [soa, www], [broken]);
    if (!('zone' in built)) throw new Error(built.error);
    server = new DnsServer(new Catalog([built.zone]), { listen: [{ host: '127.0.0.1', port: 0 }], chaos: { version: false, identity: false } }, pino({ level: 'info' }, sink));
    await server.start();
    port = server.bound.udp[0]!.port;
  });
  afterAll(async () => server?.stop());

  it('gets SERVFAIL (Node resolver), while other names still answer', async () => {
    const r = resolverFor(port);
    await expect(r.resolve4('nosuch.fail.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(await r.resolve4('www.fail.test')).toEqual(['192.0.2.1']);
  });

  it('is counted every time and logged with the zone and question, rate-limited', async () => {
    const r = resolverFor(port);
    for (let i = 0; i < 30; i++) await r.resolve4(`n${i}.fail.test`).catch(() => undefined);
    expect(server.failures.counts.get('lookup')).toBe(31);
    await new Promise((res) => setImmediate(res));
    const logged = lines.filter((l) => l.msg === 'lookup failed; answered SERVFAIL');
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThan(31);
    expect(logged[0]).toMatchObject({ level: 50, zone: 'fail.test.', qname: 'nosuch.fail.test.', qtype: 'A', kind: 'lookup', count: 1, err: { message: 'synthesizer broke' } });
  });
});

describe('FailureLog', () => {
  it('logs the first failure of a kind, then one line per interval saying how many it suppressed', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); done(); } });
    let t = 0;
    const f = new FailureLog(pino({ level: 'info' }, sink), 1000, () => t);
    for (let i = 0; i < 5; i++) f.report('lookup', { i }, 'boom');
    f.report('handler', {}, 'other');
    t = 1500;
    f.report('lookup', { i: 5 }, 'boom');
    await new Promise((res) => setImmediate(res));
    expect(lines.map((l) => [l.kind, l.i, l.count, l.suppressed])).toEqual([['lookup', 0, 1, 0], ['handler', undefined, 1, 0], ['lookup', 5, 6, 4]]);
  });
});
