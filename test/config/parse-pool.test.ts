/**
 * Files parsed on a worker thread load exactly as files parsed by the
 * loader itself: the same zones and records, the same findings at the same
 * places. Run with the built pool (a real worker thread) and with the pool
 * of the sources, whose worker script does not exist next to them: it must
 * fall back to parsing on the calling thread, not fail the load.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadableSets } from '../helpers/sets.js';

type Load = typeof import('../../src/server/load.js');
type Pool = typeof import('../../src/config/parse-pool.js');
type Export = typeof import('../../src/zone/export.js');

const built = {
  load: await import('../../dist/src/server/load.js') as unknown as Load,
  pool: await import('../../dist/src/config/parse-pool.js') as unknown as Pool,
  exp: await import('../../dist/src/zone/export.js') as unknown as Export,
};
const sources = {
  load: await import('../../src/server/load.js'),
  pool: await import('../../src/config/parse-pool.js'),
  exp: await import('../../src/zone/export.js'),
};

function summary(m: typeof built, r: ReturnType<Load['loadZones']>) {
  return {
    zones: r.zones.map((z) => m.exp.exportZone(z.zone)),
    problems: r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.severity} ${p.rule} ${p.message}`),
    failed: r.failed,
  };
}

describe('the parse pool', () => {
  const pools: { close(): void }[] = [];
  afterAll(() => { for (const p of pools) p.close(); });

  for (const [name, m] of [['built, with a worker thread', built], ['from the sources, falling back to this thread', sources]] as const) {
    it(`${name}: every set loads as the loader alone loads it`, async () => {
      const pool = new m.pool.ParsePool(2);
      pools.push(pool);
      let compared = 0;
      for (const dir of loadableSets()) {
        const now = new Date('2026-12-07T00:00:00Z');
        const alone = summary(m as typeof built, m.load.loadZones([dir], { now }));
        const pooled = summary(m as typeof built, await m.load.loadZonesInSlices([dir], { now, pool }, Infinity));
        expect(pooled, dir).toEqual(alone);
        pool.close();
        // The first start's way: this thread parses whatever no worker has taken yet.
        const shared = summary(m as typeof built, await m.load.loadZonesInSlices([dir], { now, pool, parseHere: true }, 10));
        expect(shared, dir).toEqual(alone);
        compared += alone.zones.length + alone.problems.length;
        pool.close();
      }
      expect(compared).toBeGreaterThan(50);
      // Which thread parsed: the built pool's workers (and this thread, when it took a file no worker had), the sources' calling thread.
      if (m === built) expect(pool.parsed.worker).toBeGreaterThan(15);
      else expect(pool.parsed).toMatchObject({ worker: 0 });
      expect(pool.parsed.worker + pool.parsed.here).toBeGreaterThan(15);
    });
  }

  it('parseHere takes the files no worker has been handed yet, first asked first, and only those', async () => {
    const pool = new built.pool.ParsePool(1);
    pools.push(pool);
    const examples = readdirSync('zones').filter((f) => f.endsWith('.yaml')).map((f) => join('zones', f));
    const held = built.pool.IN_FLIGHT;
    const files = Array.from({ length: held + 2 }, (_, i) => examples[i % examples.length]!);
    const reads = files.map((f) => pool.read(f));
    // One worker holds IN_FLIGHT at a time: the other two wait, and this thread takes them.
    expect(pool.parseHere()).toBe(true);
    expect(pool.parseHere()).toBe(true);
    expect(pool.parseHere()).toBe(false);
    const results = (await Promise.all(reads)).map((take) => take());
    expect(pool.parsed).toEqual({ worker: held, here: 2 });
    // Each read settles with its own file, wherever it was parsed.
    expect(results.map((r) => r.parsed?.file)).toEqual(files);
    expect(results.every((r) => r.parsed && r.problems.length === 0)).toBe(true);
    pool.close();
  });
});
