import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PGLITE_CACHE } from './search.bench.ts';
import { printTable } from './table.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** This environment without DATABASE_URL, so the server opens the embedded database. */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return { ...env, ...extra };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** `yingzhi start` on the cached 100k-chunk database: time until /readyz answers, then RSS after 100 searches. */
export async function runStartBench() {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const t0 = performance.now();
  const child = spawn('node', [path.join(ROOT, 'cli/bin.mjs'), 'start'], {
    cwd: ROOT,
    env: embeddedEnv({ PORT: String(port), YZ_DATA_DIR: PGLITE_CACHE, YZ_LOAD_DEMO: 'false', YZ_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let readyMs = Number.NaN;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) {
        readyMs = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.exitCode !== null) throw new Error(`yingzhi start exited with ${child.exitCode} before it was ready`);
  const rssReady = rssMb(child.pid as number);
  const queries = readFileSync(path.join(ROOT, 'evals/retrieval/queries-a.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).query as string);
  for (let i = 0; i < 100; i++) await (await fetch(`${base}/api/search?q=${encodeURIComponent(queries[i % queries.length])}`)).json();
  const rssAfter = rssMb(child.pid as number);
  child.kill('SIGTERM');
  await exited;
  const row = { readyMs, rssReadyMb: rssReady, rssAfterSearchMb: rssAfter };
  printTable('Start-up (`yingzhi start`, embedded PGlite with 100,000 chunks, no demo load)', ['ready in', 'RSS at ready', 'RSS after 100 searches'], [
    [`${(readyMs / 1000).toFixed(2)} s`, `${rssReady.toFixed(0)} MB`, `${rssAfter.toFixed(0)} MB`],
  ]);
  return row;
}
