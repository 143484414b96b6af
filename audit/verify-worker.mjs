// Worker entry for audit verify. Compiled (dist/, see scripts/build-server.mjs) it imports its JavaScript
// neighbour; from the sources it registers tsx first, since a worker thread does not inherit the main thread's loader.
import { existsSync } from 'node:fs';

const compiled = new URL('./verify-worker.js', import.meta.url);
if (existsSync(compiled)) await import(compiled.href);
else {
  (await import('tsx/esm/api')).register();
  await import('./verify-worker.ts');
}
