import type { Queryable } from '../store/index.ts';
import { appendOutbox, recordHistory } from './relations.repository.ts';

/** What a source's deletion does to the knowledge built from it (shown before deleting). */
export interface SourceKnowledgeImpact {
  candidates: { pending: number; approved: number; rejected: number };
  /** Active relations whose only evidence is this source: retired (with history) when it is deleted. */
  relationsRetired: Array<{ id: string; subject: string; predicate: string; object: string }>;
  /** Active relations that keep evidence from other sources: only this source's evidence goes. */
  relationsKept: number;
}

/**
 * SQL for the knowledge side of deleting a source. Relations backed only by the source are retired
 * with history and a graph event — never dropped — because reviewers approved them; their evidence rows
 * go with the source (the history keeps what they said).
 */
export class SourceRetirementRepository {
  async impact(q: Queryable, sourceId: string): Promise<SourceKnowledgeImpact> {
    const { rows: c } = await q.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM kg_candidates WHERE source_id = $1 GROUP BY status',
      [sourceId],
    );
    const count = (s: string) => c.find((r) => r.status === s)?.n ?? 0;
    const { rows: rels } = await q.query<{ id: string; subject: string; predicate: string; object: string; only: boolean }>(
      `SELECT r.id, s.name_zh AS subject, r.predicate, o.name_zh AS object,
              NOT EXISTS (SELECT 1 FROM kg_evidence e2 WHERE e2.relation_id = r.id AND e2.source_id <> $1) AS only
       FROM kg_relations r
       JOIN kg_entities s ON s.id = r.subject_id JOIN kg_entities o ON o.id = r.object_id
       WHERE r.status = 'active' AND EXISTS (SELECT 1 FROM kg_evidence e WHERE e.relation_id = r.id AND e.source_id = $1)
       ORDER BY r.id`,
      [sourceId],
    );
    return {
      candidates: { pending: count('pending'), approved: count('approved'), rejected: count('rejected') },
      relationsRetired: rels.filter((r) => r.only).map(({ only: _, ...r }) => r),
      relationsKept: rels.filter((r) => !r.only).length,
    };
  }

  /** Retire the relations backed only by `sourceId`, in the caller's transaction; returns their ids. */
  async retireBackedOnlyBy(tx: Queryable, sourceId: string, actor: string, reason: string): Promise<string[]> {
    const { relationsRetired } = await this.impact(tx, sourceId);
    const ids = relationsRetired.map((r) => r.id);
    if (!ids.length) return [];
    const { rows: evidence } = await tx.query<{ relation_id: string; candidate_id: string; page: number | null; quote: string }>(
      'SELECT relation_id, candidate_id, page, quote FROM kg_evidence WHERE relation_id = ANY($1::text[]) ORDER BY relation_id, candidate_id',
      [ids],
    );
    await tx.query(
      `UPDATE kg_relations SET status = 'retired', retired_reason = $2, version = version + 1, updated_at = now() WHERE id = ANY($1::text[])`,
      [ids, reason],
    );
    for (const id of ids) {
      const before = { sourceId, evidence: evidence.filter((e) => e.relation_id === id).map(({ relation_id: _, ...e }) => e) };
      await recordHistory(tx, { relationId: id, action: 'retired', actor, comment: reason, before });
    }
    await appendOutbox(tx, ids.map((relationId) => ({ type: 'relation.retire' as const, relationId })));
    return ids;
  }
}
