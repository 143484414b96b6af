import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadRetrievalQueries } from '../evals/retrieval.ts';
import { demoFiles, type Runtime } from '../runtime/index.ts';
import { ChunkIndexer, indexText, type SearchTuning } from '../search/index.ts';
import { toVectorLiteral } from '../store/index.ts';
import { buildPeers } from './peers.ts';
import { exactTopK, hnswPeer } from './vector-peers.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { demoSentences, rng, syntheticChunk, topicSubstitution } from './synthetic-corpus.ts';
import { ms, percentile, printTable } from './table.ts';

/**
 * Corpus size: 100,000 chunks (the targets' scale), or `--chunks=N` for a quicker run (e.g.
 * `npm run bench -- search --chunks=20000`); each size has its own cached database.
 */
export const TARGET_CHUNKS = chunksOption(process.argv);
/** Bump when the synthetic corpus changes: the cached databases are rebuilt under the new name. */
const CORPUS_VERSION = 'v3';
const SIZE = TARGET_CHUNKS === 100_000 ? '100k' : `${TARGET_CHUNKS}`;
export const PGLITE_CACHE = path.resolve(import.meta.dirname, `.cache/pglite-${SIZE}-${CORPUS_VERSION}`);
const SERVER_DB = `yz_bench_${SIZE}_${CORPUS_VERSION}`;

function chunksOption(argv: string[]): number {
  const arg = argv.find((a) => a.startsWith('--chunks='));
  const n = arg ? Number(arg.slice('--chunks='.length)) : 100_000;
  if (!Number.isInteger(n) || n < 1_000) throw new Error(`--chunks must be an integer ≥ 1000, got ${arg}`);
  return n;
}
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
  const t0 = performance.now();
  const indexer = new ChunkIndexer(rt.tokenizer, rt.embedder);
  // Each phase resumes where an interrupted build stopped: chunks, then vectors, then compaction and HNSW.
  if ((await chunkCount(rt)) < TARGET_CHUNKS) await indexChunks(rt, indexer, log, t0);
  if ((await embeddedCount(rt)) < (await chunkCount(rt))) {
    const index = `chunk_emb_hnsw_${rt.embedder.model.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${rt.embedder.dims}`;
    await rt.db.exec(`DROP INDEX IF EXISTS ${index}`);
    const { rows: srcs } = await rt.db.query<{ id: string }>('SELECT id FROM sources ORDER BY id');
    let embedded = await embeddedCount(rt);
    let logged = embedded;
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
  }
  const { rows: segs } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM search_segments');
  if (segs[0].n > 1) {
    const before = await indexer.indexSizeBytes(rt.db);
    await indexer.compact(rt.db, { all: true });
    log(`  compacted ${segs[0].n} segments (${((performance.now() - t0) / 1000).toFixed(0)} s): posting index ${mb(before)} MB → ${mb(await indexer.indexSizeBytes(rt.db))} MB`);
  }
  const tIdx = performance.now();
  await indexer.init(rt.db); // (re)creates the HNSW index over all vectors when it is missing
  await rt.db.exec('ANALYZE');
  log(`  ready in ${((performance.now() - t0) / 1000).toFixed(0)} s (HNSW ${((performance.now() - tIdx) / 1000).toFixed(0)} s)`);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

async function embeddedCount(rt: Runtime): Promise<number> {
  const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunk_embeddings WHERE model = $1', [rt.embedder.model]);
  return rows[0].n;
}

async function indexChunks(rt: Runtime, indexer: ChunkIndexer, log: (s: string) => void, t0: number): Promise<void> {
  await ingestFiles(rt, demoFiles(), { demo: true });
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
    if (s % 100 === 0) log(`  indexed ${have} chunks (${((performance.now() - t0) / 1000).toFixed(0)} s), posting index ${mb(await indexer.indexSizeBytes(rt.db))} MB`);
  }
}

/** Latency percentiles, and CPU per query (all threads; on a shared machine the comparable figure). */
function stats(times: number[], cpu: NodeJS.CpuUsage) {
  return { n: times.length, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times), cpuMs: (cpu.user + cpu.system) / 1000 / times.length };
}

async function latency(rt: Runtime, mode: 'hybrid' | 'bm25' | 'vector', label: string = mode, tuning?: SearchTuning) {
  const queries = loadRetrievalQueries().map((q) => q.query);
  for (const q of queries.slice(0, 20)) await rt.search.search({ q, mode }, tuning); // warm caches
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let pass = 0; pass < 2; pass++) {
    for (const q of queries) {
      const t = performance.now();
      await rt.search.search({ q, mode, top: 10 }, tuning);
      times.push(performance.now() - t);
    }
  }
  return { mode: label, ...stats(times, process.cpuUsage(cpu0)) };
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

/** `hnsw.ef_search` of our vector query (search.repository.ts: twice the 30 neighbours fused). */
const OUR_EF_SEARCH = 60;

/**
 * Vector top-10 beside hnswlib-node: both HNSW indexes over the same vectors (the stored hash-embedder
 * vectors, recomputed here by the same embedder), same queries, recall@10 against an exact scan.
 */
async function vectorRows(rt: Runtime, label: string) {
  const { rows } = await rt.db.query<{ id: string; heading_path: string[]; text: string; tokens: string }>(
    'SELECT c.id, c.heading_path, c.text, c.tokens FROM chunks c JOIN chunk_embeddings e ON e.chunk_id = c.id AND e.model = $1 ORDER BY c.seq',
    [rt.embedder.model],
  );
  const vectors: Float32Array[] = [];
  for (let i = 0; i < rows.length; i += 2000) {
    const part = rows.slice(i, i + 2000);
    vectors.push(...(await rt.embedder.embed(part.map((c) => indexText(c.heading_path, c.text)), 'document', part.map((c) => c.tokens.split(' ')))));
  }
  const queries = loadRetrievalQueries().map((q) => q.query);
  const qv = await rt.embedder.embed(queries, 'query');
  const truth = qv.map((q) => new Set(exactTopK(vectors, q, 10)));
  const idOf = new Map(rows.map((r, i) => [r.id, i]));
  const dims = rt.embedder.dims;
  const ours = async (q: Float32Array) =>
    rt.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL hnsw.ef_search = ${OUR_EF_SEARCH}`);
      const { rows: nn } = await tx.query<{ chunk_id: string }>(
        `SELECT chunk_id FROM chunk_embeddings WHERE model = $2 ORDER BY embedding::vector(${dims}) <=> $1::vector(${dims}) LIMIT 10`,
        [toVectorLiteral(q), rt.embedder.model],
      );
      return nn.map((r) => idOf.get(r.chunk_id) ?? -1);
    });
  const peer = await hnswPeer(vectors, dims, OUR_EF_SEARCH);
  if (!peer) process.stdout.write('hnswlib-node is not installed (optional dependency; it needs a C++ toolchain at npm ci): vector top-10 without its peer\n');
  const engines: Array<{ name: string; buildS: number | null; search: (q: Float32Array) => Promise<number[]> | number[] }> = [
    { name: `pgvector HNSW in PGlite (SQL top-10, ef_search=${OUR_EF_SEARCH})`, buildS: null, search: ours },
    ...(peer ? [{ name: peer.name, buildS: peer.buildMs / 1000, search: (q: Float32Array) => peer.search(q, 10) }] : []),
  ];
  const out = [];
  for (const e of engines) {
    for (const q of qv.slice(0, 20)) await e.search(q);
    const times: number[] = [];
    let hits = 0;
    const cpu0 = process.cpuUsage();
    for (let pass = 0; pass < 2; pass++) {
      for (const [i, q] of qv.entries()) {
        const t = performance.now();
        const got = await e.search(q);
        times.push(performance.now() - t);
        if (pass === 0) hits += got.filter((g) => truth[i].has(g)).length;
      }
    }
    out.push({ store: label, engine: e.name, vectors: vectors.length, ...stats(times, process.cpuUsage(cpu0)), recallVsExact: hits / (10 * qv.length), buildS: e.buildS });
  }
  return out;
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
    const cpu0 = process.cpuUsage();
    for (let pass = 0; pass < 2; pass++) {
      for (const q of queries) {
        const t = performance.now();
        const ids = p.search(q.query, 10);
        times.push(performance.now() - t);
        if (pass === 0 && ids.some((id) => relevant(id, q))) found++;
      }
    }
    out.push({ store: label, mode: p.name, chunks: rows.length, ...stats(times, process.cpuUsage(cpu0)), recallAt10: found / queries.length, buildS: p.buildMs / 1000, heapMb: p.heapMb });
  }
  return out;
}

export async function measureStore(label: string, rt: Runtime, withPeers: boolean) {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`[${label}] preparing ${TARGET_CHUNKS} chunks…`);
  await build100k(rt, log);
  const chunks = await chunkCount(rt);
  const out: Array<Record<string, unknown> & { store: string; mode: string; n: number; p50: number; p95: number; max: number }> = [];
  for (const mode of ['hybrid', 'bm25', 'vector'] as const) out.push({ store: label, chunks, ...(await latency(rt, mode)) });
  // The same fused search without the rerank stage: the difference is what the rerank costs per query.
  out.push({ store: label, chunks, ...(await latency(rt, 'hybrid', 'hybrid, rerank off', { rerank: null })) });
  const size = await storageMb(rt);
  log(`[${label}] storage: chunks ${size.chunks.toFixed(0)} MB, posting lists ${size.postings.toFixed(0)} MB (${size.terms} terms, ${size.segments} segments), vectors ${size.vectors.toFixed(0)} MB`);
  if (withPeers) out.push(...(await peerRows(rt, label)));
  const vectors = withPeers ? await vectorRows(rt, label) : [];
  return { rows: out, size, vectors };
}

export async function runSearchBench() {
  const rows: Array<Record<string, unknown> & { store: string; mode: string; n: number; p50: number; p95: number; max: number }> = [];
  const sizes: Array<Record<string, unknown>> = [];
  const vectorOut: Array<Awaited<ReturnType<typeof vectorRows>>[number]> = [];
  mkdirSync(PGLITE_CACHE, { recursive: true });
  const embedded = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE }, { inMemory: false });
  try {
    const m = await measureStore('PGlite (embedded)', embedded, true);
    rows.push(...m.rows);
    vectorOut.push(...m.vectors);
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
    ['store', 'engine / mode', 'chunks', 'queries', 'p50', 'p95', 'max', 'CPU / query', 'recall@10', 'build', 'heap'],
    rows.map((r) => [
      r.store, r.mode, String(r.chunks), r.n, ms(r.p50), ms(r.p95), ms(r.max), ms(Number(r.cpuMs)),
      typeof r.recallAt10 === 'number' ? r.recallAt10.toFixed(3) : '(quality bench)',
      typeof r.buildS === 'number' ? `${r.buildS.toFixed(1)} s` : '—', typeof r.heapMb === 'number' ? `${r.heapMb.toFixed(0)} MB` : '—',
    ]),
  );
  printTable(
    'Search storage (MB): chunk rows (text, tokens), posting lists of words + CJK bigrams + codes + entities, vectors with HNSW',
    ['store', 'chunks', 'posting lists', 'terms', 'segments', 'vectors'],
    sizes.map((s) => [String(s.store), Number(s.chunks).toFixed(0), Number(s.postings).toFixed(0), String(s.terms), String(s.segments), Number(s.vectors).toFixed(0)]),
  );
  printTable(
    `Vector top-10, ${loadRetrievalQueries().length} authored queries × 2 passes, the same vectors in both indexes; recall@10 against an exact scan`,
    ['store', 'engine', 'vectors', 'p50', 'p95', 'max', 'CPU / query', 'recall@10 vs exact', 'build'],
    vectorOut.map((r) => [r.store, r.engine, String(r.vectors), ms(r.p50), ms(r.p95), ms(r.max), ms(r.cpuMs), r.recallVsExact.toFixed(3), r.buildS === null ? '(cached)' : `${r.buildS.toFixed(1)} s`]),
  );
  return { rows, sizes, vectors: vectorOut };
}
