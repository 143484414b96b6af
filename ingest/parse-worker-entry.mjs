// Entry of the parser threads (parse-pool.ts). The sources are TypeScript run through tsx; a worker
// thread does not inherit a loader reliably (vitest, `node --import tsx`, plain node), so it registers
// tsx itself before importing the tasks.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./parse.worker.ts');

export const parse = tasks.parse;
export const chunk = tasks.chunk;
export const warm = tasks.warm;
