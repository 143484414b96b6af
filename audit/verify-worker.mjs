// Worker entry for audit verify: the project runs TypeScript through tsx (see cli/bin.mjs), and a
// worker thread does not inherit the main thread's loader, so it registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./verify-worker.ts');
