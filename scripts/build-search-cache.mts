// Builds (or resumes) the search bench's cached corpus without measuring: `npx tsx scripts/build-search-cache.mts --chunks=N`.
import { mkdirSync } from 'node:fs';
import { build100k, PGLITE_CACHE } from '../bench/search.bench.ts';
import { testRuntime } from '../tests/helpers/runtime.ts';

mkdirSync(PGLITE_CACHE, { recursive: true });
const rt = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE }, { inMemory: false });
try {
  await build100k(rt, (s) => process.stdout.write(`${s}\n`));
} finally {
  await rt.close();
}
