import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadRetrievalQueries } from '../evals/retrieval.ts';
import { demoFiles, type Runtime } from '../runtime/index.ts';
import { ChunkIndexer } from '../search/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { demoSentences, rng, syntheticChunk, topicSubstitution } from './synthetic-corpus.ts';
import { ms, percentile, printTable } from './table.ts';

export const TARGET_CHUNKS = 100_000;
/** Bump when the synthetic corpus changes: the cached databases are rebuilt under the new name. */
const CORPUS_VERSION = 'v2';
export const PGLITE_CACHE = path.resolve(import.meta.dirname, `.cache/pglite-100k-${CORPUS_VERSION}`);
const SERVER_DB = `yz_bench_100k_${CORPUS_VERSION}`;
const CHUNKS_PER_SOURCE = 100;

async function chunkCount(rt: Runtime): Promise<number> {
  const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks');
  return rows[0].n;
}

/**
 * The demo corpus through the real pipeline, then synthetic sources of chunks recombined from its
 * sentences — each source with its own topic vocabulary (see topicSubstitution) — up to 100,000
 * chunks, indexed by the same ChunkIndexer; vectors are bulk-loaded with the
 * HNSW index rebuilt afterwards (faster than incremental inserts for a one-off load).
 */
export async function build100k(rt: Runtime, log: (s: string) => void): Promise<void> {
  if ((await chunkCount(rt)) >= TARGET_CHUNKS) return;
  const t0 = performance.now();
  await ingestFiles(rt, demoFiles(), { demo: true });
  const indexer = new ChunkIndexer(rt.tokenizer, rt.embedder);
  const { sentences, headings } = await demoSentences();
  const random = rng(42);
  const kinds = ['guideline', 'textbook', 'literature', 'case', 'other'];
  let have = await chunkCount(rt);
  let s = 0;
  while (have < TARGET_CHUNKS) {
    const sourceId = `src_bench_${String(s).padStart(5, '0')}`;
    await rt.db.query(
      `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, year, language, file_name, mime, byte_size, status, page_count)
       VALUES ($1, $1, 1, $1, $2, $3, $4, 'zh', $5, 'text/markdown', 0, 'ready', $6) ON CONFLICT DO NOTHING`,
      [sourceId, kinds[s % kinds.length], `合成基准文档 ${s}（benchmark）`, 2015 + (s % 11), `${sourceId}.md`, CHUNKS_PER_SOURCE / 4],
    );
    const substitute = topicSubstitution(random);
    const drafts = Array.from({ length: Math.min(CHUNKS_PER_SOURCE, TARGET_CHUNKS - have) }, (_, i) => ({
      ordinal: i,
      headingPath: headings[Math.floor(random() * headings.length)],
      pageStart: 1 + Math.floor(i / 4),
      pageEnd: 1 + Math.floor(i / 4),
      charStart: 0,
      text: syntheticChunk(random, sentences, substitute),
    }));
    const rows = indexer.prepare(sourceId, drafts);
    await rt.db.transaction(async (tx) => {
      await indexer.insert(tx, rows);
      await tx.query('UPDATE sources SET chunk_count = $2 WHERE id = $1', [sourceId, rows.length]);
    });
    have += rows.length;
    s++;
    if (s % 100 === 0) log(`  indexed ${have} chunks (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const index = `chunk_emb_hnsw_${rt.embedder.model.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${rt.embedder.dims}`;
  await rt.db.exec(`DROP INDEX IF EXISTS ${index}`);
  const { rows: srcs } = await rt.db.query<{ id: string }>('SELECT id FROM sources ORDER BY id');
  let embedded = 0;
  let logged = 0;
  for (const { id } of srcs) {
    for (;;) {
      const n = await indexer.embedPending(rt.db, id, 500);
      embedded += n;
      if (n === 0) break;
    }
    if (embedded - logged >= 10_000) {
      logged = embedded;
      log(`  embedded ${embedded} chunks (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  const tIdx = performance.now();
  await indexer.init(rt.db); // recreates the HNSW index over all vectors
  await rt.db.exec('ANALYZE');
  log(`  built in ${((performance.now() - t0) / 1000).toFixed(0)} s (HNSW build ${((performance.now() - tIdx) / 1000).toFixed(0)} s)`);
}

async function latency(rt: Runtime, mode: 'hybrid' | 'bm25' | 'vector') {
  const queries = loadRetrievalQueries().map((q) => q.query);
  for (const q of queries.slice(0, 20)) await rt.search.search({ q, mode }); // warm caches
  const times: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (const q of queries) {
      const t = performance.now();
      await rt.search.search({ q, mode, top: 10 });
      times.push(performance.now() - t);
    }
  }
  return { mode, n: times.length, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
}

async function measureStore(label: string, rt: Runtime) {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`[${label}] preparing ${TARGET_CHUNKS} chunks…`);
  await build100k(rt, log);
  const chunks = await chunkCount(rt);
  const out = [];
  for (const mode of ['hybrid', 'bm25', 'vector'] as const) out.push({ store: label, chunks, ...(await latency(rt, mode)) });
  return out;
}

export async function runSearchBench() {
  const rows = [];
  mkdirSync(PGLITE_CACHE, { recursive: true });
  const embedded = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE }, { inMemory: false });
  try {
    rows.push(...(await measureStore('PGlite (embedded)', embedded)));
  } finally {
    await embedded.close();
  }
  const admin = process.env.YZ_TEST_DATABASE_URL;
  if (admin) {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [SERVER_DB]);
    if (!exists.rowCount) await c.query(`CREATE DATABASE ${SERVER_DB}`);
    await c.end();
    const url = new URL(admin);
    url.pathname = `/${SERVER_DB}`;
    const server = await testRuntime({ DATABASE_URL: url.toString() }, { inMemory: false });
    try {
      rows.push(...(await measureStore('PostgreSQL 18 + pgvector', server)));
    } finally {
      await server.close();
    }
  }
  printTable(
    `Search latency, ${TARGET_CHUNKS.toLocaleString()} chunks, ${loadRetrievalQueries().length} authored queries × 2 passes (no LLM)`,
    ['store', 'mode', 'chunks', 'queries', 'p50', 'p95', 'max'],
    rows.map((r) => [r.store, r.mode, r.chunks, r.n, ms(r.p50), ms(r.p95), ms(r.max)]),
  );
  return rows;
}
