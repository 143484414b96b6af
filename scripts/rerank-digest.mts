// Ranking digest + rerank CPU: ingest the three textbook corpora and the demo retrieval queries once into
// /tmp/yz-rd-<name>, then run every question hybrid (explain, top 50) and with the rerank off, print CPU per query,
// and write the full ranked ids/scores/features to the file given as argv[2] (compare before/after a change).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { createLogger, loadConfig } from '../core/index.ts';
import { createRuntime } from '../runtime/index.ts';
import { loadTextbookQuestions } from '../evals/textbook.ts';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const out = process.argv[2] ?? '/tmp/rerank-digest.json';
const reps = Number(process.argv[3] ?? 3);
const sets = (process.env.RD_SETS ?? 'textbook,textbook2,textbook3').split(',');
const digest: Record<string, unknown> = {};
let totalOn = 0;
let totalOff = 0;
let nq = 0;
for (const name of sets) {
  const dataDir = `/tmp/yz-rd-${name}`;
  const env: Record<string, string | undefined> = { ...process.env, YZ_DATA_DIR: dataDir, YZ_AUTO_EXTRACT: 'off', YZ_LOAD_DEMO: 'false', YZ_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.NEO4J_URL;
  if (!existsSync(path.join(dataDir, '.ingested'))) {
    await exec(process.execPath, [path.join(ROOT, 'cli/bin.mjs'), 'ingest', path.join(ROOT, 'evals', name, 'textbook-proxy.txt'), '--kind', 'textbook', '--json'], { env, cwd: ROOT, maxBuffer: 16 << 20 });
    writeFileSync(path.join(dataDir, '.ingested'), '');
  }
  const rt = await createRuntime(loadConfig({ ...env, YZ_LOG_LEVEL: 'silent' } as Record<string, string>), { log: createLogger('silent') });
  const qs = loadTextbookQuestions(path.join(ROOT, 'evals', name, 'questions.jsonl')).map((q) => q.question);
  for (const [label, tuning] of [['on', {}], ['off', { rerank: null }]] as const) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) for (const q of qs) await rt.search.search({ q, top: 10 }, tuning);
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000 / (reps * qs.length);
    if (label === 'on') totalOn += ms * qs.length; else totalOff += ms * qs.length;
    console.log(`${name}: ${qs.length} q, rerank ${label}: ${ms.toFixed(2)} ms CPU/query`);
  }
  const runs: unknown[] = [];
  for (const q of qs) {
    const r = await rt.search.search({ q, top: 50, explain: true });
    runs.push({ q, hits: r.results.map((h) => [h.chunkId, h.score, h.why]) });
  }
  digest[name] = runs;
  nq += qs.length;
  await rt.close();
}
const text = JSON.stringify(digest);
writeFileSync(out, text);
console.log(`all: on ${(totalOn / nq).toFixed(2)} off ${(totalOff / nq).toFixed(2)} rerank ≈ ${((totalOn - totalOff) / nq).toFixed(2)} ms CPU/query; digest ${createHash('sha256').update(text).digest('hex').slice(0, 16)} → ${out}`);
