import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../core/index.ts';
import { demoFiles } from '../runtime/index.ts';
import { JobRunner } from '../store/index.ts';
import { createServerDatabase } from '../tests/helpers/databases.ts';
import { buildPdf, syntheticPages } from '../tests/helpers/pdf-builder.ts';
import { testRuntime } from '../tests/helpers/runtime.ts';
import { buildPeers } from './peers.ts';
import { printTable } from './table.ts';

interface Measure {
  label: string;
  files: number;
  pages: number;
  mb: number;
  chunks: number;
  indexSeconds: number;
  /** CPU seconds of the whole process (event loop and parser threads) while indexing. */
  indexCpuSeconds: number;
  embedSeconds: number;
  /** The peer: FlexSearch (CJK bigrams) building its index over the same chunk texts, in this run. */
  peerSeconds: number;
  /** Longest time the event loop did not turn while indexing and embedding (what an API request would wait). */
  maxStallMs: number;
}

type BenchFile = { name: string; bytes: Buffer; meta?: Record<string, unknown> };

/**
 * The longest gap between turns of the event loop, from a 10 ms interval timer, including the gap still
 * open when stopped (a loop that never turns never fires a timer: perf_hooks' histogram misses it).
 */
function trackStalls(): { stop(): number } {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 10);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, performance.now() - last - 10);
    },
  };
}

/**
 * Register + index job (BM25 searchable), then the embedding job, on a fresh database: embedded
 * PGlite, or a fresh PostgreSQL database with `workers` job runners claiming in parallel.
 */
async function measure(label: string, files: BenchFile[], server?: { url: string; workers: number }): Promise<Measure> {
  const rt = server ? await testRuntime({ DATABASE_URL: server.url }, { inMemory: false }) : await testRuntime();
  // Each worker is a runtime of its own (as a worker process is): a job's handler reports progress and
  // completes through the queue that claimed it, which holds the lease (a foreign queue's claim reads as lost).
  const extra = await Promise.all(Array.from({ length: (server?.workers ?? 1) - 1 }, () => testRuntime({ DATABASE_URL: server?.url ?? '' }, { inMemory: false })));
  try {
    const runners = [rt, ...extra].map((w) => new JobRunner(w.jobs, { ingest: w.handlers.ingest }, createLogger('silent')));
    // A server starts its parser thread once (pdf.js and the dictionary loaded): throughput is measured warm.
    await Promise.all([rt, ...extra].map((w) => w.parser.warm()));
    const stalls = trackStalls();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of files) await rt.ingest.register(f.bytes, f.name, f.meta);
    await Promise.all(runners.map((r) => r.drain()));
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    await new JobRunner(rt.jobs, { embed: rt.handlers.embed }, createLogger('silent')).drain();
    const t2 = performance.now();
    const maxStallMs = stalls.stop();
    const { rows } = await rt.db.query<{ pages: number; chunks: number; unfinished: number }>(
      `SELECT sum(page_count)::int AS pages, sum(chunk_count)::int AS chunks, count(*) FILTER (WHERE status <> 'ready')::int AS unfinished FROM sources`,
    );
    // A run that did not index everything measures nothing: refuse it rather than print its time.
    if (rows[0].unfinished) throw new Error(`${label}: ${rows[0].unfinished} source(s) not ready after the jobs ran`);
    const { rows: texts } = await rt.db.query<{ id: string; heading_path: string[]; text: string }>('SELECT id, heading_path, text FROM chunks ORDER BY seq');
    const peer = (await buildPeers(texts.map((c) => ({ id: c.id, text: `${c.heading_path.join(' ')}\n${c.text}` })), ['FlexSearch']))[0];
    return {
      label,
      files: files.length,
      pages: rows[0].pages,
      mb: files.reduce((s, f) => s + f.bytes.length, 0) / 1048576,
      chunks: rows[0].chunks,
      indexSeconds: (t1 - t0) / 1000,
      indexCpuSeconds: (cpu.user + cpu.system) / 1e6,
      embedSeconds: (t2 - t1) / 1000,
      peerSeconds: peer.buildMs / 1000,
      maxStallMs,
    };
  } finally {
    for (const w of extra) await w.close();
    await rt.close();
  }
}

/** Generated Markdown books: `n` files of `pages` pages each, with page markers and chapter headings (distinct text in each). */
export function markdownBooks(n: number, pages: number): BenchFile[] {
  return Array.from({ length: n }, (_, i) => {
    const body = syntheticPages(pages, 900, 1000 + i)
      .map((lines, p) => `<!-- page: ${p + 1} -->\n${lines.map((l) => (l.startsWith('第') && l.includes('章') ? `## ${l}` : l)).join('\n')}\n`)
      .join('\n');
    return { name: `book-${i}.md`, bytes: Buffer.from(`---\ntitle: 合成教材 ${i}\nkind: textbook\n---\n# 合成教材 ${i}\n\n${body}`) };
  });
}

export async function runIngestBench() {
  const pdfs = demoFiles().filter((f) => f.endsWith('.pdf'));
  const mds = demoFiles().filter((f) => f.endsWith('.md'));
  // Markdown: the demo corpus three times over (a marker line makes each copy a distinct file).
  const mdFiles = [0, 1, 2].flatMap((copy) =>
    mds.map((f) => ({ name: `${copy}-${path.basename(f)}`, bytes: Buffer.concat([readFileSync(f), Buffer.from(`\n\n<!-- copy ${copy} -->\n`)]) })),
  );
  const pdfFiles = pdfs.map((f) => ({ name: path.basename(f), bytes: readFileSync(f) }));
  const bigPdf = [{ name: 'synthetic-1000-pages.pdf', bytes: Buffer.from(buildPdf(syntheticPages(1000), { title: '合成影像诊断学' })) }];
  const books = markdownBooks(4, 300);
  const runs: Measure[] = [];
  // Two rounds of each small set (the first pays the parser's warm-up), one of each large one.
  for (let i = 0; i < 2; i++) runs.push(await measure(`PDF (2 demo PDFs) #${i + 1}`, pdfFiles));
  runs.push(await measure('PDF (generated, 1,000 pages)', bigPdf));
  for (let i = 0; i < 2; i++) runs.push(await measure(`Markdown (24 files) #${i + 1}`, mdFiles));
  runs.push(await measure('Markdown (4 generated books)', books));
  if (process.env.YZ_TEST_DATABASE_URL) {
    for (const workers of [1, 2]) {
      const db = await createServerDatabase();
      try {
        runs.push(await measure(`Markdown, PostgreSQL, ${workers} worker(s)`, mdFiles, { url: db.url, workers }));
      } finally {
        await db.drop();
      }
    }
  }
  printTable(
    'Ingest (embedded PGlite, hash embedder, no LLM; warm parser thread; CPU s = all threads; peer = FlexSearch with CJK bigrams indexing the same chunk texts in-process, no parsing, no storage)',
    ['run', 'files', 'pages', 'MB', 'chunks', 'index s', 'CPU s', 'pages/s', 'MB/s', 'MB per CPU-s', 'peer build s', '× peer', 'embed s', 'chunks/s embedded', 'max stall ms'],
    runs.map((r) => [
      r.label, r.files, r.pages, r.mb.toFixed(2), r.chunks, r.indexSeconds.toFixed(2), r.indexCpuSeconds.toFixed(2), (r.pages / r.indexSeconds).toFixed(1),
      (r.mb / r.indexSeconds).toFixed(2), (r.mb / r.indexCpuSeconds).toFixed(2), r.peerSeconds.toFixed(2), (r.indexSeconds / r.peerSeconds).toFixed(0),
      r.embedSeconds.toFixed(2), (r.chunks / r.embedSeconds).toFixed(0), r.maxStallMs.toFixed(0),
    ]),
  );
  return runs;
}
