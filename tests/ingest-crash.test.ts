import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PgliteDatabase } from '../store/index.ts';
import { DEMO, ROOT } from './helpers/runtime.ts';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');
const FILES = ['lung-nodule-guideline.md', 'stroke-guideline.md'].map((f) => path.join(DEMO, f));

async function ingest(dataDir: string, env: Record<string, string> = {}) {
  return run('node', [CLI, 'ingest', ...FILES, '--json'], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent', ...env } });
}

async function snapshot(dataDir: string) {
  const db = await PgliteDatabase.open(dataDir);
  try {
    const chunks = await db.query<{ lineage_key: string; n: number; min: number; max: number; distinct_ordinals: number }>(
      `SELECT s.lineage_key, count(*)::int AS n, min(c.ordinal)::int AS min, max(c.ordinal)::int AS max, count(DISTINCT c.ordinal)::int AS distinct_ordinals
       FROM chunks c JOIN sources s ON s.id = c.source_id GROUP BY s.lineage_key ORDER BY s.lineage_key`,
    );
    const stats = await db.query<{ stat: number; actual: number; emb: number; ready: number }>(
      `SELECT (SELECT n_chunks::int FROM corpus_stats) AS stat, (SELECT count(*)::int FROM chunks) AS actual,
              (SELECT count(*)::int FROM chunk_embeddings) AS emb, (SELECT count(*)::int FROM sources WHERE status = 'ready') AS ready`,
    );
    return { chunks: chunks.rows, stats: stats.rows[0] };
  } finally {
    await db.close();
  }
}

describe('ingestion survives kill -9', { timeout: 240_000 }, () => {
  it('finishes an interrupted ingest on restart with no duplicate or missing chunks', async () => {
    const crashed = mkdtempSync(path.join(tmpdir(), 'yz-crash-'));
    const clean = mkdtempSync(path.join(tmpdir(), 'yz-clean-'));

    // The process SIGKILLs itself after committing its first chunk batch.
    const killed = await ingest(crashed, { YZ_FAULT: 'ingest.after_batch:1' }).then(
      () => null,
      (e: { signal?: string }) => e,
    );
    expect(killed?.signal).toBe('SIGKILL');
    const partial = await snapshot(crashed);
    expect(partial.stats.ready).toBe(0);
    expect(partial.stats.actual).toBeGreaterThan(0);

    const resumed = JSON.parse((await ingest(crashed)).stdout);
    expect(resumed.summary.failed).toBe(0);
    expect(resumed.files.some((f: { resumed?: boolean }) => f.resumed)).toBe(true);
    await ingest(clean);

    const a = await snapshot(crashed);
    const b = await snapshot(clean);
    expect(a.chunks).toEqual(b.chunks);
    for (const c of a.chunks) expect(c.distinct_ordinals).toBe(c.n); // no duplicate, no gap below
    for (const c of a.chunks) expect(c.max - c.min + 1).toBe(c.n); // no gap
    expect(a.stats).toEqual({ stat: b.stats.actual, actual: b.stats.actual, emb: b.stats.actual, ready: 2 });
  });
});
