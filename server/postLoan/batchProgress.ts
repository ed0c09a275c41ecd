import type { BatchProgress } from './contracts.js';

/**
 * Counts a long batch's progress and reports it (a log line, the benchmark's terminal) at most every
 * `everyMs`: processed of total, changed, rate and ETA. Time comes from `now` (injected).
 */
export class BatchProgressMeter {
  private processed = 0;
  private changed = 0;
  private lastReport: number;
  private readonly started: number;

  constructor(
    private readonly head: { readonly kind: string; readonly businessDate: string; readonly total: number },
    private readonly report: (progress: BatchProgress) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly everyMs = 5_000,
  ) {
    this.started = now();
    this.lastReport = this.started;
  }

  add(processed: number, changed: number): void {
    this.processed += processed;
    this.changed += changed;
    if (this.now() - this.lastReport >= this.everyMs) this.flush();
  }

  /** Reports now (the last line of a batch). */
  flush(): BatchProgress {
    const t = this.now();
    this.lastReport = t;
    const seconds = Math.max(0.001, (t - this.started) / 1000);
    const ratePerSecond = Math.round(this.processed / seconds);
    const left = Math.max(0, this.head.total - this.processed);
    const progress: BatchProgress = {
      kind: this.head.kind,
      businessDate: this.head.businessDate,
      processed: this.processed,
      total: this.head.total,
      changed: this.changed,
      ratePerSecond,
      etaSeconds: ratePerSecond > 0 ? Math.round(left / ratePerSecond) : null,
    };
    this.report(progress);
    return progress;
  }
}

/** The progress line people read: `eod 2026-03-01: 120000/480000 lines (25.0%), 9800 changed, 4100/s, ETA 88 s`. */
export const progressLine = (p: BatchProgress): string =>
  `${p.kind} ${p.businessDate}: ${p.processed}/${p.total} lines (${p.total ? ((100 * p.processed) / p.total).toFixed(1) : '100.0'}%), ${p.changed} changed, ${p.ratePerSecond}/s, ETA ${p.etaSeconds ?? '?'} s`;
