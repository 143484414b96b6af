import type { Queryable } from '../store/index.ts';

/**
 * SQL of the graph outbox's reading side (kg_outbox) and each graph store's projection cursor
 * (kg_projection). The cursor only moves forward (GREATEST), except through `rewind` (a rebuild).
 */
export class OutboxRepository {
  constructor(private readonly db: Queryable) {}

  /** Up to `limit` events after `afterSeq`, in order (the event still to be parsed by the caller). */
  async eventsAfter(afterSeq: number, limit: number): Promise<Array<{ seq: number; event: unknown }>> {
    const { rows } = await this.db.query<{ seq: string; event: unknown }>('SELECT seq, event FROM kg_outbox WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), event: r.event }));
  }

  async cursor(store: string): Promise<number> {
    const { rows } = await this.db.query<{ last_seq: string }>('SELECT last_seq FROM kg_projection WHERE store = $1', [store]);
    return Number(rows[0]?.last_seq ?? 0);
  }

  /** Move the cursor to `seq` (never back) and clear the store's error. */
  async advance(store: string, seq: number): Promise<void> {
    await this.db.query(
      `INSERT INTO kg_projection (store, last_seq, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (store) DO UPDATE SET last_seq = GREATEST(kg_projection.last_seq, EXCLUDED.last_seq), last_error = NULL, error_at = NULL, updated_at = now()`,
      [store, seq],
    );
  }

  /** Record the store's failure; the cursor stays where it is (`atSeq` only for a store without a row yet). */
  async recordError(store: string, atSeq: number, message: string): Promise<void> {
    await this.db.query(
      `INSERT INTO kg_projection (store, last_seq, last_error, error_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (store) DO UPDATE SET last_error = EXCLUDED.last_error, error_at = now()`,
      [store, atSeq, message],
    );
  }

  /** Back to the first event: the one place the cursor goes back (the store was emptied for a rebuild). */
  async rewind(store: string): Promise<void> {
    await this.db.query(
      `INSERT INTO kg_projection (store, last_seq) VALUES ($1, 0) ON CONFLICT (store) DO UPDATE SET last_seq = 0, last_error = NULL, error_at = NULL, updated_at = now()`,
      [store],
    );
  }

  /** The cursor, the last error, the newest event and how many wait after the cursor. */
  async status(store: string): Promise<{ lastSeq: number; lastError: string | null; errorAt: Date | null; headSeq: number; pending: number }> {
    const { rows } = await this.db.query<{ last_seq: string | null; last_error: string | null; error_at: Date | null; head: string | null }>(
      `SELECT p.last_seq, p.last_error, p.error_at, (SELECT max(seq) FROM kg_outbox) AS head
       FROM (SELECT 1) one LEFT JOIN kg_projection p ON p.store = $1`,
      [store],
    );
    const r = rows[0];
    const lastSeq = Number(r?.last_seq ?? 0);
    const { rows: pend } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_outbox WHERE seq > $1', [lastSeq]);
    return { lastSeq, lastError: r?.last_error ?? null, errorAt: r?.error_at ?? null, headSeq: Number(r?.head ?? 0), pending: pend[0]?.n ?? 0 };
  }
}
