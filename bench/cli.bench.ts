import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printTable } from './table.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'cli/bin.mjs');
const RUNS = 5;
const QUERY = '肺炎的临床表现';

/** Wall time of one process run, in ms (the command must succeed). */
function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync('node', args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.toString().slice(0, 400)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One-shot CLI latency (issue 20: `--help` < 1 s, a search < 2 s) on the embedded store holding the textbook proxy
 * (1,502 sentences as one TXT, as the independent evaluation ingests it). Peers in the same run: an empty Node
 * process (the floor) and the same search through the full runtime (every capability wired, as before the small
 * search root). Uses the compiled CLI (dist/), as an installed copy does.
 */
export async function runCliBench() {
  execFileSync('node', ['scripts/build-server.mjs'], { cwd: ROOT, stdio: 'ignore' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yz-cli-bench-'));
  const { DATABASE_URL: _d, NEO4J_URL: _n, ...base } = process.env;
  const env = { ...base, YZ_DATA_DIR: dataDir, YZ_STORE: 'pglite', YZ_GRAPH: 'postgres', YZ_LLM: 'none', YZ_LOG_LEVEL: 'error' };
  try {
    execFileSync('node', [BIN, 'ingest', 'evals/textbook/textbook-proxy.txt', '--kind', 'textbook', '--json'], { cwd: ROOT, env, stdio: 'ignore' });
    const fullSearch = `const { loadConfig } = await import(${JSON.stringify(path.join(ROOT, 'dist/core/index.js'))});
const { createRuntime } = await import(${JSON.stringify(path.join(ROOT, 'dist/runtime/index.js'))});
const rt = await createRuntime(loadConfig(process.env), { command: true });
await rt.services.search.search({ q: ${JSON.stringify(QUERY)}, top: 10, mode: 'hybrid' });
await rt.close();`;
    const rows: Array<[string, number[]]> = [
      ['node -e "" (floor)', []],
      ['yingzhi --help', []],
      [`yingzhi search "${QUERY}" (search root)`, []],
      ['same search, full runtime (peer)', []],
    ];
    timed([BIN, 'search', QUERY], env); // first open after ingest: PGlite's caches, not part of the figure
    for (let i = 0; i < RUNS; i++) {
      rows[0][1].push(timed(['-e', ''], env));
      rows[1][1].push(timed([BIN, '--help'], env));
      rows[2][1].push(timed([BIN, 'search', QUERY], env));
      rows[3][1].push(timed(['--input-type=module', '-e', fullSearch], env));
    }
    printTable(`One-shot CLI wall time, median of ${RUNS} (embedded PGlite, textbook proxy 1,502 sentences; load ${os.loadavg()[0].toFixed(1)})`, ['command', 'median', 'min', 'target'], rows.map(([name, xs], i) => [
      name, `${(median(xs) / 1000).toFixed(2)} s`, `${(Math.min(...xs) / 1000).toFixed(2)} s`, i === 1 ? '< 1 s' : i === 2 ? '< 2 s' : '',
    ]));
    return Object.fromEntries(rows.map(([name, xs]) => [name, { medianMs: median(xs), minMs: Math.min(...xs) }]));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
