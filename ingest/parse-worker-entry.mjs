// Entry of the parser threads (parse-pool.ts). Compiled (dist/, see scripts/build-server.mjs) it imports its
// JavaScript neighbour; from the sources it registers tsx first, since a worker thread does not inherit a
// loader reliably (vitest, `node --import tsx`, plain node).
import { existsSync } from 'node:fs';

const compiled = new URL('./parse.worker.js', import.meta.url);
if (!existsSync(compiled)) (await import('tsx/esm/api')).register();
const tasks = existsSync(compiled) ? await import(compiled.href) : await import('./parse.worker.ts');

export const parse = tasks.parse;
export const chunk = tasks.chunk;
export const warm = tasks.warm;
