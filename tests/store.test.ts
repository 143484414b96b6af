import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeChangedTables, PgliteDatabase, PostgresDatabase } from '../store/index.ts';
import { onEveryDatabase } from './helpers/databases.ts';
import { storeContract } from './store.contract.ts';

onEveryDatabase('store contract', storeContract);

describe('embedded data directory', () => {
  it('refuses a second opener while the first holds the directory, then reopens after close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-lock-'));
    const first = await PgliteDatabase.open(dir);
    // The lock is per process id; simulate another live process holding it.
    const { writeFileSync } = await import('node:fs');
    await first.close();
    writeFileSync(path.join(dir, 'yingzhi.lock'), String(process.ppid));
    await expect(PgliteDatabase.open(dir)).rejects.toMatchObject({ code: 'DB_LOCKED' });
    writeFileSync(path.join(dir, 'yingzhi.lock'), '999999999'); // a dead pid: stale lock is taken over
    const reopened = await PgliteDatabase.open(dir);
    await reopened.close();
  });

  it('gives a table that grew in bulk planner statistics (PGlite has no autovacuum), and leaves it alone until it changes again', async () => {
    const db = await PgliteDatabase.open(undefined, { template: process.env.YZ_PGLITE_TEMPLATE });
    try {
      await db.exec('CREATE TABLE analyze_probe (n int); CREATE TABLE analyze_small (n int)');
      await db.query('INSERT INTO analyze_probe SELECT g FROM generate_series(1, 500) g');
      await db.query('INSERT INTO analyze_small SELECT g FROM generate_series(1, 10) g');
      const reltuples = async (t: string) => Number((await db.query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE relname = $1', [t])).rows[0].n);
      expect(await reltuples('analyze_probe')).toBe(-1); // never analyzed: the planner would guess
      expect(await analyzeChangedTables(db)).toContain('analyze_probe');
      expect(await reltuples('analyze_probe')).toBe(500);
      expect(await analyzeChangedTables(db)).not.toContain('analyze_probe');
      // Below autoanalyze's threshold (50 rows + 10 %), as PostgreSQL's autovacuum would leave it.
      expect(await analyzeChangedTables(db)).not.toContain('analyze_small');
    } finally {
      await db.close();
    }
  });

  it('reports an unreachable server with the variable to fix', async () => {
    await expect(PostgresDatabase.open('postgres://nobody:x@127.0.0.1:1/none')).rejects.toMatchObject({ code: 'DB_UNAVAILABLE', field: 'DATABASE_URL' });
  });
});
