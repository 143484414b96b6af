import type { Queryable } from '../store/index.ts';
import type { EncryptedColumn } from './columns.ts';

export interface StoredValue {
  /** Primary key, as text (for messages and keyset paging). */
  id: string;
  /** The column as text: a token, or a JSON document for `json` columns. */
  value: string;
  /** The row's blind index, when the column declares one (null: not yet computed). */
  index?: string | null;
}

/**
 * SQL of key rotation. Table and column names come from the EncryptedColumns registry, which only
 * admits plain lower-case identifiers; they are double-quoted here as well. Values are parameters.
 */
export class KeysRepository {
  /**
   * Up to `limit` non-NULL values after the key `after` (null: from the start), in key order.
   * With `lock` the rows stay locked until the transaction ends (use inside `transaction`).
   */
  async batch(q: Queryable, c: EncryptedColumn, after: string | null, limit: number, lock = false): Promise<StoredValue[]> {
    const t = `"${c.table}"`;
    const k = `"${c.key}"`;
    const col = `"${c.column}"`;
    const where = after === null ? '' : `AND ${k}::text > $2`;
    const index = c.blindIndex ? `, "${c.blindIndex.column}"::text AS index` : '';
    const { rows } = await q.query<StoredValue>(
      `SELECT ${k}::text AS id, ${col}::text AS value${index} FROM ${t}
       WHERE ${col} IS NOT NULL ${where}
       ORDER BY ${k}::text LIMIT $1${lock ? ' FOR UPDATE' : ''}`,
      after === null ? [limit] : [limit, after],
    );
    return rows;
  }

  /** Replace one row's value (a token, or a JSON document for `json` columns) and, when given, its blind index, in one statement. */
  async write(q: Queryable, c: EncryptedColumn, id: string, value: string, index?: string): Promise<void> {
    const cast = c.kind === 'json' ? '::jsonb' : '';
    if (c.blindIndex && index !== undefined) {
      await q.query(`UPDATE "${c.table}" SET "${c.column}" = $1, "${c.blindIndex.column}" = $3 WHERE "${c.key}"::text = $2`, [value, id, index]);
      return;
    }
    await q.query(`UPDATE "${c.table}" SET "${c.column}" = $1${cast} WHERE "${c.key}"::text = $2`, [value, id]);
  }
}
