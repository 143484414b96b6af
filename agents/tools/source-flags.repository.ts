import type { Queryable } from '../../store/index.ts';

export interface SourceFlags {
  superseded: boolean;
  retracted: boolean;
}

/** Lifecycle flags of cited sources, so every citation can warn about a newer version or a retraction. */
export class SourceFlagsRepository {
  constructor(private readonly db: Queryable) {}

  /** Flags by source id; ids that do not exist are absent from the map. */
  async flags(sourceIds: string[]): Promise<Map<string, SourceFlags>> {
    const ids = [...new Set(sourceIds)];
    if (!ids.length) return new Map();
    const { rows } = await this.db.query<{ id: string; superseded: boolean; retracted: boolean }>(
      `SELECT s.id, s.superseded_by IS NOT NULL AS superseded, s.retracted_at IS NOT NULL AS retracted
       FROM sources s WHERE s.id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { superseded: r.superseded, retracted: r.retracted }]));
  }
}
