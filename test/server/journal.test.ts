/**
 * The IXFR journal (src/server/journal.ts): a change recorded per serial
 * that moves, in the state directory and back after a restart, bounded by
 * size and by age (the oldest change first), dropped when it does not end
 * at the copy served or the file is damaged; and the transfer metrics that
 * tell an incremental IXFR from one answered in full.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Journals, type JournalLimits } from '../../src/server/journal.js';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { recordLine } from '../../src/zone/export.js';
import type { ZoneChange } from '../../src/query/ixfr.js';
import { requireTool } from '../helpers/nsd.js';
import { serveLoaded } from '../helpers/server.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'mailns-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The zone at serial 2026120700 + n, with hosts h0..h(n-1) and host www at 192.0.2.(n+1). */
function version(n: number): LoadResult {
  const dir = join(root, `v${n}`);
  mkdirSync(dir, { recursive: true });
  const hosts = Array.from({ length: n }, (_, i) => `  h${i}: {ipv4: 10.0.0.${i + 1}}\n`).join('');
  writeFileSync(join(dir, 'j.test.yaml'), `zone: j.test.\nsoa: {serial: ${2026120700 + n}}\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.${n + 1}}\n${hosts}`);
  const r = loadZones([dir]);
  expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return r;
}
const V = [0, 1, 2, 3].map(version);
const zoneOf = (r: LoadResult) => r.zones[0]!.zone;

function journal(state: string, limits: Partial<JournalLimits> = {}, clock = { now: 1_000_000 }) {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
  const j = new Journals(state, { maxBytes: 1 << 20, maxAgeMs: 86_400_000, ...limits }, log, () => clock.now);
  return { j, lines, clock };
}

const text = (c: ZoneChange) => ({
  from: recordLine(c.oldSoa.rrset, c.oldSoa.rdata).split('\t').at(-1)!.split(' ')[2],
  removed: c.removed.map((r) => recordLine(r.rrset, r.rdata)).sort(),
  added: c.added.map((r) => recordLine(r.rrset, r.rdata)).sort(),
});

describe('the IXFR journal', () => {
  it('records each change, keeps it in the state directory, and reads it back after a restart', async () => {
    const state = join(root, 'restart');
    const { j } = journal(state);
    j.started(V[0]!.zones);
    await j.loaded(V[0]!.zones, V[1]!.zones);
    await j.loaded(V[1]!.zones, V[2]!.zones);
    const changes = j.lookup(zoneOf(V[2]!))!;
    expect(changes.map(text)).toEqual([
      { from: '2026120700', removed: ['www.j.test.\t3600\tIN\tA\t192.0.2.1'], added: ['h0.j.test.\t3600\tIN\tA\t10.0.0.1', 'www.j.test.\t3600\tIN\tA\t192.0.2.2'] },
      { from: '2026120701', removed: ['www.j.test.\t3600\tIN\tA\t192.0.2.2'], added: ['h1.j.test.\t3600\tIN\tA\t10.0.0.2', 'www.j.test.\t3600\tIN\tA\t192.0.2.3'] },
    ]);
    expect(readdirSync(join(state, 'ixfr'))).toEqual(['j.test.ixfr.json']);
    const again = journal(state);
    again.j.started(V[2]!.zones);
    const back = again.j.lookup(zoneOf(V[2]!))!;
    expect(back.map(text)).toEqual(changes.map(text));
    // The records come back whole: wire RDATA, and names that compress again.
    expect(back[0]!.added[0]!.rdata.wire).toEqual(changes[0]!.added[0]!.rdata.wire);
    expect(back[0]!.newSoa.rdata.parts.filter((p) => !Buffer.isBuffer(p)).length).toBe(2);
    expect(again.lines.find((l) => l.msg === 'IXFR journal loaded')).toMatchObject({ zone: 'j.test.', changes: 2, from: 2026120700, serial: 2026120702 });
  });

  it('drops the oldest changes beyond the size limit, and those older than the age limit', async () => {
    // Each change is about 420 octets in the file (the two SOAs most of it): 1,200 hold two of the three.
    const sized = journal(join(root, 'size'), { maxBytes: 1200 });
    await sized.j.loaded(V[0]!.zones, V[1]!.zones);
    await sized.j.loaded(V[1]!.zones, V[2]!.zones);
    const file = join(root, 'size', 'ixfr', 'j.test.ixfr.json');
    const two = statSync(file).size;
    expect(two).toBeLessThanOrEqual(1200);
    await sized.j.loaded(V[2]!.zones, V[3]!.zones);
    expect(sized.j.lookup(zoneOf(V[3]!))!.map((c) => text(c).from)).toEqual(['2026120701', '2026120702']);
    expect(statSync(file).size).toBeLessThanOrEqual(1200);
    const none = journal(join(root, 'none'), { maxBytes: 0 });
    await none.j.loaded(V[0]!.zones, V[1]!.zones);
    expect(none.j.lookup(zoneOf(V[1]!))).toEqual([]);
    expect(existsSync(join(root, 'none', 'ixfr', 'j.test.ixfr.json'))).toBe(false);
    const aged = journal(join(root, 'age'), { maxAgeMs: 3_600_000 });
    await aged.j.loaded(V[0]!.zones, V[1]!.zones);
    aged.clock.now += 3_000_000;
    await aged.j.loaded(V[1]!.zones, V[2]!.zones);
    aged.clock.now += 1_000_000;
    await aged.j.loaded(V[2]!.zones, V[3]!.zones);
    expect(aged.j.lookup(zoneOf(V[3]!))!.map((c) => text(c).from)).toEqual(['2026120701', '2026120702']);
  });

  it('is dropped when it ends at another copy, when the serial goes down, or when its file is damaged', async () => {
    const state = join(root, 'drop');
    const { j } = journal(state);
    await j.loaded(V[0]!.zones, V[1]!.zones);
    const other = journal(state);
    other.j.started(V[2]!.zones);
    expect(other.j.lookup(zoneOf(V[2]!))).toBeUndefined();
    expect(other.lines.map((l) => l.msg)).toContain('IXFR journal dropped: it ends at serial 2026120701, and serial 2026120702 is served');
    expect(existsSync(join(state, 'ixfr', 'j.test.ixfr.json'))).toBe(false);
    await j.loaded(V[1]!.zones, V[0]!.zones);
    expect(j.lookup(zoneOf(V[0]!))).toBeUndefined();
    await j.loaded(V[0]!.zones, V[1]!.zones);
    writeFileSync(join(state, 'ixfr', 'j.test.ixfr.json'), '{"version":1,"zone":"j.test.","serial":2026120701,"digest":"' + V[1]!.zones[0]!.digest + '","changes":[{"at":1}]}');
    const damaged = journal(state);
    damaged.j.started(V[1]!.zones);
    expect(damaged.j.lookup(zoneOf(V[1]!))).toBeUndefined();
    expect(damaged.lines.find((l) => l.msg === 'IXFR journal dropped: the file cannot be used')).toMatchObject({ zone: 'j.test.' });
  });

  it('goes with its zone when the zone is retired (no file defines it any more)', async () => {
    const state = join(root, 'retire');
    const { j, lines } = journal(state);
    await j.loaded(V[0]!.zones, V[1]!.zones);
    expect(existsSync(join(state, 'ixfr', 'j.test.ixfr.json'))).toBe(true);
    await j.loaded(V[1]!.zones, []);
    expect(j.lookup(zoneOf(V[1]!))).toBeUndefined();
    expect(existsSync(join(state, 'ixfr', 'j.test.ixfr.json'))).toBe(false);
    expect(lines.find((l) => l.msg === 'IXFR journal dropped: the zone is retired')).toMatchObject({ zone: 'j.test.' });
  });
});

describe.skipIf(!requireTool('dig'))('transfer metrics', () => {
  it('tell an incremental IXFR (TCP or UDP) from one answered in full and one answered with our SOA alone', async () => {
    const { j } = journal(join(root, 'metrics'));
    await j.loaded(V[0]!.zones, V[1]!.zones);
    const metrics = new ServerMetrics();
    const s = await serveLoaded(V[1]!, { journal: j.lookup, metrics, transfer: { allow: ['127.0.0.1'], keys: [] } });
    try {
      const dig = (...a: string[]) => run('dig', ['@127.0.0.1', '-p', String(s.port), '+tries=1', 'j.test', ...a]);
      await dig('IXFR=2026120700');
      await dig('IXFR=2026120700', '+notcp');
      await dig('IXFR=2026110000');
      await dig('IXFR=2026120701');
      await dig('AXFR');
      const text = await metrics.registry.metrics();
      const count = (kind: string, outcome: string) => Number(new RegExp(`mailns_transfers_total\\{zone="j.test.",kind="${kind}",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      expect([count('IXFR', 'incremental'), count('IXFR', 'full'), count('IXFR', 'up-to-date'), count('AXFR', 'started')]).toEqual([2, 1, 1, 1]);
    } finally {
      await s.stop();
    }
  });
});
