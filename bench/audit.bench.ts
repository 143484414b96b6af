import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AUDIT_ACTIONS, type AuditEntryInput, AuditLog, initAuditChain, verify } from '../audit/index.ts';
import { Keyring } from '../core/index.ts';
import { type Database, migrate, PgliteDatabase, PostgresDatabase } from '../store/index.ts';
import { createServerDatabase } from '../tests/helpers/databases.ts';
import { printTable } from './table.ts';

export const AUDIT_BENCH_ROWS = 1_000_000;
const TARGET_MS = 20_000;
const LOAD_CHUNK = 50_000;

/** Plausible audit rows: a few hundred actors, the whole action vocabulary, small details objects. */
function* entries(from: number, to: number, startMs: number): Generator<AuditEntryInput & { at: string }> {
  for (let i = from; i < to; i++) {
    const action = AUDIT_ACTIONS[i % AUDIT_ACTIONS.length];
    yield {
      at: new Date(startMs + i * 1000).toISOString(),
      actor: `usr_${(i * 7919) % 400}`,
      action,
      target: i % 5 === 0 ? null : `src_${(i * 104729) % 50_000}`,
      details: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, role: i % 3 ? 'physician' : 'director', ok: i % 11 !== 0, n: i },
    };
  }
}

async function measure(label: string, db: Database, rows: number, log: (s: string) => void) {
  await migrate(db);
  await initAuditChain(db, new Keyring(randomBytes(16))); // rows keyed with HMAC-SM3, as installed
  const auditLog = new AuditLog();
  const t0 = performance.now();
  const startMs = Date.now() - rows * 1000;
  for (let done = 0; done < rows; done += LOAD_CHUNK) {
    const n = Math.min(LOAD_CHUNK, rows - done);
    await auditLog.appendImported(db, entries(done, done + n, startMs));
    if ((done / LOAD_CHUNK) % 4 === 0) log(`  ${label}: loaded ${(done + n).toLocaleString()} rows`);
  }
  const loadMs = performance.now() - t0;
  const runs = [];
  for (let i = 0; i < 2; i++) runs.push(await verify(db));
  const report = runs[runs.length - 1];
  if (!runs.every((r) => r.ok && r.rows === rows)) throw new Error(`${label}: verify failed on an intact chain: ${JSON.stringify(report.problems.slice(0, 3))}`);
  return { store: label, rows, loadMs: Math.round(loadMs), verifyMs: runs.map((r) => r.elapsedMs), batchSize: report.batchSize, workers: report.workers };
}

/**
 * Evidence for "audit verify on 1,000,000 rows ≤ 20 s": a fresh embedded PGlite database (on disk,
 * as deployed) is filled with a correctly chained million rows through `AuditLog.appendImported`
 * (hashes computed in JS, bulk `unnest` inserts of 5,000 rows), then `verify` runs twice (first
 * and second pass). With YZ_TEST_DATABASE_URL the same on a fresh PostgreSQL database.
 * `YZ_AUDIT_BENCH_ROWS` overrides the row count (quick runs).
 */
export async function runAuditBench(opts: { rows?: number } = {}) {
  const rows = opts.rows ?? (Number(process.env.YZ_AUDIT_BENCH_ROWS) || AUDIT_BENCH_ROWS);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const results = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-audit-bench-'));
  const embedded = await PgliteDatabase.open(dir);
  try {
    results.push(await measure('PGlite (embedded, on disk)', embedded, rows, log));
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.env.YZ_TEST_DATABASE_URL) {
    const created = await createServerDatabase();
    const server = await PostgresDatabase.open(created.url);
    try {
      results.push(await measure('PostgreSQL server', server, rows, log));
    } finally {
      await server.close();
      await created.drop();
    }
  }
  printTable(
    `Audit chain verify (HMAC-SM3 keyed chain), ${rows.toLocaleString()} rows, ${availableParallelism()} CPUs — target ≤ ${TARGET_MS / 1000} s`,
    ['store', 'rows', 'load (bulk, chained in JS)', 'batch', 'worker threads', 'verify 1st', 'verify 2nd', 'rows/s', 'target'],
    results.map((r) => [
      r.store,
      r.rows.toLocaleString(),
      `${(r.loadMs / 1000).toFixed(1)} s`,
      r.batchSize.toLocaleString(),
      r.workers,
      `${(r.verifyMs[0] / 1000).toFixed(1)} s`,
      `${(r.verifyMs[1] / 1000).toFixed(1)} s`,
      Math.round(r.rows / (Math.max(...r.verifyMs) / 1000)).toLocaleString(),
      Math.max(...r.verifyMs) <= TARGET_MS ? 'met' : 'MISSED',
    ]),
  );
  return results;
}
