import { z } from 'zod';
import { AuditLog } from '../audit/index.ts';
import { AppError, newId, surfaceKey } from '../core/index.ts';
import type { GraphEvent } from '../graph/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { CandidatesRepository } from './candidates.repository.ts';
import { type EntitiesRepository, toGraphEntity } from './entities.repository.ts';
import { appendOutbox, type RelationsRepository, recordHistory } from './relations.repository.ts';

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
type Changes = Merge['changes'];
const EMPTY_CHANGES: Changes = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };

interface MergeRowDb {
  id: string;
  from_id: string | null;
  from_surface: string | null;
  into_id: string;
  actor: string;
  comment: string | null;
  changes: Changes;
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

/**
 * Entity resolution decided by a reviewer: merge an entity into another (its aliases, relations and
 * candidates follow) or map a free-text surface onto an entity. Every merge records exactly what it
 * changed, so undo restores the previous state.
 */
export class MergeService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly entities: EntitiesRepository,
    private readonly candidates: CandidatesRepository,
    private readonly relations: RelationsRepository,
    private readonly emitRelation: (tx: Queryable, relationId: string) => Promise<void>,
    private readonly onChange: () => void = () => {},
  ) {}

  async list(limit = 100): Promise<Merge[]> {
    const { rows } = await this.db.query<MergeRowDb>('SELECT * FROM kg_merges ORDER BY at DESC, id DESC LIMIT $1', [limit]);
    return rows.map(toMerge);
  }

  async get(id: string): Promise<Merge | null> {
    const { rows } = await this.db.query<MergeRowDb>('SELECT * FROM kg_merges WHERE id = $1', [id]);
    return rows[0] ? toMerge(rows[0]) : null;
  }

  async mergeEntity(fromId: string, intoId: string, opts: { actor: string; comment?: string }): Promise<Merge> {
    const id = newId('merge');
    await this.db.transaction(async (tx) => {
      const from = await this.entities.require(fromId, 'fromId', tx);
      const into = await this.entities.require(intoId, 'intoId', tx);
      if (from.id === into.id) throw new AppError('VALIDATION_FAILED', '不能把实体合并到自身 / cannot merge an entity into itself', { field: 'intoId' });
      if (from.mergedInto) throw new AppError('STATE_CONFLICT', `${from.id} 已合并到 ${from.mergedInto} / already merged`, { field: 'fromId' });
      if (into.mergedInto) {
        // Merging into a merged entity would chain; a chain back to `from` would be a cycle of aliases.
        const target = await this.entities.canonicalId(into.id, tx);
        const reason = target === from.id ? '将形成别名环 / would create a cycle of aliases' : `目标已合并到 ${target} / target is itself merged`;
        throw new AppError('STATE_CONFLICT', `无法合并：${reason}`, { field: 'intoId', details: { canonical: target } });
      }
      if (from.type !== into.type) {
        throw new AppError('VALIDATION_FAILED', `类型不同（${from.type} → ${into.type}），不能合并 / types differ`, { field: 'intoId' });
      }
      const changes: Changes = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };
      changes.aliasKeys = await this.entities.addAliases(tx, into.id, [from.nameZh, from.nameEn, ...from.aliases].filter(Boolean), 'merged', id);
      const events: GraphEvent[] = [{ type: 'entity.merge', fromId: from.id, intoId: into.id }];
      const touched = new Set<string>();
      for (const side of ['subject', 'object'] as const) {
        const other = side === 'subject' ? 'object' : 'subject';
        const { rows } = await tx.query<{ id: string; predicate: string; other_id: string }>(
          `SELECT id, predicate, ${other}_id AS other_id FROM kg_relations WHERE status = 'active' AND ${side}_id = $1 ORDER BY id FOR UPDATE`,
          [from.id],
        );
        for (const r of rows) {
          const [s, o] = side === 'subject' ? [into.id, r.other_id] : [r.other_id, into.id];
          const dup = await this.relations.findActive(tx, s, r.predicate, o);
          if (dup) {
            // The target already states this: move the evidence there and retire the duplicate.
            await tx.query('UPDATE kg_relations SET status = \'retired\', retired_reason = $2, version = version + 1, updated_at = now() WHERE id = $1', [r.id, `merged:${id}`]);
            await tx.query(
              `INSERT INTO kg_evidence (relation_id, candidate_id, source_id, chunk_id, page, quote, added_at)
               SELECT $2, candidate_id, source_id, chunk_id, page, quote, added_at FROM kg_evidence WHERE relation_id = $1 ON CONFLICT DO NOTHING`,
              [r.id, dup.id],
            );
            await tx.query('UPDATE kg_relations SET version = version + 1, updated_at = now() WHERE id = $1', [dup.id]);
            changes.relationsFolded.push({ id: r.id, into: dup.id, side });
            events.push({ type: 'relation.retire', relationId: r.id });
            touched.add(dup.id);
          } else {
            await tx.query(`UPDATE kg_relations SET ${side}_id = $2, version = version + 1, updated_at = now() WHERE id = $1`, [r.id, into.id]);
            changes.relationsMoved.push({ id: r.id, side });
            touched.add(r.id);
          }
          await recordHistory(tx, { relationId: r.id, action: 'entity_merged', actor: opts.actor, comment: opts.comment, before: { [`${side}Id`]: from.id }, after: { [`${side}Id`]: into.id, mergeId: id } });
        }
        const { rows: cands } = await tx.query<{ id: string }>(`UPDATE kg_candidates SET ${side}_id = $2, row_version = row_version + 1 WHERE ${side}_id = $1 AND status = 'pending' RETURNING id`, [from.id, into.id]);
        changes.candidates.push(...cands.map((c) => ({ id: c.id, side })));
      }
      await tx.query('UPDATE kg_entities SET merged_into = $2, updated_at = now() WHERE id = $1', [from.id, into.id]);
      await tx.query(
        'INSERT INTO kg_merges (id, from_id, into_id, actor, comment, changes) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
        [id, from.id, into.id, opts.actor, opts.comment ?? null, JSON.stringify(changes)],
      );
      await recordHistory(tx, { entityId: from.id, action: 'merged', actor: opts.actor, comment: opts.comment, after: { intoId: into.id, mergeId: id } });
      await this.audit.append(tx, { actor: opts.actor, action: 'review.merge', target: from.id, details: { intoId: into.id, mergeId: id } });
      const updatedInto = await this.entities.require(into.id, 'intoId', tx);
      events.push({ type: 'entity.upsert', entity: toGraphEntity(updatedInto) });
      await appendOutbox(tx, events);
      for (const rel of touched) await this.emitRelation(tx, rel);
    });
    this.onChange();
    return (await this.get(id)) as Merge;
  }

  /** A free-text surface (e.g. "GGO" from a model) becomes an alias of an entity; pending candidates that wrote it are resolved. */
  async mergeSurface(surface: string, intoId: string, opts: { actor: string; comment?: string }): Promise<Merge> {
    const id = await this.db.transaction((tx) => this.mergeSurfaceIn(tx, surface, intoId, opts));
    this.onChange();
    return (await this.get(id)) as Merge;
  }

  /** mergeSurface in the caller's transaction (the caller calls `changed()` after commit); returns the merge id. */
  async mergeSurfaceIn(tx: Queryable, surface: string, intoId: string, opts: { actor: string; comment?: string }): Promise<string> {
    const key = surfaceKey(surface);
    if (!key) throw new AppError('VALIDATION_FAILED', '别名为空 / surface is empty', { field: 'fromSurface' });
    const id = newId('merge');
    const into = await this.entities.require(intoId, 'intoId', tx);
    if (into.mergedInto) throw new AppError('STATE_CONFLICT', `目标已合并到 ${into.mergedInto} / target is itself merged`, { field: 'intoId' });
    const owners = await this.entities.byExactSurface(surface, tx);
    const clash = owners.find((o) => o.id !== into.id);
    if (clash) {
      throw new AppError('STATE_CONFLICT', `“${surface}”已是 ${clash.nameZh}（${clash.id}）的名称或别名；请合并实体 / surface already names ${clash.id}`, { field: 'fromSurface', details: { entityId: clash.id } });
    }
    const changes: Changes = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };
    changes.aliasKeys = await this.entities.addAliases(tx, into.id, [surface], 'merged', id);
    const resolved = await this.candidates.resolveSurface(tx, key, into.id, surfaceKey);
    changes.candidates = [...resolved.subject.map((c) => ({ id: c, side: 'subject' as const })), ...resolved.object.map((c) => ({ id: c, side: 'object' as const }))];
    await tx.query(
      'INSERT INTO kg_merges (id, from_surface, into_id, actor, comment, changes) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
      [id, surface, into.id, opts.actor, opts.comment ?? null, JSON.stringify(changes)],
    );
    await recordHistory(tx, { entityId: into.id, action: 'alias_added', actor: opts.actor, comment: opts.comment, after: { surface, mergeId: id } });
    await this.audit.append(tx, { actor: opts.actor, action: 'review.merge', target: into.id, details: { surface, mergeId: id } });
    const updated = await this.entities.require(into.id, 'intoId', tx);
    await appendOutbox(tx, [{ type: 'entity.upsert', entity: toGraphEntity(updated) }]);
    return id;
  }

  /** Tell listeners the vocabulary changed (after a caller's transaction that used mergeSurfaceIn committed). */
  changed(): void {
    this.onChange();
  }

  /** Reverse a merge exactly: aliases, relations, evidence and candidates go back to where they were. */
  async undo(mergeId: string, opts: { actor: string }): Promise<Merge> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<MergeRowDb>('SELECT * FROM kg_merges WHERE id = $1 FOR UPDATE', [mergeId]);
      const m = rows[0] ? toMerge(rows[0]) : null;
      if (!m) throw new AppError('NOT_FOUND', `合并记录不存在 / unknown merge ${mergeId}`, { field: 'id' });
      if (m.undoneAt) throw new AppError('STATE_CONFLICT', `合并 ${mergeId} 已撤销 / merge already undone`, { field: 'id' });
      const events: GraphEvent[] = [];
      const touched = new Set<string>();
      await tx.query('DELETE FROM kg_aliases WHERE merge_id = $1', [mergeId]);
      if (m.fromId) {
        const { rows: later } = await tx.query<{ id: string }>(
          `SELECT id FROM kg_merges WHERE undone_at IS NULL AND id <> $3 AND at >= (SELECT at FROM kg_merges WHERE id = $3)
             AND (from_id = $1 OR into_id = $1 OR into_id = $2) LIMIT 1`,
          [m.fromId, m.intoId, mergeId],
        );
        if (later[0]) {
          throw new AppError('STATE_CONFLICT', `之后的合并 ${later[0].id} 依赖本次合并，请先撤销它 / undo the later merge ${later[0].id} first`, { field: 'id' });
        }
        await tx.query('UPDATE kg_entities SET merged_into = NULL, updated_at = now() WHERE id = $1', [m.fromId]);
        const from = await this.entities.require(m.fromId, 'fromId', tx);
        events.push({ type: 'entity.upsert', entity: toGraphEntity(from) });
        for (const r of m.changes.relationsMoved) {
          await tx.query(`UPDATE kg_relations SET ${r.side}_id = $2, version = version + 1, updated_at = now() WHERE id = $1 AND status = 'active'`, [r.id, m.fromId]);
          touched.add(r.id);
        }
        for (const r of m.changes.relationsFolded) {
          await tx.query(`DELETE FROM kg_evidence WHERE relation_id = $1 AND candidate_id IN (SELECT candidate_id FROM kg_evidence WHERE relation_id = $2)`, [r.into, r.id]);
          await tx.query(`UPDATE kg_relations SET status = 'active', retired_reason = NULL, version = version + 1, updated_at = now() WHERE id = $1`, [r.id]);
          await tx.query('UPDATE kg_relations SET version = version + 1, updated_at = now() WHERE id = $1', [r.into]);
          touched.add(r.id);
          touched.add(r.into);
        }
        for (const c of m.changes.candidates) {
          await tx.query(`UPDATE kg_candidates SET ${c.side}_id = $2, row_version = row_version + 1 WHERE id = $1 AND status = 'pending'`, [c.id, m.fromId]);
        }
      } else {
        for (const c of m.changes.candidates) {
          await tx.query(`UPDATE kg_candidates SET ${c.side}_id = NULL, row_version = row_version + 1 WHERE id = $1 AND status = 'pending'`, [c.id]);
        }
      }
      await tx.query('UPDATE kg_merges SET undone_at = now(), undone_by = $2 WHERE id = $1', [mergeId, opts.actor]);
      await recordHistory(tx, { entityId: m.fromId ?? m.intoId, action: 'merge_undone', actor: opts.actor, after: { mergeId } });
      await this.audit.append(tx, { actor: opts.actor, action: 'review.unmerge', target: mergeId, details: { fromId: m.fromId, fromSurface: m.fromSurface, intoId: m.intoId } });
      const into = await this.entities.require(m.intoId, 'intoId', tx);
      events.push({ type: 'entity.upsert', entity: toGraphEntity(into) });
      await appendOutbox(tx, events);
      for (const rel of touched) await this.emitRelation(tx, rel);
    });
    this.onChange();
    return (await this.get(mergeId)) as Merge;
  }
}
