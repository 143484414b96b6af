import { z } from 'zod';
import type { Database, Queryable } from '../store/index.ts';

export const MergeSchema = z.object({
  id: z.string(),
  fromId: z.string().nullable(),
  fromSurface: z.string().nullable(),
  intoId: z.string(),
  actor: z.string(),
  comment: z.string().nullable(),
  at: z.string(),
  undoneAt: z.string().nullable(),
  undoneBy: z.string().nullable(),
  changes: z.object({
    aliasKeys: z.array(z.string()),
    relationsMoved: z.array(z.object({ id: z.string(), side: z.enum(['subject', 'object']) })),
    relationsFolded: z.array(z.object({ id: z.string(), into: z.string(), side: z.enum(['subject', 'object']) })),
    candidates: z.array(z.object({ id: z.string(), side: z.enum(['subject', 'object']) })),
  }),
});
export type Merge = z.infer<typeof MergeSchema>;
export type MergeChanges = Merge['changes'];
export type Side = 'subject' | 'object';
const EMPTY_CHANGES: MergeChanges = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };

interface MergeRowDb {
  id: string;
  from_id: string | null;
  from_surface: string | null;
  into_id: string;
  actor: string;
  comment: string | null;
  changes: MergeChanges;
  at: Date;
  undone_at: Date | null;
  undone_by: string | null;
}

function toMerge(r: MergeRowDb): Merge {
  return {
    id: r.id, fromId: r.from_id, fromSurface: r.from_surface, intoId: r.into_id, actor: r.actor, comment: r.comment,
    at: new Date(r.at).toISOString(), undoneAt: r.undone_at ? new Date(r.undone_at).toISOString() : null, undoneBy: r.undone_by,
    changes: { ...EMPTY_CHANGES, ...(r.changes ?? {}) },
  };
}

/** `side` only ever comes from this closed set: it names a column, so it is checked, not trusted. */
function column(side: Side): 'subject_id' | 'object_id' {
  if (side !== 'subject' && side !== 'object') throw new Error(`not a relation side: ${String(side)}`);
  return side === 'subject' ? 'subject_id' : 'object_id';
}

/**
 * The statements of entity resolution (MergeService): the merge records, and what a merge or its undo
 * changes in relations, evidence, candidates, aliases and entities. Every write takes the caller's
 * transaction, so a merge and its undo stay one transaction each.
 */
export class MergesRepository {
  constructor(private readonly db: Database) {}

  async list(limit: number): Promise<Merge[]> {
    const { rows } = await this.db.query<MergeRowDb>('SELECT * FROM kg_merges ORDER BY at DESC, id DESC LIMIT $1', [limit]);
    return rows.map(toMerge);
  }

  async get(id: string, q: Queryable = this.db): Promise<Merge | null> {
    const { rows } = await q.query<MergeRowDb>('SELECT * FROM kg_merges WHERE id = $1', [id]);
    return rows[0] ? toMerge(rows[0]) : null;
  }

  /** The merge, locked for its undo. */
  async lock(tx: Queryable, id: string): Promise<Merge | null> {
    const { rows } = await tx.query<MergeRowDb>('SELECT * FROM kg_merges WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? toMerge(rows[0]) : null;
  }

  async insert(tx: Queryable, m: { id: string; fromId?: string; fromSurface?: string; intoId: string; actor: string; comment?: string; changes: MergeChanges }): Promise<void> {
    await tx.query(
      'INSERT INTO kg_merges (id, from_id, from_surface, into_id, actor, comment, changes) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)',
      [m.id, m.fromId ?? null, m.fromSurface ?? null, m.intoId, m.actor, m.comment ?? null, JSON.stringify(m.changes)],
    );
  }

  async markUndone(tx: Queryable, id: string, actor: string): Promise<void> {
    await tx.query('UPDATE kg_merges SET undone_at = now(), undone_by = $2 WHERE id = $1', [id, actor]);
  }

  /** A later merge, not undone, that involves the same entities (undoing this one first would break it); null when none. */
  async laterDependent(tx: Queryable, mergeId: string, fromId: string, intoId: string): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM kg_merges WHERE undone_at IS NULL AND id <> $3 AND at >= (SELECT at FROM kg_merges WHERE id = $3)
         AND (from_id = $1 OR into_id = $1 OR into_id = $2) LIMIT 1`,
      [fromId, intoId, mergeId],
    );
    return rows[0]?.id ?? null;
  }

  /** The aliases a merge added. */
  async removeAliases(tx: Queryable, mergeId: string): Promise<void> {
    await tx.query('DELETE FROM kg_aliases WHERE merge_id = $1', [mergeId]);
  }

  async setMergedInto(tx: Queryable, entityId: string, intoId: string | null): Promise<void> {
    await tx.query('UPDATE kg_entities SET merged_into = $2, updated_at = now() WHERE id = $1', [entityId, intoId]);
  }

  /** Active relations with `entityId` on `side`, locked, with the entity on the other side. */
  async activeRelationsOn(tx: Queryable, side: Side, entityId: string): Promise<Array<{ id: string; predicate: string; otherId: string }>> {
    const other = column(side === 'subject' ? 'object' : 'subject');
    const { rows } = await tx.query<{ id: string; predicate: string; other_id: string }>(
      `SELECT id, predicate, ${other} AS other_id FROM kg_relations WHERE status = 'active' AND ${column(side)} = $1 ORDER BY id FOR UPDATE`,
      [entityId],
    );
    return rows.map((r) => ({ id: r.id, predicate: r.predicate, otherId: r.other_id }));
  }

  /** Fold a relation into `intoId`, which already states it: the evidence is copied there and the duplicate retired. */
  async foldRelation(tx: Queryable, relationId: string, intoId: string, reason: string): Promise<void> {
    await tx.query('UPDATE kg_relations SET status = \'retired\', retired_reason = $2, version = version + 1, updated_at = now() WHERE id = $1', [relationId, reason]);
    await tx.query(
      `INSERT INTO kg_evidence (relation_id, candidate_id, source_id, chunk_id, page, quote, added_at)
       SELECT $2, candidate_id, source_id, chunk_id, page, quote, added_at FROM kg_evidence WHERE relation_id = $1 ON CONFLICT DO NOTHING`,
      [relationId, intoId],
    );
    await this.touchRelation(tx, intoId);
  }

  /** Undo a fold: the copied evidence leaves `intoId` and the folded relation is active again. */
  async unfoldRelation(tx: Queryable, relationId: string, intoId: string): Promise<void> {
    await tx.query('DELETE FROM kg_evidence WHERE relation_id = $1 AND candidate_id IN (SELECT candidate_id FROM kg_evidence WHERE relation_id = $2)', [intoId, relationId]);
    await tx.query(`UPDATE kg_relations SET status = 'active', retired_reason = NULL, version = version + 1, updated_at = now() WHERE id = $1`, [relationId]);
    await this.touchRelation(tx, intoId);
  }

  /** A new version of a relation whose evidence changed. */
  async touchRelation(tx: Queryable, relationId: string): Promise<void> {
    await tx.query('UPDATE kg_relations SET version = version + 1, updated_at = now() WHERE id = $1', [relationId]);
  }

  /** Point one side of a relation at another entity (`onlyActive`: leave a relation retired since alone). */
  async moveRelationSide(tx: Queryable, relationId: string, side: Side, entityId: string, opts: { onlyActive?: boolean } = {}): Promise<void> {
    await tx.query(`UPDATE kg_relations SET ${column(side)} = $2, version = version + 1, updated_at = now() WHERE id = $1${opts.onlyActive ? " AND status = 'active'" : ''}`, [relationId, entityId]);
  }

  /** Pending candidates with `fromId` on `side` now name `intoId`; returns their ids. */
  async repointPendingCandidates(tx: Queryable, side: Side, fromId: string, intoId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(`UPDATE kg_candidates SET ${column(side)} = $2, row_version = row_version + 1 WHERE ${column(side)} = $1 AND status = 'pending' RETURNING id`, [fromId, intoId]);
    return rows.map((r) => r.id);
  }

  /** Set one side of a still-pending candidate (null: unresolved again). */
  async setPendingCandidateSide(tx: Queryable, candidateId: string, side: Side, entityId: string | null): Promise<void> {
    await tx.query(`UPDATE kg_candidates SET ${column(side)} = $2, row_version = row_version + 1 WHERE id = $1 AND status = 'pending'`, [candidateId, entityId]);
  }
}
