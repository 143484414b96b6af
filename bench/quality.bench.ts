import { evaluateRetrieval, loadRetrievalQueries } from '../evals/retrieval.ts';
import { demoFiles } from '../runtime/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { PGLITE_CACHE } from './search.bench.ts';
import { printTable } from './table.ts';

export async function runQualityBench() {
  const rt = await testRuntime();
  const queries = loadRetrievalQueries();
  const scores = [];
  try {
    await ingestFiles(rt, demoFiles(), { demo: true });
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) scores.push(await evaluateRetrieval(rt, queries, mode));
  } finally {
    await rt.close();
  }
  // The same questions with the demo documents hidden among 100,000 chunks (the cached search corpus).
  const haystack = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE }, { inMemory: false });
  try {
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
      const s = await evaluateRetrieval(haystack, queries, mode);
      scores.push({ ...s, mode: `${mode} (100k chunks)` as typeof s.mode });
    }
  } finally {
    await haystack.close();
  }
  printTable(
    `Retrieval quality (${queries.length} authored Chinese queries with expected document + page)`,
    ['mode', 'recall@5', 'recall@10', 'MRR@10', 'missed (not in top 10)'],
    scores.map((s) => [s.mode, s.recallAt5.toFixed(3), s.recallAt10.toFixed(3), s.mrr.toFixed(3), s.misses.length]),
  );
  return scores;
}
