import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadRetrievalQueries } from '../evals/retrieval.ts';
import { demoFiles, type Runtime } from '../runtime/index.ts';
import { ChunkIndexer, indexText } from '../search/index.ts';
import { buildPeers } from './peers.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { demoSentences, rng, syntheticChunk, topicSubstitution } from './synthetic-corpus.ts';
import { ms, percentile, printTable } from './table.ts';

export const TARGET_CHUNKS = 100_000;
/** Bump when the synthetic corpus changes: the cached databases are rebuilt under the new name. */
const CORPUS_VERSION = 'v3';
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
    const title = `合成基准文档 ${s}（benchmark）`;
    await rt.db.query(
      `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, year, language, file_name, mime, byte_size, status, page_count)
       VALUES ($1, $1, 1, $1, $2, $3, $4, 'zh', $5, 'text/markdown', 0, 'ready', $6) ON CONFLICT DO NOTHING`,
      [sourceId, kinds[s % kinds.length], title, 2015 + (s % 11), `${sourceId}.md`, CHUNKS_PER_SOURCE / 4],
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
    const rows = indexer.prepare(sourceId, drafts, title);
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
  await indexer.compact(rt.db, { all: true });
  const tIdx = performance.now();
  await indexer.init(rt.db); // recreates the HNSW index over all vectors
  await rt.db.exec('ANALYZE');
  log(`  built in ${((performance.now() - t0) / 1000).toFixed(0)} s (HNSW build ${((performance.now() - tIdx) / 1000).toFixed(0)} s)`);
}

function stats(times: number[]) {
  return { n: times.length, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
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
  return { mode, ...stats(times) };
}

/** Sizes of what search stores, in MB: chunk rows, posting lists, vectors and their indexes. */
async function storageMb(rt: Runtime) {
  const { rows } = await rt.db.query<{ chunks: number; postings: number; vectors: number; segments: number; terms: number }>(
    `SELECT pg_total_relation_size('chunks')::float8 / 1048576 AS chunks,
            pg_total_relation_size('search_postings')::float8 / 1048576 AS postings,
            pg_total_relation_size('chunk_embeddings')::float8 / 1048576 AS vectors,
            (SELECT count(*)::int FROM search_segments) AS segments,
            (SELECT count(DISTINCT term)::int FROM search_postings) AS terms`,
  );
  return rows[0];
}

/**
 * FlexSearch, MiniSearch and the exact bigram BM25 over the very chunks of this store, the same queries:
 * latency, build time, heap, and recall@10 (expected document + page) beside ours.
 */
async function peerRows(rt: Runtime, label: string) {
  const { rows } = await rt.db.query<{ id: string; heading_path: string[]; text: string; source_id: string; page_start: number; page_end: number; file_name: string }>(
    `SELECT c.id, c.heading_path, c.text, c.source_id, c.page_start, c.page_end, s.file_name FROM chunks c JOIN sources s ON s.id = c.source_id ORDER BY c.seq`,
  );
  const meta = new Map(rows.map((r) => [r.id, r]));
  const peers = await buildPeers(rows.map((r) => ({ id: r.id, text: indexText(r.heading_path, r.text) })));
  const queries = loadRetrievalQueries();
  const relevant = (id: string, q: (typeof queries)[number]) => {
    const m = meta.get(id);
    return !!m && q.expected.some((e) => m.file_name.replace(/\.(md|pdf)$/, '') === e.doc && e.page >= m.page_start && e.page <= m.page_end);
  };
  const out = [];
  for (const p of peers) {
    for (const q of queries.slice(0, 20)) p.search(q.query, 10);
    const times: number[] = [];
    let found = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of queries) {
        const t = performance.now();
        const ids = p.search(q.query, 10);
        times.push(performance.now() - t);
        if (pass === 0 && ids.some((id) => relevant(id, q))) found++;
      }
    }
    out.push({ store: label, mode: p.name, chunks: rows.length, ...stats(times), recallAt10: found / queries.length, buildS: p.buildMs / 1000, heapMb: p.heapMb });
  }
  return out;
}

async function measureStore(label: string, rt: Runtime, withPeers: boolean) {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`[${label}] preparing ${TARGET_CHUNKS} chunks…`);
  await build100k(rt, log);
  const chunks = await chunkCount(rt);
  const out: Array<Record<string, unknown> & { store: string; mode: string; n: number; p50: number; p95: number; max: number }> = [];
  for (const mode of ['hybrid', 'bm25', 'vector'] as const) out.push({ store: label, chunks, ...(await latency(rt, mode)) });
  const size = await storageMb(rt);
  log(`[${label}] storage: chunks ${size.chunks.toFixed(0)} MB, posting lists ${size.postings.toFixed(0)} MB (${size.terms} terms, ${size.segments} segments), vectors ${size.vectors.toFixed(0)} MB`);
  if (withPeers) out.push(...(await peerRows(rt, label)));
  return { rows: out, size };
}

export async function runSearchBench() {
  const rows: Array<Record<string, unknown> & { store: string; mode: string; n: number; p50: number; p95: number; max: number }> = [];
  const sizes: Array<Record<string, unknown>> = [];
  mkdirSync(PGLITE_CACHE, { recursive: true });
  const embedded = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE }, { inMemory: false });
  try {
    const m = await measureStore('PGlite (embedded)', embedded, true);
    rows.push(...m.rows);
    sizes.push({ store: 'PGlite (embedded)', ...m.size });
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
      const m = await measureStore('PostgreSQL 18 + pgvector', server, false);
      rows.push(...m.rows);
      sizes.push({ store: 'PostgreSQL 18 + pgvector', ...m.size });
    } finally {
      await server.close();
    }
  }
  printTable(
    `Search latency, ${TARGET_CHUNKS.toLocaleString()} chunks, ${loadRetrievalQueries().length} authored queries × 2 passes (no LLM); peers in-process on the same chunks and queries`,
    ['store', 'engine / mode', 'chunks', 'queries', 'p50', 'p95', 'max', 'recall@10', 'build', 'heap'],
    rows.map((r) => [
      r.store, r.mode, String(r.chunks), r.n, ms(r.p50), ms(r.p95), ms(r.max),
      typeof r.recallAt10 === 'number' ? r.recallAt10.toFixed(3) : '(quality bench)',
      typeof r.buildS === 'number' ? `${r.buildS.toFixed(1)} s` : '—', typeof r.heapMb === 'number' ? `${r.heapMb.toFixed(0)} MB` : '—',
    ]),
  );
  printTable(
    'Search storage (MB): chunk rows (text, tokens), posting lists of words + CJK bigrams + codes + entities, vectors with HNSW',
    ['store', 'chunks', 'posting lists', 'terms', 'segments', 'vectors'],
    sizes.map((s) => [String(s.store), Number(s.chunks).toFixed(0), Number(s.postings).toFixed(0), String(s.terms), String(s.segments), Number(s.vectors).toFixed(0)]),
  );
  return { rows, sizes };
}
