import { evaluateRetrieval, loadRetrievalQueries } from '../evals/retrieval.ts';
import { demoFiles } from '../runtime/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { printTable } from './table.ts';

export async function runQualityBench() {
  const rt = await testRuntime();
  try {
    await ingestFiles(rt, demoFiles(), { demo: true });
    const queries = loadRetrievalQueries();
    const scores = [];
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) scores.push(await evaluateRetrieval(rt, queries, mode));
    printTable(
      `Retrieval quality (${queries.length} authored Chinese queries with expected document + page; demo corpus)`,
      ['mode', 'recall@5', 'recall@10', 'MRR@10', 'missed (not in top 10)'],
      scores.map((s) => [s.mode, s.recallAt5.toFixed(3), s.recallAt10.toFixed(3), s.mrr.toFixed(3), s.misses.length]),
    );
    return scores;
  } finally {
    await rt.close();
  }
}
