import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number.parseInt(f.slice(0, 3), 10), name: f, sql: readFileSync(dir + f, 'utf8') }));
}

/**
 * Apply pending migrations, each in its own transaction, recorded in schema_migrations.
 * An advisory lock serialises concurrent starters on a shared server; re-running is a no-op.
 */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  // Every start runs this: when nothing is pending (the usual case) one query answers it, not a locked
  // transaction per migration (about 0.4 s of a one-shot command's start on the embedded store).
  const { rows: done } = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  const known = new Set(done.map((r) => Number(r.version)));
  if (migrations.every((m) => known.has(m.version))) return applied;
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7242001)');
      const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
