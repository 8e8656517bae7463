/**
 * Long work written once as a generator of steps (each `yield` a point where
 * it may pause), run either at once or in slices that let the event loop
 * answer queries in between (a reload: src/server/load.ts, the IXFR journal).
 * A step may also yield a promise (a file parsed on a worker thread): the
 * sliced runner waits for it and hands its value back; work that yields
 * promises can only be run sliced.
 */

export type Steps<T> = Generator<void | Promise<unknown>, T, unknown>;

/** Runs the steps to the end, now (they must not wait for a promise). */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (r.value) throw new Error('runSteps: these steps wait for a promise; run them with runInSlices');
  }
}

/** Runs the steps in slices of about `sliceMs` of work, a turn of the event loop between slices (Infinity: only to wait). */
export async function runInSlices<T>(steps: Steps<T>, sliceMs = 4): Promise<T> {
  let start = performance.now();
  let given: unknown;
  for (;;) {
    const r = steps.next(given);
    given = undefined;
    if (r.done) return r.value;
    // A promise already settled (a file parsed on this thread) resumes in a microtask, before any I/O:
    // waiting for one is not a turn of the event loop, so the slice goes on until its time is up.
    if (r.value) given = await r.value;
    if (performance.now() - start >= sliceMs) {
      await new Promise((ok) => setImmediate(ok));
      start = performance.now();
    }
  }
}
