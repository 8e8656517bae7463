/**
 * Long work written once as a generator of steps (each `yield` a point where
 * it may pause), run either at once or in slices that let the event loop
 * answer queries in between (a reload: src/server/load.ts, the IXFR journal).
 */

export type Steps<T> = Generator<void, T, void>;

/** Runs the steps to the end, now. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps in slices of about `sliceMs` of work, a turn of the event loop between slices. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs = 4): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start >= sliceMs) {
      await new Promise((ok) => setImmediate(ok));
      start = performance.now();
    }
  }
}
