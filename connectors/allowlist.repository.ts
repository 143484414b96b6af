import { AppError } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { AllowEntry } from './connector.schema.ts';

interface EntryDb {
  id: number;
  pattern: string;
  note: string;
  created_by: string;
  created_at: Date | string;
}

const toEntry = (r: EntryDb): AllowEntry => ({
  id: r.id, pattern: r.pattern, note: r.note, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(),
});

/** The connector target allow-list. Read on every check (never cached), so all processes see one list. */
export class AllowlistRepository {
  constructor(private readonly db: Database) {}

  async list(q: Queryable = this.db): Promise<AllowEntry[]> {
    const { rows } = await q.query<EntryDb>('SELECT * FROM connector_allowlist ORDER BY id');
    return rows.map(toEntry);
  }

  /** Add a pattern (already canonical); STATE_CONFLICT when it is listed. */
  async add(tx: Queryable, e: { pattern: string; note: string; createdBy: string }): Promise<AllowEntry> {
    const { rows } = await tx.query<EntryDb>(
      `INSERT INTO connector_allowlist (pattern, note, created_by) VALUES ($1, $2, $3) ON CONFLICT (pattern) DO NOTHING RETURNING *`,
      [e.pattern, e.note, e.createdBy],
    );
    if (!rows[0]) throw new AppError('STATE_CONFLICT', `已在允许列表中 / ${e.pattern} is already in the allow-list`, { field: 'pattern' });
    return toEntry(rows[0]);
  }

  /** Remove an entry and return it; NOT_FOUND when absent. */
  async remove(tx: Queryable, id: number): Promise<AllowEntry> {
    const { rows } = await tx.query<EntryDb>('DELETE FROM connector_allowlist WHERE id = $1 RETURNING *', [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', `允许项不存在 / no allow-list entry ${id}`, { field: 'id' });
    return toEntry(rows[0]);
  }
}
