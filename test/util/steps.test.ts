/**
 * The step runner the loader, the lint and the IXFR journal share: run at
 * once, or in slices that let the event loop run between them. A slice
 * ends when its time is up even when every step waits for a promise that is
 * already settled (a file parsed on this thread comes back as one): such a
 * wait resumes before any I/O, and once let a reload run for a second
 * without answering.
 */
import { describe, expect, it } from 'vitest';
import { runInSlices, runSteps, type Steps } from '../../src/util/steps.js';

/** `n` steps of about `ms` of work each, each waiting for a settled promise (or not), returning its count. */
function* busy(n: number, ms: number, settled: boolean): Steps<number> {
  let done = 0;
  for (let i = 0; i < n; i++) {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* work */ }
    done += settled ? ((yield Promise.resolve(1)) as number) : 1;
    if (!settled) yield;
  }
  return done;
}

describe('runInSlices', () => {
  for (const settled of [false, true]) {
    it(`lets I/O callbacks run between slices${settled ? ', also when each step waits for a settled promise' : ''}`, async () => {
      let turns = 0;
      let running = true;
      const tick = () => { turns++; if (running) setImmediate(tick); };
      setImmediate(tick);
      const result = await runInSlices(busy(60, 1, settled), 4);
      running = false;
      expect(result).toBe(60);
      // 60 ms of work in slices of about 4 ms: the event loop had many turns in between (without slicing, one or none).
      expect(turns).toBeGreaterThan(5);
    });
  }

  it('hands each waited promise its value back, and runSteps refuses steps that wait', async () => {
    expect(await runInSlices(busy(3, 0, true), Infinity)).toBe(3);
    expect(() => runSteps(busy(1, 0, true))).toThrow(/runInSlices/);
    expect(runSteps(busy(3, 0, false))).toBe(3);
  });
});
