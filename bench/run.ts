/**
 * `npm run bench`: prints tables and writes bench/results/<date>.json.
 *   ingest   — PDF pages/s and Markdown MB/s through the real pipeline (index step and embedding step)
 *   search   — hybrid search latency over 100,000 chunks (PGlite; PostgreSQL too when YZ_TEST_DATABASE_URL is set)
 *   start    — `yingzhi start` on the 100k database: time to ready and RSS after searches
 *   quality  — recall@5 / MRR of BM25, vector and fused search on the authored queries
 *   knowledge — rules extraction chunks/s, precision/recall/F1 on the gold set, LLM calls per chunk
 *   graph    — projection of 50k/100k relations and 2-hop / path latency on 20k entities, Postgres (PGlite,
 *              PostgreSQL) and Neo4j (YZ_TEST_NEO4J_URL; the bench clears that server's graph)
 *   literature — PubMed XML records/s and a 10,000-record import end to end (PGlite; PostgreSQL when set)
 *   chat     — per-turn overhead and first-token forwarding over HTTP/SSE on 100,000 chunks, 50 concurrent
 *              streams and a cached structured call, against the fake model server
 *   teaching — template question engine items/s and distinct valid items on the demo corpus, beside a random-distractor baseline
 *   security — audit-chain verify over 1,000,000 rows (PGlite; PostgreSQL when set) and SM4 field-encryption MB/s
 *   imaging  — measurement on a 512×512×300 CT with a 50,000-voxel lesion, a 300-slice DICOM read, RSS, and
 *              pyradiomics / SimpleITK on the same data when the reference venv exists
 *   reporting — report draft (template engine) and report QC of a 2,000-character report, medians
 *   structure — post-structuring throughput (reports/s) beside the lexicon-only baseline; QC with the structurer
 *   cli      — one-shot CLI wall time: --help and a search (small search root) beside the full runtime and an empty Node process
 *   cases    — similar cases over 50,000 synthetic cases and the differential over a 20k-entity / 100k-relation graph, p50/p95 beside naive baselines
 * Select sections with `npm run bench -- ingest search`; `--chunks=N` sizes the search corpus (default 100,000). The corpus is built once and cached in
 * bench/.cache (delete it to rebuild).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchSm4Throughput } from '../core/crypto/index.ts';
import { runAuditBench } from './audit.bench.ts';
import { runCasesBench } from './cases.bench.ts';
import { runChatBench } from './chat.bench.ts';
import { runCliBench } from './cli.bench.ts';
import { runGraphBench } from './graph.bench.ts';
import { runImagingBench } from './imaging.bench.ts';
import { runIngestBench } from './ingest.bench.ts';
import { runKnowledgeBench } from './knowledge.bench.ts';
import { runLiteratureBench } from './literature.bench.ts';
import { runQualityBench } from './quality.bench.ts';
import { runRealModelBench } from './real-model.bench.ts';
import { runReportingBench, runStructureBench } from './reporting.bench.ts';
import { runSearchBench } from './search.bench.ts';
import { runStartBench } from './start.bench.ts';
import { printTable } from './table.ts';
import { runTeachingBench } from './teaching.bench.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const all = ['ingest', 'search', 'start', 'quality', 'knowledge', 'graph', 'literature', 'chat', 'security', 'real-model', 'imaging', 'reporting', 'structure', 'teaching', 'cases', 'cli'];
const wanted = process.argv.slice(2).filter((a) => all.includes(a));
const sections = wanted.length ? wanted : all;
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };

if (sections.includes('ingest')) results.ingest = await runIngestBench();
if (sections.includes('search')) results.search = await runSearchBench();
if (sections.includes('start')) results.start = await runStartBench();
if (sections.includes('quality')) results.quality = await runQualityBench();
if (sections.includes('knowledge')) results.knowledge = await runKnowledgeBench();
if (sections.includes('graph')) results.graph = await runGraphBench();
if (sections.includes('literature')) results.literature = await runLiteratureBench();
if (sections.includes('chat')) results.chat = await runChatBench();
if (sections.includes('security')) results.security = await runSecurityBench();
if (sections.includes('teaching')) results.teaching = await runTeachingBench();
if (sections.includes('real-model')) results.realModel = await runRealModelBench();
if (sections.includes('imaging')) results.imaging = await runImagingBench();
if (sections.includes('reporting')) results.reporting = await runReportingBench();
if (sections.includes('structure')) results.structure = await runStructureBench();
if (sections.includes('cases')) results.cases = await runCasesBench();
if (sections.includes('cli')) results.cli = await runCliBench();

const dir = path.join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nresults written to ${path.relative(ROOT, file)}\n`);
process.exit(0);

/** Audit-chain verification and SM4 throughput (Security issue evidence). */
async function runSecurityBench() {
  const audit = await runAuditBench();
  const sm4 = benchSm4Throughput(64);
  printTable('SM4-CBC + HMAC-SM3 field encryption (Node OpenSSL), 64 × 1 MB fields', ['MB/s', 'target'], [[sm4.mbPerSec.toFixed(0), '≥ 50']]);
  return { audit, sm4 };
}
