import { setImmediate } from 'node:timers/promises';

/**
 * Let the event loop run pending I/O (an HTTP request, a health check) before continuing. PGlite runs
 * each statement synchronously in WebAssembly and resolves without a macrotask in between, so a loop of
 * statements never yields on its own: long writes call this between batches.
 */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}

/**
 * The next batch size for work whose duration grows with the batch (inserts into the embedded database):
 * aimed at `targetMs` per batch from the last measurement, shrinking at once after a slow batch and
 * growing at most twofold after a fast one.
 */
export function nextBatchSize(size: number, tookMs: number, bounds: { targetMs: number; min: number; max: number }): number {
  const fitted = (size * bounds.targetMs) / Math.max(1, tookMs);
  return Math.round(Math.max(bounds.min, Math.min(fitted, size * 2, bounds.max)));
}
