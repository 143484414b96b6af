import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../core/index.ts';
import { demoFiles } from '../runtime/index.ts';
import { JobRunner } from '../store/index.ts';
import { createServerDatabase } from '../tests/helpers/databases.ts';
import { testRuntime } from '../tests/helpers/runtime.ts';
import { printTable } from './table.ts';

interface Measure {
  label: string;
  files: number;
  pages: number;
  mb: number;
  chunks: number;
  indexSeconds: number;
  embedSeconds: number;
}

/**
 * Register + index job (BM25 searchable), then the embedding job, on a fresh database: embedded
 * PGlite, or a fresh PostgreSQL database with `workers` job runners claiming in parallel.
 */
async function measure(
  label: string,
  files: Array<{ name: string; bytes: Buffer; meta?: Record<string, unknown> }>,
  server?: { url: string; workers: number },
): Promise<Measure> {
  const rt = server ? await testRuntime({ DATABASE_URL: server.url }, { inMemory: false }) : await testRuntime();
  try {
    const runners = Array.from({ length: server?.workers ?? 1 }, () => new JobRunner(rt.jobs, { ingest: rt.handlers.ingest }, createLogger('silent')));
    const t0 = performance.now();
    for (const f of files) await rt.ingest.register(f.bytes, f.name, f.meta);
    await Promise.all(runners.map((r) => r.drain()));
    const t1 = performance.now();
    await rt.runner.drain();
    const t2 = performance.now();
    const { rows } = await rt.db.query<{ pages: number; chunks: number }>('SELECT sum(page_count)::int AS pages, sum(chunk_count)::int AS chunks FROM sources');
    return {
      label,
      files: files.length,
      pages: rows[0].pages,
      mb: files.reduce((s, f) => s + f.bytes.length, 0) / 1048576,
      chunks: rows[0].chunks,
      indexSeconds: (t1 - t0) / 1000,
      embedSeconds: (t2 - t1) / 1000,
    };
  } finally {
    await rt.close();
  }
}

export async function runIngestBench() {
  const pdfs = demoFiles().filter((f) => f.endsWith('.pdf'));
  const mds = demoFiles().filter((f) => f.endsWith('.md'));
  // Markdown: the demo corpus three times over (a marker line makes each copy a distinct file).
  const mdFiles = [0, 1, 2].flatMap((copy) =>
    mds.map((f) => ({ name: `${copy}-${path.basename(f)}`, bytes: Buffer.concat([readFileSync(f), Buffer.from(`\n\n<!-- copy ${copy} -->\n`)]) })),
  );
  const pdfFiles = [0, 1].flatMap(() => pdfs.map((f) => ({ name: path.basename(f), bytes: readFileSync(f) })));
  const runs: Measure[] = [];
  // Two rounds each; the PDF round ingests the two demo PDFs in fresh databases.
  for (let i = 0; i < 2; i++) runs.push(await measure(`PDF (2 demo PDFs) #${i + 1}`, pdfFiles.slice(0, 2)));
  for (let i = 0; i < 2; i++) runs.push(await measure(`Markdown (24 files) #${i + 1}`, mdFiles));
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
    'Ingest (embedded PGlite, hash embedder, no LLM)',
    ['run', 'files', 'pages', 'MB', 'chunks', 'index s', 'pages/s', 'MB/s', 'embed s', 'chunks/s embedded'],
    runs.map((r) => [
      r.label, r.files, r.pages, r.mb.toFixed(2), r.chunks, r.indexSeconds.toFixed(2), (r.pages / r.indexSeconds).toFixed(1),
      (r.mb / r.indexSeconds).toFixed(2), r.embedSeconds.toFixed(2), (r.chunks / r.embedSeconds).toFixed(0),
    ]),
  );
  return runs;
}
