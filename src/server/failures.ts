/**
 * Failures inside the answering path (a lookup that throws, a handler that
 * fails) are counted per kind and logged, at most once per interval per
 * kind with the number suppressed since: a flood of bad cases can neither
 * hide (every one is counted) nor fill the disk with log lines.
 */
import type { Logger } from 'pino';

export class FailureLog {
  /** Failures per kind since start, for metrics and tests. */
  readonly counts = new Map<string, number>();
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly log: Logger, private readonly intervalMs = 10_000, private readonly now: () => number = () => performance.now()) {}

  report(kind: string, fields: Record<string, unknown>, message: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const t = this.now();
    const seen = this.last.get(kind);
    if (seen && t - seen.at < this.intervalMs) { seen.suppressed++; return; }
    this.log.error({ ...fields, kind, count: this.counts.get(kind), suppressed: seen?.suppressed ?? 0 }, message);
    this.last.set(kind, { at: t, suppressed: 0 });
  }
}
