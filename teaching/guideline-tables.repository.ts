import type { Queryable } from '../store/index.ts';
import type { GuidelineTable } from './table-items.ts';

interface Row {
  source_id: string;
  ordinal: number;
  page_no: number;
  caption: string | null;
  header: string[];
  rows: string[][];
  title: string;
  version: string | null;
  year: number | null;
  headings: string | null;
  heading: string | null;
}

/** SQL for the tables ingest kept (source_tables) as question generation reads them. */
export class GuidelineTablesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Tables of current (not superseded, not retracted, parsed) sources about a subject: one of `names` appears
   * in the source title, the table caption or the section headings of the table's passages.
   */
  async about(names: string[]): Promise<GuidelineTable[]> {
    const patterns = names.filter((n) => n.trim().length >= 2).map((n) => `%${n.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
    if (!patterns.length) return [];
    const { rows } = await this.db.query<Row>(
      `SELECT t.source_id, t.ordinal, t.page_no, t.caption, t.header, t.rows, s.title, s.version, s.year, h.headings, h.heading
       FROM source_tables t
       JOIN sources s ON s.id = t.source_id
       LEFT JOIN LATERAL (
         SELECT string_agg(DISTINCT array_to_string(c.heading_path, ' / '), ' | ') AS headings,
                (array_agg(c.heading_path[cardinality(c.heading_path)] ORDER BY r.row_start))[1] AS heading
         FROM chunk_table_rows r JOIN chunks c ON c.id = r.chunk_id
         WHERE r.source_id = t.source_id AND r.table_ordinal = t.ordinal
       ) h ON true
       WHERE s.status = 'ready' AND s.superseded_by IS NULL AND s.retracted_at IS NULL
         AND (s.title LIKE ANY($1::text[]) OR coalesce(t.caption, '') LIKE ANY($1::text[]) OR coalesce(h.headings, '') LIKE ANY($1::text[]))
       ORDER BY s.title, t.ordinal`,
      [patterns],
    );
    return rows.map((r) => ({
      sourceId: r.source_id, ordinal: r.ordinal, page: r.page_no, caption: r.caption, header: r.header, rows: r.rows, title: r.title, version: r.version, year: r.year, heading: r.heading,
    }));
  }
}
