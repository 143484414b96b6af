import { setImmediate } from 'node:timers/promises';

/**
 * Let the event loop run pending I/O (an HTTP request, a health check) before continuing. PGlite runs
 * each statement synchronously in WebAssembly and resolves without a macrotask in between, so a loop of
 * statements never yields on its own: long writes call this between batches.
 */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
